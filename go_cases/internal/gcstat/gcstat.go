// Package gcstat reports how much garbage-collector work a benchmark's timed
// loop caused, and optionally keeps a ballast of live heap for the whole
// process so that every collection has something to scan.
//
// Every escapebench pair runs its two variants through Variants, which orders
// them as the environment variable ESCAPEBENCH_FIRST says, and every
// benchmark brackets its timed loop:
//
//	... setup ...
//	s := gcstat.Start(b) // resets the timer: setup is not measured
//	for i := 0; i < b.N; i++ { ... }
//	s.Stop()
//
// Stop reports, per operation (divided by b.N):
//
//	gc-cycles/op    completed GC cycles       (/gc/cycles/total:gc-cycles)
//	gc-cpu-ns/op    CPU time spent on GC      (/cpu/classes/gc/total:cpu-seconds)
//	gc-pause-ns/op  stop-the-world GC pauses  (/sched/pauses/total/gc:seconds,
//	                                           or /gc/pauses:seconds before Go 1.22)
//	gc-idle-cpu-ns/op  the part of gc-cpu-ns/op done by idle mark workers
//	                   (/cpu/classes/gc/mark/idle:cpu-seconds): GC work that ran
//	                   on a P with nothing else to do, which a program keeping
//	                   every CPU busy would not get for free
//	allocs-exact/op heap allocations, as a fraction (runtime.MemStats.Mallocs)
//
// allocs-exact/op counts what testing's allocs/op counts (every heap
// allocation, tiny ones included) but is not truncated to an integer: a loop
// that allocates 23 times every 2 ops reports 11.5, where allocs/op says 11.
// It reads runtime.ReadMemStats, as testing does, and not the runtime/metrics
// counter /gc/heap/allocs:objects, for two reasons: that counter leaves out
// tiny objects (allocations under 16 bytes without pointers that share a
// 16-byte block; it counts the blocks, /gc/heap/tiny/allocs:objects the rest),
// and it is updated only when a P's span cache is refilled, so its delta over
// a loop misses up to a span's worth of objects per P (measured with Go
// 1.21: 0 of 100 and 908 of 1000 24-byte allocations seen). ReadMemStats
// flushes every cache first; it stops the world, so both reads happen with the
// timer stopped. testing prints a metric with about four significant digits,
// which is the resolution of the fraction in the output.
//
// The pause total is an estimate: the runtime publishes pauses only as a
// histogram, so each pause is counted at its bucket's midpoint (see
// HistogramTotal). The runtime updates the GC CPU counter only at the
// stop-the-world phases of a cycle, so CPU of a cycle still running at Stop is
// credited to whichever reading comes next.
//
// The environment variable ESCAPEBENCH_LIVE_HEAP (bytes; plain integer or with
// a KiB, MiB or GiB suffix) makes package initialisation allocate that much
// pointerful, linked heap and keep it reachable until the process exits: the
// GC-pressure dimension of the measurements. Initialisation then collects
// once, so every process starts its benchmark with the same pacer state (the
// heap goal set from the ballast alone). An invalid value panics.
package gcstat

import (
	"fmt"
	"math"
	"os"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
)

// Units reported by Stop. The benchmark parser tidies the ns units to sec.
const (
	UnitCycles      = "gc-cycles/op"
	UnitCPU         = "gc-cpu-ns/op"
	UnitPause       = "gc-pause-ns/op"
	UnitIdleCPU     = "gc-idle-cpu-ns/op"
	UnitAllocsExact = "allocs-exact/op"
)

// Runtime metrics read before and after the timed loop.
const (
	metricCycles   = "/gc/cycles/total:gc-cycles"
	metricCPU      = "/cpu/classes/gc/total:cpu-seconds"
	metricPause    = "/sched/pauses/total/gc:seconds" // Go 1.22+
	metricPauseOld = "/gc/pauses:seconds"             // Go 1.16+, deprecated by the above
	metricIdleCPU  = "/cpu/classes/gc/mark/idle:cpu-seconds"
)

// EnvLiveHeap names the environment variable that sizes the ballast.
const EnvLiveHeap = "ESCAPEBENCH_LIVE_HEAP"

