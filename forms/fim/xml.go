package fim

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Limits of the XML reader. encoding/xml expands no external or custom entities (a "billion
// laughs" document is refused as an unknown entity), so size and depth are what is left to guard.
const (
	MaxSize  = 100 << 20 // bytes of one schema file
	MaxDepth = 256       // element nesting
)

// node is one element of the parsed document: local name, attributes, text and children.
type node struct {
	name   string
	space  string
	attrs  []xml.Attr
	text   string
	kids   []*node
	parent *node
	line   int
}

// child returns the first child element with the local name, or nil.
func (n *node) child(name string) *node {
	if n == nil {
		return nil
	}
	for _, k := range n.kids {
		if k.name == name {
			return k
		}
	}
	return nil
}

// children returns every child element with the local name.
func (n *node) children(name string) []*node {
	if n == nil {
		return nil
	}
	var out []*node
	for _, k := range n.kids {
		if k.name == name {
			out = append(out, k)
		}
	}
	return out
}

// str returns the trimmed text of the child at the slash-separated local-name path.
func (n *node) str(path string) string {
	for _, p := range strings.Split(path, "/") {
		n = n.child(p)
	}
	if n == nil {
		return ""
	}
	return strings.TrimSpace(n.text)
}

// attr returns an attribute by local name.
func (n *node) attr(name string) (string, bool) {
	if n == nil {
		return "", false
	}
	for _, a := range n.attrs {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// path is the element path of n, e.g. /xdatenfelder.stammdatenschema.0102/stammdatenschema/struktur[2].
func (n *node) path() string {
	if n == nil {
		return "/"
	}
	var segs []string
	for x := n; x != nil; x = x.parent {
		seg := x.name
		if x.parent != nil {
			same, idx := 0, 0
			for _, s := range x.parent.kids {
				if s.name == x.name {
					same++
					if s == x {
						idx = same
					}
				}
			}
			if same > 1 {
				seg += "[" + strconv.Itoa(idx) + "]"
			}
		}
		segs = append(segs, seg)
	}
	var b strings.Builder
	for i := len(segs) - 1; i >= 0; i-- {
		b.WriteByte('/')
		b.WriteString(segs[i])
	}
	return b.String()
}

// parseXML reads a document into a tree, refusing DTDs, oversized input and deep nesting. Every
// error names the element path where it happened.
func parseXML(data []byte) (*node, error) {
	if len(data) > MaxSize {
		return nil, fmt.Errorf("/: die Datei ist zu groß (%d Bytes, höchstens %d Bytes)", len(data), MaxSize)
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	var root, cur *node
	var text strings.Builder
	depth := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			line, _ := dec.InputPos()
			return nil, fmt.Errorf("%s: kein gültiges XML (Zeile %d): %v", cur.path(), line, germanXMLError(err))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > MaxDepth {
				return nil, fmt.Errorf("%s: die Elemente sind tiefer als %d Ebenen verschachtelt", cur.path(), MaxDepth)
			}
			line, _ := dec.InputPos()
			n := &node{name: t.Name.Local, space: t.Name.Space, attrs: t.Attr, parent: cur, line: line}
			if cur == nil {
				if root != nil {
					return nil, fmt.Errorf("/%s: das Dokument hat mehr als ein Wurzelelement", t.Name.Local)
				}
				root = n
			} else {
				cur.text += text.String()
				cur.kids = append(cur.kids, n)
			}
			text.Reset()
			cur = n
		case xml.EndElement:
			depth--
			cur.text += text.String()
			text.Reset()
			cur = cur.parent
		case xml.CharData:
			if cur != nil {
				text.Write(t)
			}
		case xml.Directive:
			return nil, fmt.Errorf("%s: Dokumenttyp-Deklarationen (<!DOCTYPE …>, Entitäten) sind nicht erlaubt", cur.path())
		}
	}
	if root == nil {
		return nil, errors.New("/: die Datei enthält kein XML-Element")
	}
	return root, nil
}

// germanXMLError gives the decoder's most common complaints in German.
func germanXMLError(err error) string {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		msg := se.Msg
		switch {
		case strings.HasPrefix(msg, "invalid character entity"):
			return "unbekannte Entität " + strings.TrimPrefix(msg, "invalid character entity ") + " (eigene Entitäten werden nicht aufgelöst)"
		case strings.HasPrefix(msg, "unexpected EOF"):
			return "die Datei endet mitten in einem Element"
		case strings.HasPrefix(msg, "element <"):
			return "ein Element wird nicht richtig geschlossen (" + msg + ")"
		}
		return msg
	}
	return err.Error()
}
