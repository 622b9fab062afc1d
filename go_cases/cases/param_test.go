package cases

import (
	"testing"

	"escapebench/go_cases/internal/gcstat"
)

// Section 6.1: passing by pointer or by value.

// User is the article's 6.1 type.
type User struct {
	Name string
	Age  int
}

var sinkUser *User

// processUserLeak keeps u after returning, so callers must heap-allocate
// whatever they pass. Not inlined: the caller decides from this parameter's
// escape tag across the call boundary, which is the scenario.
//
//go:noinline
func processUserLeak(u *User) int {
	sinkUser = u
	return len(u.Name)
}

// processUser is the article's 6.1 function as written, in the closest
// compilable form: the article's body is "// ..." and its text says the
// function only reads u.Name, so it reads u.Name and returns its length (the
// result keeps the call from being dead code). A pointer parameter by itself
// does not make anything escape: the compiler prints "u does not escape" on
// every Go version. Not inlined: the caller decides from this parameter's
// escape tag across the call boundary, which is the scenario.
//
//go:noinline
func processUser(u *User) int { // escape:stack
	return len(u.Name)
}

// processUserValue is the article's 6.1 counterpart as written (body "// ..."
// read as "reads u.Name"): u is a copy, on the callee's stack. Not inlined,
// like processUser.
//
//go:noinline
func processUserValue(u User) int { // escape:stack
	return len(u.Name)
}

var sinkUserValue User

// keepUserValue keeps a copy of its argument beyond the call: by value, what
// is kept is the copy in the package variable, so the caller's User never
// has to move. Not inlined, like processUserLeak.
//
//go:noinline
func keepUserValue(u User) int {
	sinkUserValue = u
	return len(u.Name)
}

// BenchmarkArticleProcessUser is the article's own 6.1 pair: processUser(&u)
// against processUserValue(u). Neither escapes on any Go version: the
// article's "*User may cause u to escape" does not happen for its example,
// and passing by value has nothing to avoid. The loop scaffolding repeats the
// other pairs' on purpose: escape analysis must see each variant separately.
func BenchmarkArticleProcessUser(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			u := User{Name: words[i&7], Age: i} // escape:stack
			sum += processUser(&u)
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			u := User{Name: words[i&7], Age: i} // escape:stack
			sum += processUserValue(u)
		}
		s.Stop()
		sinkInt = sum
	})
}

// BenchmarkKeptParamByValue is where the article's advice does avoid an
// escape. A callee that keeps its argument makes a pointer argument escape
// (processUserLeak), while a value argument is copied and the caller's User
// stays on its stack (keepUserValue).
func BenchmarkKeptParamByValue(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			u := User{Name: words[i&7], Age: i} // escape:heap
			sum += processUserLeak(&u)
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			u := User{Name: words[i&7], Age: i} // escape:stack
			sum += keepUserValue(u)
		}
		s.Stop()
		sinkInt = sum
	})
}

func BenchmarkLeakingPointerParam(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			u := User{Name: "gopher", Age: i} // escape:heap
			sum += processUserLeak(&u)
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			u := User{Name: "gopher", Age: i} // escape:stack
			sum += processUser(&u)
		}
		s.Stop()
		sinkInt = sum
	})
}

// bigUser is a User with 4 KiB of history: large enough that copying it per
// call shows.
type bigUser struct {
	User
	History [512]int
}

// scoreByValue receives a 4 KiB copy. Not inlined: the copy into the
// callee's arguments is the scenario.
//
//go:noinline
func scoreByValue(u bigUser) int { // escape:stack
	return u.Age + u.History[u.Age&511]
}

// scoreByPointer receives 8 bytes and leaks nothing. Not inlined, like
// scoreByValue.
//
//go:noinline
func scoreByPointer(u *bigUser) int { // escape:stack
	return u.Age + u.History[u.Age&511]
}

// BenchmarkLargeStructParam contrasts copy costs, not heap and stack: neither
// variant escapes. variant=escape is the by-value call the article warns
// about for large structs.
func BenchmarkLargeStructParam(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		var u bigUser // escape:stack
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			u.Age = i
			sum += scoreByValue(u)
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		var u bigUser // escape:stack
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			u.Age = i
			sum += scoreByPointer(&u)
		}
		s.Stop()
		sinkInt = sum
	})
}
