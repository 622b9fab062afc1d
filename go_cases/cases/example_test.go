package cases

import (
	"fmt"
	"io"
	"testing"

	"escapebench/go_cases/internal/gcstat"
)

// The article's examples as written, where the other pairs test the general
// statement around them: the claims ledger judges each claim first on these.
// The loop scaffolding repeats the other pairs' on purpose: escape analysis
// must see each variant separately.

// printInterface is the article's 3.5 function. The article prints with
// fmt.Println; this prints the same line to io.Discard so a benchmark run's
// output stays readable. The parameter leaks the same way (fmt keeps its
// arguments as far as escape analysis can tell). Like the article's, it is
// small enough to be inlined, and it is: the conversion of name then sees
// the constant (that is what Go 1.21-1.24 need to box it without allocating).
func printInterface(i interface{}) {
	fmt.Fprintln(io.Discard, i)
}

// printString writes the same line without an interface parameter.
func printString(s string) {
	io.WriteString(io.Discard, s)
	io.WriteString(io.Discard, "\n")
}

// printInterfaceMain is the article's 3.5 main, as written: a function of
// its own (main is never inlined, so neither is this).
//
//go:noinline
func printInterfaceMain() {
	name := "Golang"
	printInterface(name) // escape:heap
}

// printStringMain is the same without the interface parameter. Not inlined,
// like printInterfaceMain.
//
//go:noinline
func printStringMain() {
	name := "Golang"
	printString(name) // escape:stack
}

// BenchmarkArticlePrintInterface is the article's main: name := "Golang";
// printInterface(name). The compiler says the boxed name escapes, but name
// is a constant, so the interface points at read-only static data and
// nothing is allocated on any Go version; BoxString shows a non-constant
// string, which does allocate.
func BenchmarkArticlePrintInterface(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			printInterfaceMain()
			sum += i
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			printStringMain()
			sum += i
		}
		s.Stop()
		sinkInt = sum
	})
}

// BenchmarkArticleEscapeInterface calls the article's escapeInterface with
// the article's own argument, 200: the compiler says val escapes to heap,
// but runtime.convT64 boxes values below 256 from runtime.staticuint64s, so
// nothing is allocated. BenchmarkEscapeInterface passes values from 256 up.
func BenchmarkArticleEscapeInterface(b *testing.B) {
	gcstat.Variants(b, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			sum += escapeInterface(200).(int) + i
		}
		s.Stop()
		sinkInt = sum
	}, func(b *testing.B) {
		sum := 0
		s := gcstat.Start(b)
		for i := 0; i < b.N; i++ {
			sum += intIdentity(200) + i
		}
		s.Stop()
		sinkInt = sum
	})
}
