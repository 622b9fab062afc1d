// Package prices holds the price-list grid: one generated pair per size and
// shape that measures what a single heap allocation of that size costs
// compared with the same object on the stack (or, above the stack limits,
// in storage the caller owns and reuses).
//
// The pairs live in price_test.go, written by the generator in ./gen from
// its grid (which also writes grid.toml, the manifest the Python side
// reads). Edit the generator, never the generated files, and run
//
//	go generate ./prices
//
// Each pair is BenchmarkPrice<Shape><Size> with the sub-benchmarks
// variant=escape and variant=noescape. Shape Noscan is a [n]byte (no
// pointers: the allocator's noscan path, the tiny allocator below 16 B);
// shape Scan is a [n/8]*int (all pointers: the scan path, with an 8-byte
// malloc header above 512 B from Go 1.22). Both variants call the same
// out-of-line touch function on the object, so the stack side cannot be
// optimised away and both pay the same zeroing and touching.
package prices

//go:generate go run ./gen

// sinkInt keeps every pair's checksum alive.
var sinkInt int

// ptrTarget is what touchPtrs stores: a package variable, so storing its
// address never makes the object escape.
var ptrTarget int

// touchBytes writes one byte chosen by i and reads both ends, so the whole
// object must exist and be zeroed. Not inlined: both variants make the same
// call, and p's escape tag (does not escape) lets the noescape variant keep
// its object on the stack.
//
//go:noinline
func touchBytes(p []byte, i int) int {
	p[i%len(p)] = byte(i)
	return int(p[0]) + int(p[len(p)-1])
}

// touchPtrs is touchBytes for the pointerful shape: it stores one pointer
// and counts the non-nil ends. Not inlined, like touchBytes.
//
//go:noinline
func touchPtrs(p []*int, i int) int {
	p[i%len(p)] = &ptrTarget
	n := 0
	if p[0] != nil {
		n++
	}
	if p[len(p)-1] != nil {
		n++
	}
	return n
}
