package cases

import (
	"testing"

	"escapebench/go_cases/internal/gcstat"
)

// Section 3.2: sending a pointer on a channel. The compiler cannot know which
// goroutine receives or when, so anything whose address is sent escapes, even
// when, as here, the same goroutine receives it straight back from a buffered
// channel.

func BenchmarkChannelSendPointer(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		ch := make(chan *int, 1)
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			v := i // escape:heap
			ch <- &v
			sum += *<-ch
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		ch := make(chan int, 1)
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			v := i // escape:stack
			ch <- v
			sum += <-ch
		}
		s.Stop()
		sinkInt = sum
	})
}
