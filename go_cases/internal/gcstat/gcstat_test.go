package gcstat

import (
	"flag"
	"math"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"strings"
	"testing"
)

func TestParseSize(t *testing.T) {
	good := []struct {
		in   string
		want int64
	}{
		{"", 0},
		{"0", 0},
		{"4096", 4096},
		{" 123 ", 123},
		{"512KiB", 512 << 10},
		{"64MiB", 64 << 20},
		{"64 MiB", 64 << 20},
		{"2GiB", 2 << 30},
	}
	for _, tc := range good {
		got, err := ParseSize(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("ParseSize(%q) = %d, %v; want %d, nil", tc.in, got, err, tc.want)
		}
	}
	bad := []string{"-1", "abc", "1.5MiB", "64MB", "64mib", "KiB", "10GB", "9223372036854775807GiB"}
	for _, in := range bad {
		if got, err := ParseSize(in); err == nil {
			t.Errorf("ParseSize(%q) = %d, nil; want an error", in, got)
		}
	}
}

func TestBallastIsLinkedAndSized(t *testing.T) {
	const size = 1 << 20
	nodes := newBallast(size)
	if got := int64(len(nodes)) * perNode; got > size || got < size-perNode {
		t.Fatalf("ballast of %d nodes is %d bytes; want about %d", len(nodes), got, size)
	}
	seen := 0
	for nd := nodes[0]; nd != nil; nd = nd.next {
		seen++
		for k, l := range nd.links {
			if (l == nil) != (k >= linksSet) {
				t.Fatalf("node %d: link %d is %v; want the first %d set, the rest nil", seen, k, l, linksSet)
			}
		}
	}
	if seen != len(nodes) {
		t.Errorf("next chain reaches %d of %d nodes", seen, len(nodes))
	}
	if newBallast(perNode-1) != nil {
		t.Error("a size below one node should allocate nothing")
	}
}

// TestInvalidEnvPanics re-runs this test binary with a bad
// ESCAPEBENCH_LIVE_HEAP: package init must refuse it with a clear message.
func TestInvalidEnvPanics(t *testing.T) {
	if os.Getenv(EnvLiveHeap) == "bogus" {
		t.Fatal("init accepted an invalid size")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestInvalidEnvPanics$")
	cmd.Env = append(os.Environ(), EnvLiveHeap+"=bogus")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("child exited cleanly; output:\n%s", out)
	}
	want := `gcstat: ESCAPEBENCH_LIVE_HEAP: invalid size "bogus"`
	if !strings.Contains(string(out), want) {
		t.Errorf("child output lacks %q:\n%s", want, out)
	}
}

func TestLiveHeapFromEnv(t *testing.T) {
	want, err := ParseSize(os.Getenv(EnvLiveHeap))
	if err != nil {
		t.Fatal(err)
	}
	if got := LiveHeap(); got > want || got < want-perNode {
		t.Errorf("LiveHeap() = %d; want about %d", got, want)
	}
}

var sink *[64]byte

// quickBenchmarks makes testing.Benchmark run a fixed, small b.N instead of
// calibrating for a second.
func quickBenchmarks(t *testing.T) {
	f := flag.Lookup("test.benchtime")
	if f == nil {
		return
	}
	old := f.Value.String()
	if err := f.Value.Set("256x"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Value.Set(old) })
}

func TestReportsMetrics(t *testing.T) {
	quickBenchmarks(t)
	r := testing.Benchmark(func(b *testing.B) {
		s := Start(b)
		for i := 0; i < b.N; i++ {
			sink = new([64]byte)
			if i%64 == 0 {
				runtime.GC()
			}
		}
		s.Stop()
	})
	for _, unit := range []string{UnitCycles, UnitCPU, UnitPause} {
		v, ok := r.Extra[unit]
		if !ok {
			t.Errorf("metric %s not reported; got %v", unit, r.Extra)
			continue
		}
		if !(v > 0) || math.IsInf(v, 0) {
			t.Errorf("%s = %v; want a positive finite value with forced GCs", unit, v)
		}
	}
	if c := r.Extra[UnitCycles]; c > 1 {
		t.Errorf("%s = %v; one forced GC per 64 ops cannot exceed 1", UnitCycles, c)
	}
}

func TestStartExcludesSetupAndItsOwnAllocations(t *testing.T) {
	quickBenchmarks(t)
	r := testing.Benchmark(func(b *testing.B) {
		sink = new([64]byte) // setup
		s := Start(b)
		for i := 0; i < b.N; i++ {
		}
		s.Stop()
	})
	if r.MemAllocs != 0 || r.MemBytes != 0 {
		t.Errorf("empty loop allocated %d objects, %d bytes; setup and gcstat's reads must not count", r.MemAllocs, r.MemBytes)
	}
}

var tiny *[4]byte

