package cases

import (
	"testing"

	"escapebench/go_cases/internal/gcstat"
)

// Section 3.6: objects too large for the stack.

// explicitStackLimit is ir.MaxStackVarSize from Go 1.24 on: the largest
// explicitly declared variable (var x T, x := ...) kept on the stack. Go 1.21
// to 1.23 allow 10 MiB.
const explicitStackLimit = 128 << 10

func BenchmarkExplicitArrayLimit(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			var a [explicitStackLimit + 8]byte // escape:stack go<1.24; escape:heap go>=1.24
			sum += touch(a[:], i)
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			var a [explicitStackLimit]byte // escape:stack
			sum += touch(a[:], i)
		}
		s.Stop()
		sinkInt = sum
	})
}

func BenchmarkNewAboveImplicitLimit(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			p := new([implicitStackLimit + 8]byte) // escape:heap
			sum += touch(p[:], i)
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			p := new([implicitStackLimit]byte) // escape:stack
			sum += touch(p[:], i)
		}
		s.Stop()
		sinkInt = sum
	})
}

// litAbove is 8 bytes over ir.MaxImplicitStackVarSize, litBelow exactly at it.
type (
	litAbove struct {
		n    int
		data [implicitStackLimit]byte
	}
	litBelow struct {
		n    int
		data [implicitStackLimit - 8]byte
	}
)

func BenchmarkCompositeLitAboveImplicitLimit(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			p := &litAbove{n: i} // escape:heap
			sum += p.n + touch(p.data[:], i)
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			p := &litBelow{n: i} // escape:stack
			sum += p.n + touch(p.data[:], i)
		}
		s.Stop()
		sinkInt = sum
	})
}

// BigStruct is the article's 3.6 type: 1 MiB.
type BigStruct struct {
	data [1024 * 1024]byte
}

// createBigStruct is the article's 3.6 function. s never outlives the call;
// it is moved to the heap only for its size. Not inlined: returning the
// value through a call is the scenario.
//
//go:noinline
func createBigStruct() BigStruct {
	var s BigStruct // escape:stack go<1.24; escape:heap go>=1.24
	return s
}

// resetBigStruct hands the caller the same zeroed 1 MiB in storage the
// caller owns: no 1 MiB value fits a Go 1.24+ stack frame, so the
// alternative to a per-call allocation is reuse. Not inlined, like
// createBigStruct.
//
//go:noinline
func resetBigStruct(dst *BigStruct) { // escape:stack
	*dst = BigStruct{}
}

func BenchmarkBigStruct(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			v := createBigStruct() // escape:stack go<1.24; escape:heap go>=1.24
			sum += int(v.data[i%len(v.data)])
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		dst := new(BigStruct) // once, outside the timed loop
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			resetBigStruct(dst)
			sum += int(dst.data[i%len(dst.data)])
		}
		s.Stop()
		sinkInt = sum
	})
}
