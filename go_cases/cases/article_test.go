package cases

import (
	"testing"

	"escapebench/go_cases/internal/gcstat"
)

// Section 4: the article's escape_example.go, function for function, each
// paired with a counterpart doing the same work without escaping. All are
// kept out of line: what the article shows is how each function's frame
// relates to its result.

// newInt is the article's function.
//
//go:noinline
func newInt() *int {
	var i int = 100 // escape:heap
	return &i
}

// intValue returns the same int by value.
//
//go:noinline
func intValue() int {
	var i int = 100 // escape:stack
	return i
}

func BenchmarkNewInt(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			sum += *newInt() + i
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			sum += intValue() + i
		}
		s.Stop()
		sinkInt = sum
	})
}

// noEscapeString is the article's function: the string header is copied out
// and its bytes are static data.
//
//go:noinline
func noEscapeString() string {
	s := "hello" // escape:stack
	return s
}

// escapeString returns the address of the same local instead.
//
//go:noinline
func escapeString() *string {
	s := "hello" // escape:heap
	return &s
}

func BenchmarkNoEscapeString(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			sum += len(*escapeString()) + i
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			sum += len(noEscapeString()) + i
		}
		s.Stop()
		sinkInt = sum
	})
}

// escapeInterface is the article's function. The article calls it with 200,
// which allocates nothing (see BenchmarkBoxSmallInt); the benchmark passes
// values from 256 up.
//
//go:noinline
func escapeInterface(val int) interface{} {
	return val // escape:heap
}

// intIdentity returns the same value as its concrete type.
//
//go:noinline
func intIdentity(val int) int {
	return val // escape:stack
}

func BenchmarkEscapeInterface(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			sum += escapeInterface(256 + i&0xffff).(int)
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			sum += intIdentity(256 + i&0xffff)
		}
		s.Stop()
		sinkInt = sum
	})
}

// largeArray is the article's function: 800,000 bytes, moved to the heap
// only for its size.
//
//go:noinline
func largeArray() [100000]int {
	var arr [100000]int // escape:stack go<1.24; escape:heap go>=1.24
	return arr
}

// resetLargeArray zeroes a caller-owned array instead, like resetBigStruct.
//
//go:noinline
func resetLargeArray(dst *[100000]int) { // escape:stack
	*dst = [100000]int{}
}

func BenchmarkLargeArray(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			arr := largeArray() // escape:stack go<1.24; escape:heap go>=1.24
			sum += arr[i%len(arr)]
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		dst := new([100000]int) // once, outside the timed loop
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			resetLargeArray(dst)
			sum += dst[i%len(dst)]
		}
		s.Stop()
		sinkInt = sum
	})
}
