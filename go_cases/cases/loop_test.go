package cases

import (
	"testing"

	"escapebench/go_cases/internal/gcstat"
)

// Section 6.3: creating objects inside a loop.

// item is a 64-byte object.
type item struct {
	id   int
	vals [7]int
}

// BenchmarkLoopAllocation: a pointer to an object created inside the loop is
// kept in a variable declared outside it. Several iterations' objects could
// then be live at once, which one stack slot cannot hold, so the compiler
// heap-allocates the object even though nothing leaves the function. Created
// once before the loop and reset each time, it stays on the stack.
func BenchmarkLoopAllocation(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		var last *item
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			it := &item{id: i} // escape:heap
			it.vals[i%7] = i
			last = it
			sum += last.id + last.vals[i%7]
		}
		s.Stop()
		sinkInt = sum + last.id
	}, func(b *testing.B) {
		var last *item
		sum := 0
		it := &item{} // escape:stack
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			*it = item{id: i}
			it.vals[i%7] = i
			last = it
			sum += last.id + last.vals[i%7]
		}
		s.Stop()
		sinkInt = sum + last.id
	})
}
