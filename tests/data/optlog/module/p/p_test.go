package p

import "testing"

var G any

func BenchmarkAll(b *testing.B) {
	for i := 0; i < b.N; i++ {
		G = New()
		G = Box(i + 1000)
		G = Slice(100)
		G = Msg(i)
		G = helper()
		G = Clo(i)
		G = Concat("abc", Msg(3))
		G = Map(20)
	}
}
