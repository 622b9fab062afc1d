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
	return len(u.Name) + u.Age
}

// processUser only reads through u: a pointer parameter by itself does not
// make anything escape. Not inlined, like processUserLeak.
//
//go:noinline
func processUser(u *User) int { // escape:stack
	return len(u.Name) + u.Age
}

func BenchmarkLeakingPointerParam(b *testing.B) {
	b.Run("variant=escape", func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			u := User{Name: "gopher", Age: i} // escape:heap
			sum += processUserLeak(&u)
		}
		s.Stop()
		sinkInt = sum
	})
	b.Run("variant=noescape", func(b *testing.B) {
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
	b.Run("variant=escape", func(b *testing.B) {
		var u bigUser // escape:stack
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			u.Age = i
			sum += scoreByValue(u)
		}
		s.Stop()
		sinkInt = sum
	})
	b.Run("variant=noescape", func(b *testing.B) {
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
