package cases

import (
	"testing"

	"escapebench/go_cases/internal/gcstat"
)

// Section 6.5: struct field order. Both variants heap-allocate the same
// number of structs holding the same fields; only the padding differs, so
// this pair is about bytes allocated (B/op), not heap against stack.

// padded puts a bool before each int64: 7 bytes of padding each, 48 bytes.
type padded struct {
	a bool
	x int64
	b bool
	y int64
	c bool
	z int64
}

// packed holds the same fields largest first: 32 bytes.
type packed struct {
	x, y, z int64
	a, b, c bool
}

const layoutN = 128

var (
	sinkPadded []padded
	sinkPacked []packed
)

func BenchmarkStructLayout(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			v := make([]padded, layoutN) // escape:heap
			for j := range v {
				v[j].x, v[j].c = int64(i+j), j&1 == 0
			}
			sum += int(v[i%layoutN].x)
			sinkPadded = v
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			v := make([]packed, layoutN) // escape:heap
			for j := range v {
				v[j].x, v[j].c = int64(i+j), j&1 == 0
			}
			sum += int(v[i%layoutN].x)
			sinkPacked = v
		}
		s.Stop()
		sinkInt = sum
	})
}
