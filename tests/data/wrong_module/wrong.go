// Package wrong carries deliberately wrong // escape: annotations (and a few
// right ones) so that escapebench's verifier can be tested against the real
// compiler: every wrong one must be reported as not holding, with evidence.
package wrong

var (
	sinkPtr *int
	sinkAny any
)

// keepsLocal is annotated heap, but x never leaves the frame.
//
//go:noinline
func keepsLocal() int {
	x := 1 // escape:heap
	p := &x
	return *p
}

// leaks is annotated stack, but y is stored in a global.
//
//go:noinline
func leaks() {
	y := 2 // escape:stack
	sinkPtr = &y
}

// versioned's condition selects the stack clause for every Go since 1.21,
// but z is returned by address and escapes on all of them.
//
//go:noinline
func versioned() *int {
	z := 3 // escape:heap go<1.21; escape:stack go>=1.21
	return &z
}

// returnsPtr is annotated right: w is moved to the heap.
//
//go:noinline
func returnsPtr() *int {
	w := 4 // escape:heap
	return &w
}

// valueOnly is annotated right: v is copied out, never addressed.
//
//go:noinline
func valueOnly() int {
	v := 4 // escape:stack
	return v
}

// boxSmall is annotated right for the compiler, yet boxing a small int does
// not allocate at run time (runtime.staticuint64s).
//
//go:noinline
func boxSmall(n int) any {
	return n // escape:heap
}

// standalone carries its annotation on the line above the declaration.
//
//go:noinline
func standalone() *int {
	// escape:heap
	u := 5
	return &u
}
