package cases

import (
	"testing"

	"escapebench/go_cases/internal/gcstat"
)

// Section 3.4: slices whose backing array size or lifetime is uncertain.

// growN is the article's element count for its 3.4 and 6.2 slice examples.
const growN = 1000

// implicitStackLimit is ir.MaxImplicitStackVarSize (64 KiB in Go 1.21-1.27):
// the largest new(T), &T{} or constant-size make the compiler puts on the
// stack.
const implicitStackLimit = 64 << 10

// Lengths held in variables, so the compiler cannot treat them as constants.
var (
	dynLen      = 16 // 128 bytes of int: above the 32-byte stack buffer of Go 1.25+
	dynLenSmall = 4  // 32 bytes of int: fits that buffer
)

func sumInts(s []int) int {
	t := 0
	for _, v := range s {
		t += v
	}
	return t
}

// fillSum writes x, x+1, ... into s and sums them.
func fillSum(s []int, x int) int {
	for j := range s {
		s[j] = x + j
	}
	return sumInts(s)
}

// createSlice is the article's 3.4 createSlice: it grows from zero capacity
// and returns the slice. Not inlined: returning the slice is the scenario.
//
//go:noinline
func createSlice() []int {
	s := make([]int, 0) // escape:heap
	for i := 0; i < growN; i++ {
		s = append(s, i)
	}
	return s
}

// sumFixedBacking appends the same values into a fixed-size array it owns
// and consumes them in place. Not inlined, like createSlice.
//
//go:noinline
func sumFixedBacking() int {
	var backing [growN]int // escape:stack
	s := backing[:0]
	for i := 0; i < growN; i++ {
		s = append(s, i)
	}
	return sumInts(s)
}

func BenchmarkAppendGrowth(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			sum += sumInts(createSlice())
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			sum += sumFixedBacking()
		}
		s.Stop()
		sinkInt = sum
	})
}

// BenchmarkAppendGrowthLocal grows a slice that never leaves the loop body.
// The compiler reports that it does not escape, yet every growth is a heap
// allocation by runtime.growslice (Go 1.26+ serves the first 32 bytes from a
// stack buffer).
func BenchmarkAppendGrowthLocal(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			v := make([]int, 0) // escape:stack
			for j := 0; j < growN; j++ {
				v = append(v, j)
			}
			sum += sumInts(v)
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			v := make([]int, 0, growN) // escape:stack
			for j := 0; j < growN; j++ {
				v = append(v, j)
			}
			sum += sumInts(v)
		}
		s.Stop()
		sinkInt = sum
	})
}

// BenchmarkMakeNonConstLen: a length unknown at compile time. Before Go 1.25
// the backing array always goes to the heap; from Go 1.25 the compiler says
// "does not escape" and reserves a 32-byte stack buffer, used only when the
// length fits, so 16 ints still come from the heap.
func BenchmarkMakeNonConstLen(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			v := make([]int, dynLen) // escape:heap go<1.25; escape:stack go>=1.25
			sum += fillSum(v, i)
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			v := make([]int, 16) // escape:stack
			sum += fillSum(v, i)
		}
		s.Stop()
		sinkInt = sum
	})
}

// BenchmarkMakeNonConstLenSmall is BenchmarkMakeNonConstLen with a length
// that fits the 32-byte buffer: from Go 1.25 neither variant allocates.
func BenchmarkMakeNonConstLenSmall(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			v := make([]int, dynLenSmall) // escape:heap go<1.25; escape:stack go>=1.25
			sum += fillSum(v, i)
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			v := make([]int, 4) // escape:stack
			sum += fillSum(v, i)
		}
		s.Stop()
		sinkInt = sum
	})
}

// createSmallSlice is the article's 3.4 createSmallSlice. Its comment says a
// small fixed size may not escape, but the slice is returned, so it does.
// Not inlined: returning the slice is the scenario.
//
//go:noinline
func createSmallSlice() []int {
	s := make([]int, 5) // escape:heap
	return s
}

// sumSmallSlice makes the same five ints and uses them in place. Not
// inlined, like createSmallSlice.
//
//go:noinline
func sumSmallSlice(x int) int {
	s := make([]int, 5) // escape:stack
	return fillSum(s, x)
}

func BenchmarkMakeSmallConst(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			sum += fillSum(createSmallSlice(), i)
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			sum += sumSmallSlice(i)
		}
		s.Stop()
		sinkInt = sum
	})
}

// touch reads and writes a couple of bytes of p so that it cannot be elided.
func touch(p []byte, x int) int {
	p[x%len(p)] = byte(x)
	return int(p[(x*7)%len(p)]) + int(p[x%len(p)])
}

// BenchmarkMakeAboveImplicitLimit: a constant-size make one byte above and
// exactly at ir.MaxImplicitStackVarSize; neither escapes by lifetime.
func BenchmarkMakeAboveImplicitLimit(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			p := make([]byte, implicitStackLimit+1) // escape:heap
			sum += touch(p, i)
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			p := make([]byte, implicitStackLimit) // escape:stack
			sum += touch(p, i)
		}
		s.Stop()
		sinkInt = sum
	})
}
