// Command gofuncs prints, as JSON, every function of some Go files with the
// name the gc compiler gives it in -m diagnostics, and every line comment that
// starts with "escape:".
//
// escapebench attributes each compiler diagnostic to the innermost function
// whose source span holds it, and reads // escape: annotations from the
// comments. go/parser is the only tool that gets this right in the presence of
// raw strings, rune literals and comments holding braces; a Python scanner
// would have to reimplement Go's lexer.
//
// Usage:
//
//	gofuncs [-go go1.22.3] file.go...
//
// Names follow cmd/compile: F, T.M, (*T).M; function literals are numbered in
// source order within their enclosing function (F.func1, F.func2) and within
// an enclosing literal (F.func1.1); literals in package-level initialisers are
// glob..funcN before Go 1.22 and init.funcN since; init functions are init.0,
// init.1, ... in file order. Type parameters are left out of names (the
// compiler prints shape instantiations such as F[go.shape.int]).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strconv"
	"strings"
)

// Func is the source span of one named function or function literal.
type Func struct {
	File    string `json:"file"`
	Name    string `json:"name"`
	Line    int    `json:"line"`
	Col     int    `json:"col"`
	EndLine int    `json:"end_line"`
	EndCol  int    `json:"end_col"`
	Lit     bool   `json:"lit"`
}

// Comment is a line comment whose text starts with "escape:".
type Comment struct {
	File string `json:"file"`
	Line int    `json:"line"`
	Col  int    `json:"col"`
	Text string `json:"text"`
}

// Outline is the whole output.
type Outline struct {
	Funcs    []Func    `json:"funcs"`
	Comments []Comment `json:"comments"`
}

type walker struct {
	fset  *token.FileSet
	out   *Outline
	stack []string // names of the enclosing functions
	count []int    // literals seen so far in each enclosing function
}

func (w *walker) add(name string, n ast.Node, lit bool) {
	start, end := w.fset.Position(n.Pos()), w.fset.Position(n.End())
	w.out.Funcs = append(w.out.Funcs, Func{
		File: start.Filename, Name: name, Line: start.Line, Col: start.Column,
		EndLine: end.Line, EndCol: end.Column, Lit: lit,
	})
}

// Visit names function literals relative to the function on top of the stack.
func (w *walker) Visit(n ast.Node) ast.Visitor {
	lit, ok := n.(*ast.FuncLit)
	if !ok {
		return w
	}
	top := len(w.stack) - 1
	w.count[top]++
	sep := ".func"
	if len(w.stack) > 1 {
		sep = "." // a literal inside a literal: F.func1.1
	}
	name := w.stack[top] + sep + strconv.Itoa(w.count[top])
	w.add(name, lit, true)
	w.stack = append(w.stack, name)
	w.count = append(w.count, 0)
	ast.Walk(w, lit.Body)
	w.stack = w.stack[:len(w.stack)-1]
	w.count = w.count[:len(w.count)-1]
	return nil
}

// walkIn walks n with name as the outermost enclosing function.
func (w *walker) walkIn(name string, n ast.Node) {
	w.stack = []string{name}
	w.count = []int{0}
	ast.Walk(w, n)
}

// recvName renders a receiver type as the compiler does: T or (*T), without type arguments.
func recvName(expr ast.Expr) string {
	star := false
	if s, ok := expr.(*ast.StarExpr); ok {
		star, expr = true, s.X
	}
	switch e := expr.(type) {
	case *ast.IndexExpr:
		expr = e.X
	case *ast.IndexListExpr:
		expr = e.X
	}
	name := "?"
	if id, ok := expr.(*ast.Ident); ok {
		name = id.Name
	}
	if star {
		return "(*" + name + ")"
	}
	return name
}

// preGo122 reports whether version (e.g. "go1.21.13") names a release that
// called package-initialiser closures glob..funcN.
func preGo122(version string) bool {
	v := strings.TrimPrefix(version, "go")
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return false
	}
	major, err1 := strconv.Atoi(parts[0])
	minor, err2 := strconv.Atoi(parts[1])
	if err1 != nil || err2 != nil {
		return false
	}
	return major == 1 && minor < 22
}

func main() {
	goVersion := flag.String("go", "", "compiler version whose naming to follow (e.g. go1.21.13)")
	flag.Parse()
	glob := "init"
	if preGo122(*goVersion) {
		glob = "glob."
	}
	fset := token.NewFileSet()
	out := &Outline{Funcs: []Func{}, Comments: []Comment{}}
	w := &walker{fset: fset, out: out}
	inits := 0
	failed := false
	for _, path := range flag.Args() {
		f, err := parser.ParseFile(fset, path, nil, parser.ParseComments|parser.SkipObjectResolution)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			failed = true
			continue
		}
		for _, decl := range f.Decls {
			switch d := decl.(type) {
			case *ast.FuncDecl:
				name := d.Name.Name
				if d.Recv != nil && len(d.Recv.List) == 1 {
					name = recvName(d.Recv.List[0].Type) + "." + name
				} else if name == "init" {
					name = "init." + strconv.Itoa(inits)
					inits++
				}
				w.add(name, d, false)
				if d.Body != nil {
					w.walkIn(name, d.Body)
				}
			case *ast.GenDecl:
				w.walkIn(glob, d)
			}
		}
		for _, group := range f.Comments {
			for _, c := range group.List {
				if !strings.HasPrefix(c.Text, "//") {
					continue
				}
				if strings.HasPrefix(strings.TrimSpace(c.Text[2:]), "escape:") {
					pos := fset.Position(c.Pos())
					out.Comments = append(out.Comments, Comment{
						File: pos.Filename, Line: pos.Line, Col: pos.Column, Text: c.Text,
					})
				}
			}
		}
	}
	enc := json.NewEncoder(os.Stdout)
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if failed {
		os.Exit(2)
	}
}
