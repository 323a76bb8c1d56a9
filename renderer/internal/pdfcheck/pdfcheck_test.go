package pdfcheck

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// fakePDF builds qpdf JSON for a one-page document with the given content stream and
// structure elements (object key → dictionary); 5 0 R is the StructTreeRoot whose /K is top.
func fakePDF(tb testing.TB, content string, top []any, elems map[string]map[string]any) []byte {
	tb.Helper()
	objs := map[string]any{
		"trailer":   map[string]any{"value": map[string]any{"/Root": "1 0 R", "/ID": []any{"b:00", "b:00"}}},
		"obj:1 0 R": map[string]any{"value": map[string]any{"/Type": "/Catalog", "/Pages": "2 0 R", "/StructTreeRoot": "5 0 R", "/MarkInfo": map[string]any{"/Marked": true}, "/Lang": "u:de"}},
		"obj:2 0 R": map[string]any{"value": map[string]any{"/Type": "/Pages", "/Kids": []any{"3 0 R"}}},
		"obj:3 0 R": map[string]any{"value": map[string]any{"/Type": "/Page", "/Contents": "4 0 R", "/StructParents": 0}},
		"obj:4 0 R": map[string]any{"stream": map[string]any{"dict": map[string]any{}, "data": base64.StdEncoding.EncodeToString([]byte(content))}},
		"obj:5 0 R": map[string]any{"value": map[string]any{"/Type": "/StructTreeRoot", "/K": top, "/ParentTree": map[string]any{"/Nums": []any{0, []any{"10 0 R"}}}}},
	}
	for k, v := range elems {
		objs["obj:"+k] = map[string]any{"value": v}
	}
	b, err := json.Marshal(map[string]any{"qpdf": []any{map[string]any{}, objs}})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func findings(tb testing.TB, qpdfJSON []byte) string {
	tb.Helper()
	fs, err := CheckJSON([]byte("%PDF-1.7\n%\xE2\xE3\xCF\xD3\n"), qpdfJSON)
	if err != nil {
		tb.Fatal(err)
	}
	var s []string
	for _, f := range fs {
		s = append(s, f.String())
	}
	return strings.Join(s, "\n")
}

func elem(typ, parent string, k any) map[string]any {
	return map[string]any{"/Type": "/StructElem", "/S": "/" + typ, "/P": parent, "/Pg": "3 0 R", "/K": k}
}

// TestContentAndStructure: each structural checkpoint fires on a document built to break it,
// and stays quiet on the same document built right.
func TestContentAndStructure(t *testing.T) {
	good := map[string]map[string]any{"10 0 R": elem("H1", "5 0 R", []any{0})}
	cases := []struct {
		name, content string
		top           []any
		elems         map[string]map[string]any
		want, not     string
	}{
		{"tagged text", "/H1 <</MCID 0>> BDC BT (x) Tj ET EMC /Artifact <</Type /Layout>> BDC 0 0 m 1 1 l S EMC", []any{"10 0 R"}, good, "", "UA 01-00"},
		{"untagged text", "/H1 <</MCID 0>> BDC EMC BT (x) Tj ET", []any{"10 0 R"}, good, "UA 01-005", ""},
		{"untagged path", "/H1 <</MCID 0>> BDC EMC 0 0 m 1 1 l S", []any{"10 0 R"}, good, "UA 01-005", ""},
		{"tagged in artifact", "/Artifact BMC /H1 <</MCID 0>> BDC (x) Tj EMC EMC", []any{"10 0 R"}, good, "UA 01-004", ""},
		{"artifact in tagged", "/H1 <</MCID 0>> BDC /Artifact BMC (x) Tj EMC EMC", []any{"10 0 R"}, good, "UA 01-003", ""},
		{"MCID of nobody", "/H1 <</MCID 0>> BDC (a) Tj EMC /P <</MCID 1>> BDC (b) Tj EMC", []any{"10 0 R"}, good, "UA 7.1-mcid: MCID 1", ""},
		{"string with a parenthesis and an operator name", "/H1 <</MCID 0>> BDC ((EMC\\) Tj) Tj EMC", []any{"10 0 R"}, good, "", "UA 01-00"},
		{"first heading H2", "/H2 <</MCID 0>> BDC (x) Tj EMC", []any{"10 0 R"}, map[string]map[string]any{"10 0 R": elem("H2", "5 0 R", []any{0})}, "UA 14-002", ""},
		{"skipped level", "/H1 <</MCID 0>> BDC (x) Tj EMC /H3 <</MCID 1>> BDC (y) Tj EMC", []any{"10 0 R", "11 0 R"},
			map[string]map[string]any{"10 0 R": elem("H1", "5 0 R", []any{0}), "11 0 R": elem("H3", "5 0 R", []any{1})}, "UA 14-003", ""},
		{"TH without scope, TD in Table", "/TH <</MCID 0>> BDC (x) Tj EMC", []any{"10 0 R"}, map[string]map[string]any{
			"10 0 R": elem("Table", "5 0 R", []any{"11 0 R", "13 0 R"}),
			"11 0 R": elem("TR", "10 0 R", []any{"12 0 R"}),
			"12 0 R": elem("TH", "11 0 R", []any{0}),
			"13 0 R": elem("TD", "10 0 R", []any{}),
		}, "UA 15-003", ""},
		{"LI outside L", "/LI <</MCID 0>> BDC (x) Tj EMC", []any{"10 0 R"}, map[string]map[string]any{"10 0 R": elem("LI", "5 0 R", []any{0})}, "UA 09-005", ""},
		{"unknown type", "/Frage <</MCID 0>> BDC (x) Tj EMC", []any{"10 0 R"}, map[string]map[string]any{"10 0 R": elem("Frage", "5 0 R", []any{0})}, "UA 02-001", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := findings(t, fakePDF(t, tc.content, tc.top, tc.elems))
			if tc.want != "" && !strings.Contains(got, tc.want) {
				t.Errorf("findings lack %q:\n%s", tc.want, got)
			}
			if tc.not != "" && strings.Contains(got, tc.not) {
				t.Errorf("findings have %q:\n%s", tc.not, got)
			}
		})
	}
	if got := findings(t, fakePDF(t, "/Artifact BMC /H1 <</MCID 0>> BDC (x) Tj EMC EMC", []any{"10 0 R"}, map[string]map[string]any{
		"10 0 R": elem("Table", "5 0 R", []any{"11 0 R"}), "11 0 R": elem("TD", "10 0 R", []any{0}),
	})); !strings.Contains(got, "UA 09-004") {
		t.Errorf("TD directly in Table is not reported:\n%s", got)
	}
}

func TestPDFDate(t *testing.T) {
	want := time.Date(2026, 11, 28, 13, 3, 0, 0, time.UTC)
	for _, s := range []string{"D:20261128140300+01'00'", "D:20261128130300Z", "D:20261128080300-05'00"} {
		if got, ok := pdfDate(s); !ok || !got.Equal(want) {
			t.Errorf("pdfDate(%q) = %v, %v", s, got, ok)
		}
	}
	if _, ok := pdfDate("D:20261128140300"); ok {
		t.Error("a date without time zone is comparable")
	}
}

func TestCMapDestinations(t *testing.T) {
	cmap := []byte("2 beginbfchar\n<20> <0020>\n<21> <FEFF>\nendbfchar\n1 beginbfrange\n<0000> <FFFF> <0000>\nendbfrange\n")
	got := cmapDestinations(cmap)
	if len(got) != 3 || got[0] != 0x20 || got[1] != 0xFEFF || got[2] != 0 {
		t.Errorf("cmapDestinations = %x", got)
	}
}
