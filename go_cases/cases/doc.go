// Package cases holds escapebench's paired benchmarks: one pair per scenario
// of the article on Go escape analysis, each described by a [[case]] table in
// ../cases.toml.
//
// Each BenchmarkX has exactly two sub-benchmarks, variant=escape and
// variant=noescape, doing the same work; only where the data lives differs.
// They run through gcstat.Variants, in the order ESCAPEBENCH_FIRST names, so
// that bench run can measure both in one process and alternate which goes
// first.
// The line where the compiler decides ends in an annotation comment, heap or
// stack, optionally conditioned on the Go version (see ../README.md), which
// the bench tool checks against the compiler's -gcflags=-m output.
//
// Loops are "for i := 0; i < b.N; i++", not b.Loop (Go 1.24+, and it changes
// what the compiler may optimise inside the loop). Results go to
// package-level sinks so that the work cannot be removed as dead code.
// //go:noinline appears only where a call boundary is the scenario itself.
package cases

// sinkInt receives every benchmark's checksum.
var sinkInt int
