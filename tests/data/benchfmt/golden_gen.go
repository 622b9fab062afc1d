//go:build ignore

// Command golden_gen prints what golang.org/x/perf/benchfmt reads from benchstat-style
// arguments, as JSON lines in the oracle's parse.jsonl shape ("parse"), or what its
// Writer writes back ("write"). It produced tricky.jsonl and tricky.written.txt; see README.md.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"

	"golang.org/x/perf/benchfmt"
)

func ff(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }

func main() {
	mode := os.Args[1]
	files := &benchfmt.Files{Paths: os.Args[2:], AllowLabels: true}
	enc := json.NewEncoder(os.Stdout)
	w := benchfmt.NewWriter(os.Stdout)
	for files.Scan() {
		rec := files.Result()
		if mode == "write" {
			w.Write(rec)
			continue
		}
		fn, line := rec.Pos()
		m := map[string]any{"pos_file": fn, "pos_line": line}
		switch r := rec.(type) {
		case *benchfmt.Result:
			m["kind"] = "result"
			var cfg []map[string]any
			for _, c := range r.Config {
				cfg = append(cfg, map[string]any{"key": c.Key, "value": string(c.Value), "file": c.File})
			}
			m["config"] = cfg
			m["name"] = r.Name.String()
			m["name_base"] = string(r.Name.Base())
			_, parts := r.Name.Parts()
			ps := []string{}
			for _, p := range parts {
				ps = append(ps, string(p))
			}
			m["name_parts"] = ps
			m["iters"] = r.Iters
			var vals []map[string]any
			for _, v := range r.Values {
				vals = append(vals, map[string]any{"value": ff(v.Value), "unit": v.Unit, "orig_value": ff(v.OrigValue), "orig_unit": v.OrigUnit})
			}
			m["values"] = vals
		case *benchfmt.SyntaxError:
			m["kind"] = "syntax_error"
			m["msg"] = r.Msg
			m["error"] = r.Error()
		case *benchfmt.UnitMetadata:
			m["kind"] = "unit_metadata"
			m["unit"] = r.Unit
			m["key"] = r.Key
			m["orig_unit"] = r.OrigUnit
			m["value"] = r.Value
		}
		enc.Encode(m)
	}
	if err := files.Err(); err != nil {
		if mode == "write" {
			fmt.Fprintln(os.Stderr, "ERR", err)
		} else {
			enc.Encode(map[string]any{"kind": "io_error", "error": err.Error()})
		}
	}
	if mode != "write" {
		u := map[string]string{}
		for k, v := range files.Units() {
			u[k.Unit+"|"+k.Key] = v.Value
		}
		enc.Encode(map[string]any{"kind": "units_final", "units": u})
	}
}
