package cases

import (
	"testing"

	"escapebench/go_cases/internal/gcstat"
)

// Section 3.3: closures capturing variables.

// newCounter is the article's createCounter: the returned closure outlives
// the call, so both the closure and the count it captures by reference move
// to the heap. Not inlined: the function boundary is the scenario (inlined,
// the closure might not outlive the caller's frame).
//
//go:noinline
func newCounter() func() int {
	count := 0          // escape:heap
	return func() int { // escape:heap
		count++
		return count
	}
}

// countThrice uses the same kind of closure only inside the call, so count
// and the closure stay in this frame. Not inlined, like newCounter.
//
//go:noinline
func countThrice() int {
	count := 0           // escape:stack
	next := func() int { // escape:stack
		count++
		return count
	}
	return next() + next() + next()
}

func BenchmarkClosureCounter(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			next := newCounter()
			sum += next() + next() + next()
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			sum += countThrice()
		}
		s.Stop()
		sinkInt = sum
	})
}