// EnvFirst names the environment variable that says which variant of a pair
// runs first in the process: "escape" (also when unset or empty) or
// "noescape".
const EnvFirst = "ESCAPEBENCH_FIRST"

// Variants runs a pair's two sub-benchmarks, variant=escape and
// variant=noescape, in the order EnvFirst names. bench run measures both
// variants of a pair in one process (one process start per pair and round
// instead of two) and alternates the first one over rounds in an ABBA order,
// so that whatever running first or second in a process does to a sample
// cancels within the pair. Any other value of EnvFirst fails the benchmark.
func Variants(b *testing.B, escape, noescape func(*testing.B)) {
	switch first := os.Getenv(EnvFirst); first {
	case "", "escape":
		b.Run("variant=escape", escape)
		b.Run("variant=noescape", noescape)
	case "noescape":
		b.Run("variant=noescape", noescape)
		b.Run("variant=escape", escape)
	default:
		b.Fatalf("%s=%q: want escape or noescape", EnvFirst, first)
	}
}

// sampleNames are the metrics this runtime supports, in the order cycles,
// CPU, pause, idle CPU; an unsupported one is "" and its unit is not reported.
var sampleNames = chooseMetrics(metrics.All())

// chooseMetrics picks the metric names from a runtime's description list,
// preferring the pause metric of newer runtimes.
func chooseMetrics(all []metrics.Description) [4]string {
	have := make(map[string]bool, len(all))
	for _, d := range all {
		have[d.Name] = true
	}
	var names [4]string
	if have[metricCycles] {
		names[0] = metricCycles
	}
	if have[metricCPU] {
		names[1] = metricCPU
	}
	switch {
	case have[metricPause]:
		names[2] = metricPause
	case have[metricPauseOld]:
		names[2] = metricPauseOld
	}
	if have[metricIdleCPU] {
		names[3] = metricIdleCPU
	}
	return names
}

// Stats is one measurement in progress, from Start to Stop.
type Stats struct {
	b         *testing.B
	before    []metrics.Sample
	after     []metrics.Sample
	memBefore runtime.MemStats
	memAfter  runtime.MemStats
}

// Start begins the measured region: it resets the benchmark timer, so that
// setup done before it counts towards neither ns/op nor B/op and allocs/op,
// reads the GC metrics, and leaves the timer running. The read itself happens
// with the timer stopped. Start also turns on B/op and allocs/op reporting,
// as -test.benchmem would.
func Start(b *testing.B) *Stats {
	b.ReportAllocs()
	b.StopTimer()
	s := &Stats{b: b, before: newSamples(), after: newSamples()}
	metrics.Read(s.before)
	// last and first: what the metrics reads allocate must not count
	runtime.ReadMemStats(&s.memBefore)
	b.ResetTimer()
	b.StartTimer()
	return s
}

// Stop stops the benchmark timer, reads the GC metrics and the allocation
// count again and reports the differences divided by b.N.
func (s *Stats) Stop() {
	s.b.StopTimer()
	runtime.ReadMemStats(&s.memAfter)
	metrics.Read(s.after)
	if s.b.N <= 0 {
		return
	}
	n := float64(s.b.N)
	s.b.ReportMetric(float64(s.memAfter.Mallocs-s.memBefore.Mallocs)/n, UnitAllocsExact)
	for i, unit := range [4]string{UnitCycles, UnitCPU, UnitPause, UnitIdleCPU} {
		if sampleNames[i] == "" {
			continue
		}
		s.b.ReportMetric(delta(s.before[i].Value, s.after[i].Value)/n, unit)
	}
}

func newSamples() []metrics.Sample {
	s := make([]metrics.Sample, len(sampleNames))
	for i, name := range sampleNames {
		if name == "" {
			// Reading an unknown name yields KindBad, which delta ignores.
			name = "/escapebench/unsupported:none"
		}
		s[i].Name = name
	}
	return s
}

// delta is after minus before, in the unit reported: counts stay counts and
// seconds become nanoseconds.
func delta(before, after metrics.Value) float64 {
	switch after.Kind() {
	case metrics.KindUint64:
		return float64(after.Uint64() - before.Uint64())
	case metrics.KindFloat64:
		return (after.Float64() - before.Float64()) * 1e9
	case metrics.KindFloat64Histogram:
		return HistogramTotal(before.Float64Histogram(), after.Float64Histogram()) * 1e9
	}
	return 0
}

