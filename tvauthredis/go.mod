module github.com/tvauth/tvauth/tvauthredis

go 1.24.0

require (
	github.com/alicebob/miniredis/v2 v2.40.0
	github.com/redis/go-redis/v9 v9.22.0
	github.com/tvauth/tvauth v0.1.0
	golang.org/x/oauth2 v0.35.0
)

require (
	github.com/cespare/xxhash/v2 v2.3.0 // indirect
	github.com/google/go-querystring v1.2.0 // indirect
	github.com/hashicorp/go-cleanhttp v0.5.2 // indirect
	github.com/hashicorp/go-retryablehttp v0.7.8 // indirect
	github.com/yuin/gopher-lua v1.1.1 // indirect
	go.uber.org/atomic v1.11.0 // indirect
	golang.org/x/sys v0.33.0 // indirect
)

// Development against the checkout; a release tags the root first and then this module, whose
// require names that root version (RELEASING.md).
replace github.com/tvauth/tvauth => ../
