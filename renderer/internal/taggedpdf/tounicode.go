package taggedpdf

import (
	"bytes"
	"fmt"
	"strconv"
	"sync"
)

// addToUnicode gives every simple font whose encoding names its glyphs uniXXXX (as the
// receipt's fonts do) a ToUnicode map built from those names, so that text extraction and
// assistive technology get the characters back without guessing from glyph names.
func addToUnicode(f *pdfFile) error {
	made := map[int]int{} // encoding object → ToUnicode object
	for num := 1; num < len(f.objs); num++ {
		body := f.objs[num]
		if !bytes.HasPrefix(body, []byte("<</Type /Font")) {
			continue
		}
		d, err := f.dict(num)
		if err != nil {
			return err
		}
		if st := string(d.get("Subtype")); st != "/TrueType" && st != "/Type1" {
			continue
		}
		encRef, err := parseRef(d.get("Encoding"))
		if err != nil {
			continue // a standard encoding: readers know it
		}
		cmap, ok := made[encRef]
		if !ok {
			enc, err := f.dict(encRef)
			if err != nil {
				return err
			}
			data, err := toUnicodeCMap(enc.get("Differences"))
			if err != nil {
				return fmt.Errorf("font object %d: %w", num, err)
			}
			cmap = f.add(stream(dict{{"Filter", []byte("/FlateDecode")}}, data))
			made[encRef] = cmap
		}
		d.set("ToUnicode", ref(cmap))
		f.setDict(num, d)
	}
	return nil
}

// cmapCache keeps the compressed maps of the encodings seen so far: a document uses the
// same few encodings again and again.
var cmapCache struct {
	sync.Mutex
	m map[string][]byte
}

// toUnicodeCMap writes the compressed ToUnicode CMap of a /Differences array whose glyph
// names are all uniXXXX.
func toUnicodeCMap(differences []byte) ([]byte, error) {
	key := string(differences)
	cmapCache.Lock()
	z, ok := cmapCache.m[key]
	cmapCache.Unlock()
	if ok {
		return z, nil
	}
	if len(differences) < 2 || differences[0] != '[' {
		return nil, fmt.Errorf("%w: no Differences array", errSyntax)
	}
	type pair struct{ code, uni int }
	var pairs []pair
	code := -1
	for _, tok := range bytes.Fields(differences[1 : len(differences)-1]) {
		if tok[0] != '/' {
			n, err := strconv.Atoi(string(tok))
			if err != nil || n < 0 || n > 255 {
				return nil, fmt.Errorf("%w: bad code %q in Differences", errSyntax, tok)
			}
			code = n
			continue
		}
		if code < 0 || code > 255 {
			return nil, fmt.Errorf("%w: Differences array without codes", errSyntax)
		}
		u, err := strconv.ParseUint(string(bytes.TrimPrefix(tok, []byte("/uni"))), 16, 16)
		if len(tok) != 8 || !bytes.HasPrefix(tok, []byte("/uni")) || err != nil {
			return nil, fmt.Errorf("%w: glyph name %s is not uniXXXX", errSyntax, tok)
		}
		// A character code that stands for nothing readable maps to nothing (PDF/UA
		// forbids mappings to U+0000, U+FEFF and U+FFFE).
		if u >= 0x20 && u != 0xFEFF && u != 0xFFFE && (u < 0x7F || u >= 0xA0) {
			pairs = append(pairs, pair{code, int(u)})
		}
		code++
	}
	var b bytes.Buffer
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo <</Registry (Adobe) /Ordering (UCS) /Supplement 0>> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<00> <FF>\nendcodespacerange\n")
	for len(pairs) > 0 {
		n := min(len(pairs), 100) // at most 100 mappings per block
		fmt.Fprintf(&b, "%d beginbfchar\n", n)
		for _, p := range pairs[:n] {
			fmt.Fprintf(&b, "<%02X> <%04X>\n", p.code, p.uni)
		}
		b.WriteString("endbfchar\n")
		pairs = pairs[n:]
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	z, err := deflate(b.Bytes())
	if err != nil {
		return nil, err
	}
	cmapCache.Lock()
	if cmapCache.m == nil || len(cmapCache.m) > 256 {
		cmapCache.m = map[string][]byte{}
	}
	cmapCache.m[key] = z
	cmapCache.Unlock()
	return z, nil
}
