package wrong

import "testing"

func BenchmarkPairs(b *testing.B) {
	b.Run("variant=escape", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sinkPtr = returnsPtr()
			sinkAny = boxSmall(i & 7)
		}
	})
	b.Run("variant=noescape", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			_ = valueOnly()
			_ = keepsLocal()
			leaks()
			_ = versioned()
			_ = standalone()
		}
	})
}
