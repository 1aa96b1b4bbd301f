package tvauthredis

// TestRedisAddr gives the external test package (docs/replicas.md's code) the shared test Redis.
var TestRedisAddr = testRedis
