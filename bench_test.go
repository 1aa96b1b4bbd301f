package tvauth_test

import (
	"testing"

	"github.com/tvauth/tvauth/internal/benchpairs"
)

// BenchmarkPairs runs every pair of internal/benchpairs: each operation through the SDK (side=sdk) and
// written by hand with net/http (side=raw), against the same loopback server in the same run. Compare
// the sides with benchstat:
//
//	go test -run '^$' -bench Pairs -benchmem -cpu 1 -count 5 . > pairs.txt
//	go run golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da -col /side pairs.txt
//
// or print the table with go run ./examples/bench.
func BenchmarkPairs(b *testing.B) {
	for _, p := range benchpairs.All() {
		b.Run("op="+p.ID+"/side=raw", benchpairs.Bench(p, false))
		b.Run("op="+p.ID+"/side=sdk", benchpairs.Bench(p, true))
	}
}
