package p

import "fmt"

type T struct{ a, b, c int64 }

var sink any

func New() *T {
	t := T{a: 1}
	return &t
}

func Leak(x *int) { sink = x }

func Box(n int) any { return n }

func Slice(n int) []byte { return make([]byte, n) }

func Msg(n int) string { return fmt.Sprintf("%d", n) }

func helper() *T { return &T{b: 2} }

func Inl() int64 { return helper().b }

func Clo(n int) func() int { return func() int { return n } }

func Concat(a, b string) string { return a + b }

func Map(n int) map[int]int {
	m := map[int]int{}
	for i := 0; i < n; i++ {
		m[i] = i
	}
	return m
}
