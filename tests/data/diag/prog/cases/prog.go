// Package cases exercises every kind of -m diagnostic escapebench parses.
package cases

import (
	"fmt"
	"strings"
)

var (
	sinkPtr *int
	sinkAny any
	sinkFn  func() int
	sinkS   []int
)

type point struct{ x, y int }

type shape interface{ area() int }

type square struct{ side int }

func (s square) area() int { return s.side * s.side }

func (p *point) scale(k int) { p.x *= k; p.y *= k }

func (p point) String() string { return fmt.Sprint(p.x, ",", p.y) }

//go:noinline
func returnPtr() *int {
	x := 42
	return &x
}

//go:noinline
func keepLocal() int {
	x := 42
	p := &x
	return *p
}

//go:noinline
func leak(p *int) { sinkPtr = p }

//go:noinline
func identity(p *int) *int { return p }

//go:noinline
func leakContent(pp **int) { sinkPtr = *pp }

//go:noinline
func noLeak(p *int) int { return *p }

func counter() func() int {
	count := 0
	return func() int {
		count++
		return count
	}
}

func nested() int {
	a := 1
	f := func() int {
		b := 2
		g := func() int { a++; return a + b }
		return g()
	}
	return f()
}

func toIface(v int) any { return v }

func bigLocal() int {
	var buf [1 << 20]byte
	buf[3] = 1
	return int(buf[3])
}

func makeVar(n int) []int { return make([]int, n) }

func makeConst() int {
	s := make([]int, 8)
	return len(s)
}

func grow(n int) []int {
	var s []int
	for i := 0; i < n; i++ {
		s = append(s, i)
	}
	return s
}

func viaChan() int {
	ch := make(chan *int, 1)
	v := 7
	go func() { ch <- &v }()
	return *<-ch
}

func devirt() int {
	var s shape = square{side: 3}
	return s.area()
}

func generic[T any](v T) *T { return &v }

func useGeneric() *int { return generic(5) }

func variadic() string {
	n := 3
	return fmt.Sprintf("%d", n)
}

func builder() string {
	var b strings.Builder
	b.WriteString("x")
	return b.String()
}

func deferred() (r int) {
	x := 1
	defer func() { r = x }()
	return 0
}

func literal() *point { return &point{1, 2} }

func Use() {
	sinkPtr = returnPtr()
	_ = keepLocal()
	v := 1
	leak(&v)
	w := 2
	_ = identity(&w)
	q := &w
	leakContent(&q)
	z := 3
	_ = noLeak(&z)
	sinkFn = counter()
	_ = nested()
	sinkAny = toIface(1000)
	_ = bigLocal()
	sinkS = makeVar(10)
	_ = makeConst()
	sinkS = grow(100)
	_ = viaChan()
	_ = devirt()
	sinkPtr = useGeneric()
	_ = variadic()
	_ = builder()
	_ = deferred()
	p := literal()
	p.scale(2)
	sinkAny = *p
}
