// Package tiny is a one-pair module for escapebench's own tests: small enough
// to build and run in seconds, following the pair convention.
package tiny

import (
	"os"
	"testing"
	"time"
)

type point struct{ x, y int }

var sink *point
var sinkVal point

//go:noinline // the call boundary is the point: the pointer outlives newPoint's frame
func newPoint(i int) *point {
	p := point{i, i} // escape:heap
	return &p
}

//go:noinline // same boundary as newPoint, returning a copy instead
func pointValue(i int) point {
	p := point{i, i} // escape:stack
	return p
}

func BenchmarkPoint(b *testing.B) {
	b.Run("variant=escape", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sink = newPoint(i)
		}
	})
	b.Run("variant=noescape", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sinkVal = pointValue(i)
		}
	})
}

// BenchmarkFault misbehaves on request, to test how the harness survives it.
func BenchmarkFault(b *testing.B) {
	b.Run("variant=escape", func(b *testing.B) {
		switch os.Getenv("TINY_FAULT") {
		case "panic":
			panic("tiny: injected panic")
		case "hang":
			time.Sleep(time.Hour)
		}
		for i := 0; i < b.N; i++ {
			sink = newPoint(i)
		}
	})
	b.Run("variant=noescape", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			sinkVal = pointValue(i)
		}
	})
}
