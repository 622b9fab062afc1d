package cases

import (
	"testing"

	"escapebench/go_cases/internal/gcstat"
)

// Section 6.4: calls through interfaces. Arguments of a dynamically
// dispatched call escape, because the compiler cannot see which method runs.

type totaler interface {
	Total(p *[8]int) int
}

type arrayTotaler struct{}

func (arrayTotaler) Total(p *[8]int) int {
	t := 0
	for _, v := range p {
		t += v
	}
	return t
}

// opaqueTotaler is a mutable package-level variable, so its dynamic type is
// unknown where it is called and the call cannot be devirtualized.
var opaqueTotaler totaler = arrayTotaler{}

func BenchmarkInterfaceDispatch(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			var buf [8]int // escape:heap
			buf[i&7] = i
			sum += opaqueTotaler.Total(&buf)
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		var t arrayTotaler
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			var buf [8]int // escape:stack
			buf[i&7] = i
			sum += t.Total(&buf)
		}
		s.Stop()
		sinkInt = sum
	})
}

// BenchmarkDevirtualized: the same interface call, but the interface value is
// built from a concrete type in the same function, so the compiler rewrites
// the call to the concrete method ("devirtualizing t.Total to arrayTotaler"
// in -m output) before escape analysis and buf stays on the stack. Go
// 1.21.13, 1.24.11, 1.26.6 and 1.27.3 all devirtualize it.
func BenchmarkDevirtualized(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			var buf [8]int // escape:heap
			buf[i&7] = i
			sum += opaqueTotaler.Total(&buf)
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		var t totaler = arrayTotaler{}
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			var buf [8]int // escape:stack
			buf[i&7] = i
			sum += t.Total(&buf)
		}
		s.Stop()
		sinkInt = sum
	})
}
