// Package hostile has benchmark names that try to break paths and markup.
package hostile

import "testing"

var sink []byte

func BenchmarkÉchappé(b *testing.B) {
	for _, name := range []string{"variant=escape<script>alert(1)</script>", "variant=noescape & ../..", "variant=日本"} {
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				sink = make([]byte, 8)
			}
		})
	}
}
