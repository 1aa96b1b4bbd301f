// Command bench prints what tvauth costs next to the same calls written by hand with net/http: for
// every operation, both sides run against the same loopback server in the same process (see
// internal/benchpairs), and the table shows ns/op, their ratio and allocations per op.
//
//	go run ./examples/bench                      # quick: 50ms per side, one GOMAXPROCS
//	go run ./examples/bench -benchtime 1s -count 5  # steadier: medians of 5 interleaved runs
//	go run ./examples/bench -clock cpu -count 5     # CPU time per op: steadier on a shared machine
//
// It only reports; it never fails on a ratio.
package main

import (
	"flag"
	"fmt"
	"os"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tvauth/tvauth/internal/benchpairs"
)

func main() {
	testing.Init()
	benchtime := flag.Duration("benchtime", 50*time.Millisecond, "time per side and run")
	count := flag.Int("count", 1, "runs per side; the table shows medians")
	cpu := flag.Int("cpu", 1, "GOMAXPROCS")
	run := flag.String("run", "", "only pairs whose id matches this regexp")
	clock := flag.String("clock", "wall", `"wall": ns/op by the wall clock; "cpu": process CPU time (user+system) per op, steadier on a busy machine`)
	flag.Parse()
	if err := flag.Set("test.benchtime", benchtime.String()); err != nil {
		fail(err)
	}
	runtime.GOMAXPROCS(*cpu)
	var filter *regexp.Regexp
	if *run != "" {
		var err error
		if filter, err = regexp.Compile(*run); err != nil {
			fail(err)
		}
	}

	fmt.Printf("tvauth vs hand-written net/http, same loopback server; %s/%s, %d CPU(s), GOMAXPROCS=%d, %s per side, median of %d\n\n",
		runtime.GOOS, runtime.GOARCH, runtime.NumCPU(), *cpu, *benchtime, *count)
	if *clock != "wall" && *clock != "cpu" {
		fail(fmt.Errorf("-clock %q: want wall or cpu", *clock))
	}
	unit := "ns/op"
	if *clock == "cpu" {
		unit = "CPU ns/op"
	}
	fmt.Printf("| %-58s | %13s | %13s | %5s | %10s | %10s |\n", "operation", "raw "+unit, "SDK "+unit, "ratio", "raw allocs", "SDK allocs")
	fmt.Printf("|%s|%s:|%s:|%s:|%s:|%s:|\n", dashes(60), dashes(14), dashes(14), dashes(6), dashes(11), dashes(11))
	type point struct {
		items    int
		raw, sdk float64
	}
	families := map[string][]point{}
	var order []string
	for _, p := range benchpairs.All() {
		if filter != nil && !filter.MatchString(p.ID) {
			continue
		}
		var rawNs, sdkNs, rawAllocs, sdkAllocs []float64
		for i := 0; i < *count; i++ { // interleaved, so drift on a busy machine hits both sides alike
			r := testing.Benchmark(benchpairs.Bench(p, false))
			s := testing.Benchmark(benchpairs.Bench(p, true))
			if r.N == 0 || s.N == 0 {
				fail(fmt.Errorf("%s: a side failed (run go test -bench Pairs/op=%s to see why)", p.ID, p.ID))
			}
			rawNs = append(rawNs, perOp(r, *clock))
			sdkNs = append(sdkNs, perOp(s, *clock))
			rawAllocs = append(rawAllocs, float64(r.AllocsPerOp()))
			sdkAllocs = append(sdkAllocs, float64(s.AllocsPerOp()))
		}
		rn, sn := median(rawNs), median(sdkNs)
		fmt.Printf("| %-58s | %13.0f | %13.0f | %5.2f | %10.0f | %10.0f |\n", p.Title, rn, sn, sn/rn, median(rawAllocs), median(sdkAllocs))
		if p.Items > 0 {
			fam, _, _ := strings.Cut(p.ID, "/")
			if families[fam] == nil {
				order = append(order, fam)
			}
			families[fam] = append(families[fam], point{items: p.Items, raw: rn, sdk: sn})
		}
	}
	if len(order) == 0 {
		return
	}
	// Per item: ns/op over items includes the fixed cost of the call; the marginal cost (extra ns per
	// extra item from the previous size) is what should stay flat as replies grow.
	fmt.Printf("\nScaling (%s clock): ns per item (ns/op ÷ items) and marginal ns per extra item, SDK (raw)\n\n", *clock)
	for _, fam := range order {
		fmt.Printf("%s:", fam)
		pts := families[fam]
		for i, pt := range pts {
			fmt.Printf("  %d: %.0f (%.0f)", pt.items, pt.sdk/float64(pt.items), pt.raw/float64(pt.items))
			if i > 0 {
				d := float64(pt.items - pts[i-1].items)
				fmt.Printf(" marginal %.0f (%.0f)", (pt.sdk-pts[i-1].sdk)/d, (pt.raw-pts[i-1].raw)/d)
			}
		}
		fmt.Println()
	}
}

// perOp is the result's wall-clock ns/op, or its CPU ns/op when that was asked for and measured.
func perOp(r testing.BenchmarkResult, clock string) float64 {
	if clock == "cpu" {
		if v, ok := r.Extra[benchpairs.CPUMetric]; ok {
			return v
		}
		fail(fmt.Errorf("-clock cpu: this platform does not report process CPU time"))
	}
	return float64(r.NsPerOp())
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func dashes(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = '-'
	}
	return string(b)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench:", err)
	os.Exit(1)
}
