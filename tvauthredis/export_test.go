package tvauthredis

// TestRedisAddr gives the external test package (the README's code) the shared test Redis.
var TestRedisAddr = testRedis