// TestExactAllocsCountEveryAllocationAsAFraction: 3 allocations every 2 ops
// (one of them tiny) are 1.5 per op, where testing's allocs/op truncates to 1,
// and the reads themselves count nothing.
func TestExactAllocsCountEveryAllocationAsAFraction(t *testing.T) {
	quickBenchmarks(t)
	r := testing.Benchmark(func(b *testing.B) {
		s := Start(b)
		for i := 0; i < b.N; i++ {
			sink = new([64]byte)
			if i%2 == 0 {
				sink = new([64]byte)
				tiny = new([4]byte)
			}
		}
		s.Stop()
	})
	got, ok := r.Extra[UnitAllocsExact]
	if !ok {
		t.Fatalf("metric %s not reported; got %v", UnitAllocsExact, r.Extra)
	}
	if want := 2.0; got != want {
		t.Errorf("%s = %v; want %v (256 ops: 256 + 128 + 128 allocations)", UnitAllocsExact, got, want)
	}
	if r.AllocsPerOp() != 2 {
		t.Errorf("testing's allocs/op = %d; want 2", r.AllocsPerOp())
	}
	r = testing.Benchmark(func(b *testing.B) {
		s := Start(b)
		for i := 0; i < b.N; i++ {
			if i%2 == 0 {
				sink = new([64]byte)
				tiny = new([4]byte)
				tiny = new([4]byte)
			}
		}
		s.Stop()
	})
	if got := r.Extra[UnitAllocsExact]; got != 1.5 {
		t.Errorf("%s = %v; want 1.5 (3 allocations every 2 ops, tiny ones included)", UnitAllocsExact, got)
	}
	if r.AllocsPerOp() != 1 {
		t.Errorf("testing's allocs/op = %d; want 1 (truncated)", r.AllocsPerOp())
	}
	r = testing.Benchmark(func(b *testing.B) {
		s := Start(b)
		for i := 0; i < b.N; i++ {
		}
		s.Stop()
	})
	if got := r.Extra[UnitAllocsExact]; got != 0 {
		t.Errorf("empty loop: %s = %v; want 0", UnitAllocsExact, got)
	}
}

func TestChooseMetrics(t *testing.T) {
	d := func(names ...string) []metrics.Description {
		var out []metrics.Description
		for _, n := range names {
			out = append(out, metrics.Description{Name: n})
		}
		return out
	}
	got := chooseMetrics(d(metricCycles, metricCPU, metricPauseOld, metricPause, metricIdleCPU))
	if got != [4]string{metricCycles, metricCPU, metricPause, metricIdleCPU} {
		t.Errorf("new runtime: got %q", got)
	}
	got = chooseMetrics(d(metricCycles, metricCPU, metricPauseOld))
	if got[2] != metricPauseOld {
		t.Errorf("Go 1.21 runtime: pause metric %q; want %q", got[2], metricPauseOld)
	}
	if got = chooseMetrics(nil); got != [4]string{} {
		t.Errorf("empty runtime: got %q", got)
	}
	// This runtime must offer all four: the module supports Go 1.21+.
	for i, n := range sampleNames {
		if n == "" {
			t.Errorf("metric %d unsupported by %s", i, runtime.Version())
		}
	}
}

func TestHistogramTotal(t *testing.T) {
	inf := math.Inf(1)
	h := func(counts ...uint64) *metrics.Float64Histogram {
		return &metrics.Float64Histogram{
			Counts:  counts,
			Buckets: []float64{-inf, 0, 2, 4, inf},
		}
	}
	cases := []struct {
		name          string
		before, after *metrics.Float64Histogram
		want          float64
	}{
		{"nil after", nil, nil, 0},
		{"midpoints", nil, h(0, 1, 2, 0), 1*1 + 2*3},
		{"difference only", h(0, 1, 1, 0), h(0, 1, 3, 0), 2 * 3},
		{"underflow counts as half its upper edge", nil, h(5, 0, 0, 0), 0},
		{"overflow counts as its lower edge", nil, h(0, 0, 0, 2), 2 * 4},
	}
	for _, tc := range cases {
		if got := HistogramTotal(tc.before, tc.after); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	if got := bucketMidpoint(-inf, 6); got != 3 {
		t.Errorf("underflow bucket (-Inf, 6]: got %v, want 3", got)
	}
	if got := bucketMidpoint(-inf, inf); got != 0 {
		t.Errorf("bucket (-Inf, +Inf): got %v, want 0", got)
	}
}

// ranFirst runs Variants once through testing.Benchmark and returns the
// variants in the order they first ran.
func ranFirst() ([]string, testing.BenchmarkResult) {
	var order []string
	note := func(name string) func(*testing.B) {
		return func(b *testing.B) {
			if len(order) == 0 || order[len(order)-1] != name {
				order = append(order, name)
			}
		}
	}
	r := testing.Benchmark(func(b *testing.B) { Variants(b, note("escape"), note("noescape")) })
	return order, r
}

func TestVariantsRunInTheOrderTheEnvironmentNames(t *testing.T) {
	for _, tc := range []struct {
		env   string
		first string
	}{{"", "escape"}, {"escape", "escape"}, {"noescape", "noescape"}} {
		t.Setenv(EnvFirst, tc.env)
		order, _ := ranFirst()
		if len(order) != 2 || order[0] != tc.first {
			t.Errorf("%s=%q: ran %v, want %s first and both", EnvFirst, tc.env, order, tc.first)
		}
	}
}

func TestVariantsRefuseAnotherValue(t *testing.T) {
	t.Setenv(EnvFirst, "both")
	order, r := ranFirst()
	if len(order) != 0 || r.N != 0 {
		t.Errorf("%s=both: ran %v (N=%d), want nothing run", EnvFirst, order, r.N)
	}
}
