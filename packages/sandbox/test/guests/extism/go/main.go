// A hyper-mcp plugin (protocol 1) in Go, without a PDK: the Extism kernel
// imported with go:wasmimport, describe and call exported with
// go:wasmexport, built as a WASI reactor (-buildmode=c-shared). The Go
// runtime starts in _initialize and uses WASI (clocks, random), so this
// plugin runs with the sandbox's preview1 host as well as the kernel.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
)

//go:wasmimport extism:host/env input_length
func inputLength() uint64

//go:wasmimport extism:host/env input_load_u8
func inputLoadU8(offset uint64) uint32

//go:wasmimport extism:host/env alloc
func alloc(n uint64) uint64

//go:wasmimport extism:host/env store_u8
func storeU8(p uint64, v uint32)

//go:wasmimport extism:host/env load_u8
func loadU8(p uint64) uint32

//go:wasmimport extism:host/env length
func length(p uint64) uint64

//go:wasmimport extism:host/env output_set
func outputSet(p uint64, n uint64)

//go:wasmimport extism:host/env error_set
func errorSet(p uint64)

//go:wasmimport extism:host/env config_get
func configGet(key uint64) uint64

func input() []byte {
	n := inputLength()
	b := make([]byte, n)
	for i := uint64(0); i < n; i++ {
		b[i] = byte(inputLoadU8(i))
	}
	return b
}

func block(b []byte) uint64 {
	p := alloc(uint64(len(b)))
	for i, c := range b {
		storeU8(p+uint64(i), uint32(c))
	}
	return p
}

func read(p uint64) []byte {
	n := length(p)
	b := make([]byte, n)
	for i := uint64(0); i < n; i++ {
		b[i] = byte(loadU8(p + uint64(i)))
	}
	return b
}

func output(v any) int32 {
	b, err := json.Marshal(v)
	if err != nil {
		return fail(err.Error())
	}
	outputSet(block(b), uint64(len(b)))
	return 0
}

func fail(msg string) int32 {
	errorSet(block([]byte(msg)))
	return 1
}

type content struct {
	Type string `json:"type"`
	Text string `json:"text"`
}

type result struct {
	Content []content `json:"content"`
	IsError bool      `json:"isError"`
}

func text(s string, isError bool) result {
	return result{Content: []content{{Type: "text", Text: s}}, IsError: isError}
}

//go:wasmexport describe
func describe() int32 {
	return output(map[string]any{"tools": []map[string]any{
		{
			"name":        "sum",
			"description": "Adds numbers",
			"inputSchema": map[string]any{
				"type":       "object",
				"properties": map[string]any{"numbers": map[string]any{"type": "array", "items": map[string]any{"type": "number"}}},
				"required":   []string{"numbers"},
			},
		},
		{
			"name":        "keys",
			"description": "Lists an object's keys, sorted",
			"inputSchema": map[string]any{
				"type":       "object",
				"properties": map[string]any{"object": map[string]any{"type": "object"}},
				"required":   []string{"object"},
			},
		},
		{
			"name":        "runtime",
			"description": "Says what the Go runtime sees: its config value `greeting` and its environment size",
			"inputSchema": map[string]any{"type": "object", "properties": map[string]any{}},
		},
	}})
}

//go:wasmexport call
func call() int32 {
	var req struct {
		Params struct {
			Name      string          `json:"name"`
			Arguments json.RawMessage `json:"arguments"`
		} `json:"params"`
	}
	if err := json.Unmarshal(input(), &req); err != nil {
		return fail("input is not a tool call: " + err.Error())
	}
	switch req.Params.Name {
	case "sum":
		var a struct {
			Numbers []float64 `json:"numbers"`
		}
		if err := json.Unmarshal(req.Params.Arguments, &a); err != nil {
			return output(text("numbers must be a list of numbers: "+err.Error(), true))
		}
		total := 0.0
		for _, n := range a.Numbers {
			total += n
		}
		return output(text(fmt.Sprint(total), false))
	case "keys":
		var a struct {
			Object map[string]json.RawMessage `json:"object"`
		}
		if err := json.Unmarshal(req.Params.Arguments, &a); err != nil {
			return output(text("object must be an object: "+err.Error(), true))
		}
		keys := make([]string, 0, len(a.Object))
		for k := range a.Object {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		return output(text(strings.Join(keys, ","), false))
	case "runtime":
		greeting := "none"
		if p := configGet(block([]byte("greeting"))); p != 0 {
			greeting = string(read(p))
		}
		return output(text(fmt.Sprintf("greeting=%s environ=%d", greeting, len(os.Environ())), false))
	}
	return output(text("unknown tool "+req.Params.Name, true))
}

func main() {}
