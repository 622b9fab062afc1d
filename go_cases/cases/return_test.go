package cases

import (
	"sync/atomic"
	"testing"

	"escapebench/go_cases/internal/gcstat"
)

// Section 3.1: returning a pointer to a local variable.

// point is 24 bytes without pointers: the allocation, not the scan, is what
// the escape variant pays for.
type point struct{ X, Y, Z int }

// newPoint returns the address of its local p, so p must outlive the frame.
// Not inlined: the function boundary is the scenario (inlined into a caller
// that only reads the fields, p would stay on the caller's stack).
//
//go:noinline
func newPoint(x int) *point {
	p := point{X: x, Y: x + 1, Z: x + 2} // escape:heap
	return &p
}

// makePoint returns the same point by value. Not inlined, like newPoint.
//
//go:noinline
func makePoint(x int) point {
	p := point{X: x, Y: x + 1, Z: x + 2} // escape:stack
	return p
}

func BenchmarkReturnPointer(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			p := newPoint(i)
			sum += p.X + p.Y + p.Z
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			p := makePoint(i)
			sum += p.X + p.Y + p.Z
		}
		s.Stop()
		sinkInt = sum
	})
}

// allocPoint returns a pointer to a fresh composite literal. Not inlined:
// the function boundary is the scenario.
//
//go:noinline
func allocPoint(x int) *point {
	return &point{X: x, Y: x + 1, Z: x + 2} // escape:heap
}

// fillPoint writes into a destination the caller owns; dst does not escape,
// so the caller's variable can stay on its stack. Not inlined, like
// allocPoint.
//
//go:noinline
func fillPoint(dst *point, x int) { // escape:stack
	*dst = point{X: x, Y: x + 1, Z: x + 2}
}

func BenchmarkReturnPointerVsOutParam(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			p := allocPoint(i)
			sum += p.X + p.Y + p.Z
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			var p point // escape:stack
			fillPoint(&p, i)
			sum += p.X + p.Y + p.Z
		}
		s.Stop()
		sinkInt = sum
	})
}

// BenchmarkReturnPointerParallel is BenchmarkReturnPointer on all Ps at once:
// heap allocation contends on shared allocator and GC state, stack
// allocation does not.
func BenchmarkReturnPointerParallel(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		var total atomic.Int64
		s := gcstat.Start(b)
		b.RunParallel(func(pb *testing.PB) {
			sum, i := 0, 0
			for pb.Next() {
				p := newPoint(i)
				sum += p.X + p.Y + p.Z
				i++
			}
			total.Add(int64(sum))
		})
		s.Stop()
		sinkInt = int(total.Load())
	}, func(b *testing.B) {
		var total atomic.Int64
		s := gcstat.Start(b)
		b.RunParallel(func(pb *testing.PB) {
			sum, i := 0, 0
			for pb.Next() {
				p := makePoint(i)
				sum += p.X + p.Y + p.Z
				i++
			}
			total.Add(int64(sum))
		})
		s.Stop()
		sinkInt = int(total.Load())
	})
}
