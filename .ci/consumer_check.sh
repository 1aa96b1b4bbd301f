#!/usr/bin/env bash
# A program that imports only the root package must not get the Redis store's or OpenTelemetry's
# dependencies in its build list (tvauthredis and tvauthotel are modules of their own, as go-redis's
# extra/* are). This builds a scratch consumer module against this checkout and fails when
# `go list -m all` names any of them.
set -euo pipefail
root=$(cd "${1:-$(dirname "$0")/..}" && pwd) # the checkout (default: this one)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cd "$scratch"
cat >go.mod <<MOD
module example.com/consumer

go 1.24.0

require github.com/tvauth/tvauth v0.1.0

replace github.com/tvauth/tvauth => $root
MOD
cat >main.go <<'GO'
package main

import (
	"fmt"

	"github.com/tvauth/tvauth"
)

func main() {
	c, err := tvauth.New()
	fmt.Println(c != nil, err)
}
GO
go mod tidy
go build ./...
mods=$(go list -m all)
bad=$(printf '%s\n' "$mods" | grep -E '^(github.com/redis/go-redis|github.com/alicebob/miniredis|github.com/yuin/gopher-lua|go.opentelemetry.io)( |/|$)' || true)
if [ -n "$bad" ]; then
  echo "a consumer of the root package gets the Redis store's or OpenTelemetry's dependencies:"
  echo "$bad"
  exit 1
fi
echo "ok consumer of github.com/tvauth/tvauth: $(printf '%s\n' "$mods" | wc -l) modules, none of go-redis, miniredis, gopher-lua, OpenTelemetry"
