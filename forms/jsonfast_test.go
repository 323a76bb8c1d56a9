package forms

import (
	"bytes"
	"encoding/json"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// slowParse is the token-based decoder that indexes every position, as parseJSON did before
// the fast path; the fast path must give the same values and duplicate pointers.
func slowParse(t *testing.T, data []byte) (any, *jsonIndex, error) {
	t.Helper()
	ix := &jsonIndex{data: data, offsets: map[string]int{}}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	v, err := ix.value(dec, "", &ix.dupes)
	if err == nil {
		if _, e := dec.Token(); e != io.EOF {
			err = fs.ErrInvalid // trailing data
		}
	}
	return v, ix, err
}

func TestFastParseMatchesIndexingDecoder(t *testing.T) {
	var inputs [][]byte
	for _, s := range []string{
		`{}`, `[]`, ` {"a": 1, "a": 2, "b": {"c": [1, {"c": 0, "c": 1}]}} `, `"x"`, `-0.5e+10`, `0`,
		`{"~/a": {"x": 1, "x": 2}}`, `{"s": "ä\u00e4\n\"\\\/\ud83d\ude00 \ud800"}`, "{\"bad\": \"\xff\xfe\"}",
		`[true, false, null, 1.0, 1E2, -0]`, `{"a":[[[]]],"b":{}}`,
		// Invalid documents: the fast path must refuse them all.
		`{"a": 1,}`, `[1,,2]`, `{"a" 1}`, `{"a": 1 "b": 2}`, `01`, `1.`, `-`, `1e`, `tru`, `nul`,
		`{"a": 1} x`, `{"a": "b`, "\"tab\there\"", `[1 2]`, `{1: 2}`, `+1`, `.5`, `{"a":}`, ``, `   `,
	} {
		inputs = append(inputs, []byte(s))
	}
	_ = filepath.WalkDir("../examples", func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".json") {
			if data, err := os.ReadFile(path); err == nil {
				inputs = append(inputs, data)
			}
		}
		return nil
	})
	if len(inputs) < 40 {
		t.Fatalf("only %d inputs: examples not found", len(inputs))
	}
	for _, data := range inputs {
		want, wantIx, wantErr := slowParse(t, data)
		got, dupes, ok := fastParse(data)
		if wantErr != nil {
			if ok {
				t.Errorf("%.60q: fast path accepted what the decoder refuses (%v)", data, wantErr)
			}
			continue
		}
		if !ok {
			t.Errorf("%.60q: fast path refused a valid document", data)
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%.60q: values differ:\n got %#v\nwant %#v", data, got, want)
		}
		if !reflect.DeepEqual(dupes, wantIx.dupes) {
			t.Errorf("%.60q: duplicates %q, want %q", data, dupes, wantIx.dupes)
		}
		// The lazily built index locates every pointer as the eager one did.
		_, lazy, err := parseJSON(data)
		if err != nil {
			t.Fatalf("parseJSON: %v", err)
		}
		if off, ok := lazy.offset(""); !ok || off != wantIx.offsets[""] {
			t.Errorf("%.60q: root at %d, want %d", data, off, wantIx.offsets[""])
		}
		if _, eager, err := parseJSONIndexed(data, true); err != nil || !reflect.DeepEqual(eager.offsets, wantIx.offsets) {
			t.Errorf("%.60q: offsets indexed while parsing differ (%v)", data, err)
		}
		if !reflect.DeepEqual(lazy.offsets, wantIx.offsets) {
			t.Errorf("%.60q: offsets differ:\n got %v\nwant %v", data, lazy.offsets, wantIx.offsets)
		}
		for ptr := range wantIx.offsets {
			for _, p := range []string{ptr, ptr + "/missing"} {
				l1, c1 := lazy.position(p)
				l2, c2 := wantIx.position(p)
				if l1 != l2 || c1 != c2 {
					t.Errorf("%.60q %s: at %d:%d, want %d:%d", data, p, l1, c1, l2, c2)
				}
			}
		}
	}
}
