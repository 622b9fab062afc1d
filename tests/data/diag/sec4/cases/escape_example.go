// Package cases is the article's section-4 program (escape_example.go),
// verbatim except for the package name and main renamed to Main so that
// `go test -c` can build it.
package cases

import "fmt"

// newInt 返回一个指向 int 类型变量的指针
func newInt() *int {
	var i int = 100
	return &i // 局部变量 i 的地址被返回，会发生逃逸
}

// noEscapeString 返回一个字符串，不发生逃逸（字符串是不可变的值类型，虽然底层有指针，但这里返回的是副本）
func noEscapeString() string {
	s := "hello"
	return s
}

// escapeInterface 演示接口类型导致逃逸
func escapeInterface(val int) interface{} {
	return val // val 赋值给 interface{}，val 逃逸到堆
}

// largeArray 演示大对象逃逸
func largeArray() [100000]int {
	var arr [100000]int // 局部大数组，可能逃逸
	return arr
}

func Main() {
	ptr := newInt()
	fmt.Println(*ptr)

	str := noEscapeString()
	fmt.Println(str)

	_ = escapeInterface(200)

	_ = largeArray()
}