// HistogramTotal estimates the sum of the observations recorded in after but
// not yet in before (both cumulative histograms with the same buckets; before
// may be nil). Each new observation counts as its bucket's midpoint. An
// underflow bucket (-Inf, x] counts as max(x, 0)/2 since pauses are never
// negative; the overflow bucket [x, +Inf) counts as x, a lower bound.
//
// For the runtime's time histograms each power of two is split in four, so a
// bucket is at most a quarter of its lower edge wide and a midpoint is off by
// at most 12.5% per pause; over many pauses the errors partly cancel.
func HistogramTotal(before, after *metrics.Float64Histogram) float64 {
	if after == nil {
		return 0
	}
	var total float64
	for i, c := range after.Counts {
		if before != nil && i < len(before.Counts) {
			c -= before.Counts[i]
		}
		if c == 0 {
			continue
		}
		total += float64(c) * bucketMidpoint(after.Buckets[i], after.Buckets[i+1])
	}
	return total
}

func bucketMidpoint(lo, hi float64) float64 {
	switch {
	case math.IsInf(hi, 1):
		if math.IsInf(lo, -1) {
			return 0
		}
		return lo
	case math.IsInf(lo, -1):
		return math.Max(hi, 0) / 2
	}
	return lo + (hi-lo)/2
}

// ballast keeps the live heap requested by ESCAPEBENCH_LIVE_HEAP reachable
// for the whole process.
var ballast []*node

func init() {
	n, err := ParseSize(os.Getenv(EnvLiveHeap))
	if err != nil {
		panic(fmt.Sprintf("gcstat: %s: %v", EnvLiveHeap, err))
	}
	ballast = newBallast(n)
	if len(ballast) > 0 {
		runtime.GC()
	}
}

// LiveHeap is the size in bytes of the ballast kept for ESCAPEBENCH_LIVE_HEAP:
// the requested size rounded down to whole nodes (0 when unset).
func LiveHeap() int64 {
	return int64(len(ballast)) * perNode
}

// ParseSize parses a byte count: "" or a non-negative integer, optionally
// followed by KiB, MiB or GiB. Decimal units (MB) are rejected on purpose: a
// live-heap size should not depend on which meaning a reader assumes.
func ParseSize(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if t == "" {
		return 0, nil
	}
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSpace(strings.TrimSuffix(t, u.suffix)), u.mult
			break
		}
	}
	v, err := strconv.ParseInt(t, 10, 64)
	if err != nil || v < 0 {
		return 0, fmt.Errorf("invalid size %q: want a non-negative byte count such as 1048576, 512KiB, 64MiB or 1GiB", s)
	}
	if v > math.MaxInt64/mult {
		return 0, fmt.Errorf("invalid size %q: too large", s)
	}
	return v * mult, nil
}

// node is one ballast object: all pointers, so the GC has to scan every word.
// It is 256 bytes, a common size for a program's structs, and few enough
// objects that a 64 MiB ballast is made in about 0.1 s (32-byte nodes took
// 0.6 s, which every sample's process paid).
type node struct {
	next  *node
	links [31]*node
}

// linksSet is how many of a node's links point at other nodes; the rest stay
// nil and are scanned, not followed.
const linksSet = 3

// perNode is what one node costs: the 256-byte object plus its slot in the
// ballast slice.
const perNode = 256 + 8

// newBallast allocates about size bytes of nodes, chained through next and
// cross-linked pseudo-randomly so that marking them chases pointers all over
// the heap rather than streaming through it.
func newBallast(size int64) []*node {
	n := int(size / perNode)
	if n == 0 {
		return nil
	}
	nodes := make([]*node, n)
	for i := range nodes {
		nodes[i] = new(node)
	}
	x := uint64(0x9E3779B97F4A7C15)
	for i, nd := range nodes {
		if i+1 < n {
			nd.next = nodes[i+1]
		}
		for k := 0; k < linksSet; k++ {
			// xorshift64: deterministic, cheap, spread over the whole slice.
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
			nd.links[k] = nodes[x%uint64(n)]
		}
	}
	return nodes
}
