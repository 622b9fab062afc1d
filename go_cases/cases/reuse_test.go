package cases

import (
	"io"
	"sync"
	"testing"

	"escapebench/go_cases/internal/gcstat"
)

// Section 6.2: fewer allocations through reuse and preallocation. These pairs
// compare how many heap allocations each variant makes, not heap against
// stack (see pair_kind in cases.toml).

// scratch is a per-operation work buffer, the typical sync.Pool tenant.
type scratch struct {
	buf [248]byte
	n   int
}

func (s *scratch) WriteByte(c byte) error {
	s.buf[s.n%len(s.buf)] = c
	s.n++
	return nil
}

// emit writes v's decimal digits, last first, through an interface, as
// encoders do. Not inlined: behind the call the compiler cannot see w's
// dynamic type, so whatever the caller passes as w escapes; that is why
// such buffers get pooled.
//
//go:noinline
func emit(w io.ByteWriter, v int) {
	for ; v > 0; v /= 10 {
		_ = w.WriteByte(byte('0' + v%10))
	}
}

func newScratch() any {
	return new(scratch) // escape:heap
}

var scratchPool = sync.Pool{New: newScratch}

func BenchmarkSyncPool(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			sc := &scratch{} // escape:heap
			emit(sc, 256+i)
			sum += sc.n + int(sc.buf[0])
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			sc := scratchPool.Get().(*scratch)
			*sc = scratch{}
			emit(sc, 256+i)
			sum += sc.n + int(sc.buf[0])
			scratchPool.Put(sc)
		}
		s.Stop()
		sinkInt = sum
	})
}

// buildSlice is the article's 6.2 counter-example: growth from zero capacity,
// about a dozen allocations. Not inlined: the article's functions return the
// slice.
//
//go:noinline
func buildSlice() []int {
	s := make([]int, 0) // escape:heap
	for i := 0; i < growN; i++ {
		s = append(s, i)
	}
	return s
}

// buildSliceOptimized is the article's 6.2 fix: one allocation, which still
// escapes because the slice is returned.
//
//go:noinline
func buildSliceOptimized() []int {
	s := make([]int, 0, growN) // escape:heap
	for i := 0; i < growN; i++ {
		s = append(s, i)
	}
	return s
}

func BenchmarkPreallocSlice(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			sum += sumInts(buildSlice())
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			sum += sumInts(buildSliceOptimized())
		}
		s.Stop()
		sinkInt = sum
	})
}

// mapN entries outgrow a map's first group or bucket (8 slots), so even a
// map that does not escape allocates its tables on the heap.
const mapN = 64

func BenchmarkPreallocMap(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			m := make(map[int]int) // escape:stack
			for k := 0; k < mapN; k++ {
				m[k] = i + k
			}
			sum += len(m) + m[i&(mapN-1)]
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			m := make(map[int]int, mapN) // escape:stack
			for k := 0; k < mapN; k++ {
				m[k] = i + k
			}
			sum += len(m) + m[i&(mapN-1)]
		}
		s.Stop()
		sinkInt = sum
	})
}
