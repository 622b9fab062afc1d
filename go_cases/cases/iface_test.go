package cases

import (
	"fmt"
	"io"
	"strconv"
	"sync/atomic"
	"testing"

	"escapebench/go_cases/internal/gcstat"
)

// Section 3.5: converting concrete values to interfaces ("boxing").

// pair is a small struct to box: 16 bytes.
type pair struct{ a, b int }

// words are non-empty, so boxing one has string data to point to.
var words = [8]string{"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta"}

var sinkAny any

// describe is the work both variants do with a boxed value.
func describe(x any) int {
	switch v := x.(type) {
	case int:
		return v
	case string:
		return len(v)
	case pair:
		return v.a + v.b
	}
	return 0
}

// retainAny keeps its argument beyond the call, so the caller must box on
// the heap. Not inlined: the caller decides from this parameter's escape tag
// across the call boundary, which is the scenario.
//
//go:noinline
func retainAny(x any) int {
	sinkAny = x
	return describe(x)
}

// inspectAny only looks at its argument, so the caller may box on its stack.
// Not inlined, like retainAny.
//
//go:noinline
func inspectAny(x any) int {
	return describe(x)
}

// BenchmarkBoxSmallInt is a finding, not a cost: the compiler reports that v
// escapes, but runtime.convT64 returns a pointer into runtime.staticuint64s
// for values below 256, so nothing is allocated.
func BenchmarkBoxSmallInt(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			v := i & 0xff
			sum += retainAny(v) // escape:heap
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			v := i & 0xff
			sum += inspectAny(v) // escape:stack
		}
		s.Stop()
		sinkInt = sum
	})
}

func BenchmarkBoxLargeInt(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			v := 256 + i&0xffff
			sum += retainAny(v) // escape:heap
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			v := 256 + i&0xffff
			sum += inspectAny(v) // escape:stack
		}
		s.Stop()
		sinkInt = sum
	})
}

func BenchmarkBoxString(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			v := words[i&7]
			sum += retainAny(v) // escape:heap
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			v := words[i&7]
			sum += inspectAny(v) // escape:stack
		}
		s.Stop()
		sinkInt = sum
	})
}

func BenchmarkBoxStruct(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			v := pair{a: i, b: i + 1}
			sum += retainAny(v) // escape:heap
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			v := pair{a: i, b: i + 1}
			sum += inspectAny(v) // escape:stack
		}
		s.Stop()
		sinkInt = sum
	})
}

// countWriter is a concrete io.Writer: called directly, the compiler sees
// that Write keeps nothing.
type countWriter struct{ n int }

func (w *countWriter) Write(p []byte) (int, error) {
	w.n += len(p)
	return len(p), nil
}

// BenchmarkFprintlnVsAppendInt prints an int and a newline: through fmt's
// ...any parameter (the article's fmt.Println) versus strconv into a stack
// buffer handed to a concrete writer.
func BenchmarkFprintlnVsAppendInt(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			v := 256 + i&0xffff
			n, _ := fmt.Fprintln(io.Discard, v) // escape:heap
			sum += n
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		var w countWriter
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			v := 256 + i&0xffff
			var buf [24]byte // escape:stack
			line := strconv.AppendInt(buf[:0], int64(v), 10)
			n, _ := w.Write(append(line, '\n'))
			sum += n
		}
		s.Stop()
		sinkInt = sum + w.n
	})
}

// anyHolder gives each goroutine of a parallel benchmark its own place to
// keep a boxed value, so that retaining needs no shared sink.
type anyHolder struct{ last any }

// retainIn stores x through h, which the compiler treats as a heap store.
// Not inlined, like retainAny.
//
//go:noinline
func retainIn(h *anyHolder, x any) int {
	h.last = x
	return describe(x)
}

// BenchmarkBoxLargeIntParallel is BenchmarkBoxLargeInt on all Ps at once.
func BenchmarkBoxLargeIntParallel(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		var total atomic.Int64
		s := gcstat.Start(b)
		b.RunParallel(func(pb *testing.PB) {
			var h anyHolder
			sum, i := 0, 0
			for pb.Next() {
				v := 256 + i&0xffff
				sum += retainIn(&h, v) // escape:heap
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
				v := 256 + i&0xffff
				sum += inspectAny(v) // escape:stack
				i++
			}
			total.Add(int64(sum))
		})
		s.Stop()
		sinkInt = int(total.Load())
	})
}
