package pdfcheck

import (
	"fmt"
	"strconv"
)

// standardTypes are the standard structure types of ISO 32000-1, 14.8.4.
var standardTypes = map[string]bool{
	"Document": true, "Part": true, "Art": true, "Sect": true, "Div": true, "BlockQuote": true,
	"Caption": true, "TOC": true, "TOCI": true, "Index": true, "NonStruct": true, "Private": true,
	"P": true, "H": true, "H1": true, "H2": true, "H3": true, "H4": true, "H5": true, "H6": true,
	"L": true, "LI": true, "Lbl": true, "LBody": true, "Table": true, "TR": true, "TH": true,
	"TD": true, "THead": true, "TBody": true, "TFoot": true, "Span": true, "Quote": true,
	"Note": true, "Reference": true, "BibEntry": true, "Code": true, "Link": true, "Annot": true,
	"Figure": true, "Formula": true, "Form": true, "Ruby": true, "RB": true, "RT": true,
	"RP": true, "Warichu": true, "WT": true, "WP": true,
}

// allowed parents and children of the table and list elements (ISO 32000-1 Tables 336, 337).
var (
	tableParents = map[string][]string{
		"TR": {"Table", "THead", "TBody", "TFoot"}, "TH": {"TR"}, "TD": {"TR"},
		"THead": {"Table"}, "TBody": {"Table"}, "TFoot": {"Table"},
	}
	tableKids = map[string][]string{
		"Table": {"TR", "THead", "TBody", "TFoot", "Caption"},
		"THead": {"TR"}, "TBody": {"TR"}, "TFoot": {"TR"}, "TR": {"TH", "TD"},
	}
	listParents = map[string][]string{"LI": {"L"}, "Lbl": {"LI"}, "LBody": {"LI"}}
	listKids    = map[string][]string{"L": {"LI", "L", "Caption"}, "LI": {"Lbl", "LBody"}}
)

// mcKey names a marked-content sequence: the page's object key and the MCID.
type mcKey struct {
	page string
	mcid int
}

func (c *checker) checkStructure(cat map[string]any, pages []pageRef) {
	root := c.dict(cat["/StructTreeRoot"])
	roleMap := c.dict(root["/RoleMap"])
	role := func(s string) string {
		for range 16 {
			if standardTypes[s] {
				return s
			}
			next, ok := roleMap["/"+s].(string)
			if !ok {
				return s
			}
			s = next[1:]
		}
		return s
	}

	owner := map[mcKey]string{} // MCID → the element that claims it
	var headings []int
	usesH := false
	var walk func(ref any, parentType string, depth int)
	walk = func(ref any, parentType string, depth int) {
		key, _ := ref.(string)
		e := c.dict(ref)
		if e == nil || depth > 100 {
			return
		}
		s, _ := e["/S"].(string)
		if len(s) < 2 {
			return
		}
		typ := role(s[1:])
		if !standardTypes[typ] {
			c.fail("UA 02-001", "structure type %s is neither standard nor role-mapped", s)
		}
		switch {
		case typ == "H":
			usesH = true
		case len(typ) == 2 && typ[0] == 'H' && typ[1] >= '1' && typ[1] <= '6':
			headings = append(headings, int(typ[1]-'0'))
		case typ == "TH":
			a := c.dict(e["/A"])
			if a == nil {
				for _, x := range c.array(e["/A"]) {
					if d := c.dict(x); d["/Scope"] != nil {
						a = d
					}
				}
			}
			if a["/Scope"] == nil && e["/ID"] == nil {
				c.fail("UA 15-003", "TH %s has no Scope", key)
			}
		}
		if allowed, ok := tableParents[typ]; ok && !contains(allowed, parentType) {
			c.fail("UA 09-004", "%s %s inside %s", typ, key, parentType)
		}
		if allowed, ok := listParents[typ]; ok && !contains(allowed, parentType) {
			c.fail("UA 09-005", "%s %s inside %s", typ, key, parentType)
		}
		page, _ := e["/Pg"].(string)
		kids := []any{e["/K"]}
		if a, ok := c.resolve(e["/K"]).([]any); ok {
			kids = a
		}
		for _, k := range kids {
			switch k := k.(type) {
			case float64:
				c.claim(owner, mcKey{page, int(k)}, key)
			case map[string]any:
				if k["/Type"] == "/MCR" {
					pg, _ := k["/Pg"].(string)
					if pg == "" {
						pg = page
					}
					mcid, _ := k["/MCID"].(float64)
					c.claim(owner, mcKey{pg, int(mcid)}, key)
				}
			case string:
				kd := c.dict(k)
				ks, _ := kd["/S"].(string)
				if kd["/Type"] == "/OBJR" || len(ks) < 2 {
					continue
				}
				kt := role(ks[1:])
				if allowed, ok := tableKids[typ]; ok && !contains(allowed, kt) {
					c.fail("UA 09-004", "%s inside %s %s", kt, typ, key)
				}
				if allowed, ok := listKids[typ]; ok && !contains(allowed, kt) {
					c.fail("UA 09-005", "%s inside %s %s", kt, typ, key)
				}
				walk(k, typ, depth+1)
			}
		}
	}
	top := []any{root["/K"]}
	if a, ok := c.resolve(root["/K"]).([]any); ok {
		top = a
	}
	for _, k := range top {
		walk(k, "", 0)
	}
	if usesH && len(headings) > 0 {
		c.fail("UA 14-007", "both H and H1–H6")
	}
	if len(headings) > 0 && headings[0] != 1 {
		c.fail("UA 14-002", "the first heading is H%d", headings[0])
	}
	for i := 1; i < len(headings); i++ {
		if headings[i] > headings[i-1]+1 {
			c.fail("UA 14-003", "H%d follows H%d", headings[i], headings[i-1])
		}
	}

	// The parent tree: for each page, MCID → the element that owns it.
	parents := map[int][]any{}
	var nums func(v any, depth int)
	nums = func(v any, depth int) {
		d := c.dict(v)
		if d == nil || depth > 32 {
			return
		}
		n := c.array(d["/Nums"])
		for i := 0; i+1 < len(n); i += 2 {
			k, _ := n[i].(float64)
			parents[int(k)] = c.array(n[i+1])
		}
		for _, kid := range c.array(d["/Kids"]) {
			nums(kid, depth+1)
		}
	}
	nums(root["/ParentTree"], 0)

	for _, p := range pages {
		used := c.scanContent(p)
		sp, hasSP := p.dict["/StructParents"].(float64)
		for mcid := range used {
			k := mcKey{p.key, mcid}
			el, ok := owner[k]
			if !ok {
				c.fail("UA 7.1-mcid", "MCID %d on page %s belongs to no structure element", mcid, p.key)
				continue
			}
			if !hasSP {
				c.fail("UA 7.1-mcid", "page %s has marked content but no /StructParents", p.key)
				continue
			}
			arr := parents[int(sp)]
			if mcid >= len(arr) || arr[mcid] != el {
				c.fail("UA 7.1-mcid", "the parent tree does not map MCID %d on page %s to %s", mcid, p.key, el)
			}
		}
		for k, el := range owner {
			if k.page == p.key && !used[k.mcid] {
				c.fail("UA 7.1-mcid", "%s claims MCID %d on page %s, which the page does not have", el, k.mcid, p.key)
			}
		}
	}
}

func (c *checker) claim(owner map[mcKey]string, k mcKey, elem string) {
	if prev, ok := owner[k]; ok && prev != elem {
		c.fail("UA 7.1-mcid", "MCID %d on page %s belongs to %s and %s", k.mcid, k.page, prev, elem)
		return
	}
	owner[k] = elem
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// paintingOps draw text or paths; they must be in marked content.
var paintingOps = map[string]bool{
	"Tj": true, "TJ": true, "'": true, "\"": true,
	"S": true, "s": true, "f": true, "F": true, "f*": true, "B": true, "B*": true, "b": true, "b*": true,
	"sh": true, "Do": true, "EI": true,
}

// scanContent reads the page's content streams and checks that everything painted is
// either an artifact or tagged; it returns the MCIDs the page uses.
func (c *checker) scanContent(p pageRef) map[int]bool {
	used := map[int]bool{}
	var data []byte
	contents := []any{p.dict["/Contents"]}
	if a, ok := c.resolve(p.dict["/Contents"]).([]any); ok {
		contents = a
	}
	for _, s := range contents {
		d, _ := c.streamData(s)
		data = append(append(data, d...), '\n')
	}
	type mark struct {
		artifact bool
		mcid     int // -1: none
	}
	var stack []mark
	var operands []string
	inArtifact := func() bool {
		for _, m := range stack {
			if m.artifact {
				return true
			}
		}
		return false
	}
	tagged := func() bool {
		for _, m := range stack {
			if m.mcid >= 0 {
				return true
			}
		}
		return false
	}
	lex := lexer{b: data}
	for {
		tok, isOp, ok := lex.next()
		if !ok {
			break
		}
		if !isOp {
			operands = append(operands, tok)
			continue
		}
		switch tok {
		case "BMC", "BDC":
			m := mark{mcid: -1}
			if len(operands) > 0 {
				m.artifact = operands[0] == "/Artifact"
				if tok == "BDC" {
					if id, ok := mcidOf(operands[len(operands)-1]); ok {
						m.mcid = id
					}
				}
			}
			if m.artifact && tagged() {
				c.fail("UA 01-003", "an artifact inside tagged content on page %s", p.key)
			}
			if m.mcid >= 0 && inArtifact() {
				c.fail("UA 01-004", "tagged content inside an artifact on page %s", p.key)
			}
			if m.mcid >= 0 {
				if used[m.mcid] {
					c.fail("UA 7.1-mcid", "MCID %d used twice on page %s", m.mcid, p.key)
				}
				used[m.mcid] = true
			}
			stack = append(stack, m)
		case "EMC":
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		default:
			if paintingOps[tok] && !inArtifact() && !tagged() {
				c.fail("UA 01-005", "%s on page %s outside any artifact or tagged content", tok, p.key)
			}
		}
		operands = operands[:0]
	}
	return used
}

// mcidOf reads the MCID of an inline property list "<</MCID 3>>".
func mcidOf(props string) (int, bool) {
	if len(props) < 4 || props[:2] != "<<" {
		return 0, false
	}
	l := lexer{b: []byte(props[2 : len(props)-2])}
	var prev string
	for {
		tok, _, ok := l.next()
		if !ok {
			return 0, false
		}
		if prev == "/MCID" {
			n, err := strconv.Atoi(tok)
			return n, err == nil
		}
		prev = tok
	}
}

// lexer splits a content stream into operands and operators. Strings, arrays and
// dictionaries come back whole, as one operand.
type lexer struct {
	b []byte
	i int
}

func (l *lexer) next() (tok string, isOp, ok bool) {
	b := l.b
	for l.i < len(b) && (isSpace(b[l.i]) || b[l.i] == '%') {
		if b[l.i] == '%' {
			for l.i < len(b) && b[l.i] != '\n' && b[l.i] != '\r' {
				l.i++
			}
			continue
		}
		l.i++
	}
	if l.i >= len(b) {
		return "", false, false
	}
	start := l.i
	end, err := l.skip(l.i)
	if err != nil {
		return "", false, false
	}
	l.i = end
	tok = string(b[start:end])
	c := b[start]
	isOp = !(c == '/' || c == '(' || c == '<' || c == '[' || c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || tok == "true" || tok == "false" || tok == "null")
	if isOp && tok == "BI" {
		// Inline image: skip to EI.
		for j := l.i; j+2 < len(b); j++ {
			if b[j] == 'E' && b[j+1] == 'I' && isSpace(b[j-1]) && (j+2 == len(b) || isSpace(b[j+2])) {
				l.i = j + 2
				return "EI", true, true
			}
		}
	}
	return tok, isOp, true
}

func (l *lexer) skip(i int) (int, error) {
	b := l.b
	switch c := b[i]; {
	case c == '(':
		depth := 0
		for ; i < len(b); i++ {
			switch b[i] {
			case '\\':
				i++
			case '(':
				depth++
			case ')':
				if depth--; depth == 0 {
					return i + 1, nil
				}
			}
		}
	case c == '<' && i+1 < len(b) && b[i+1] == '<', c == '[':
		open, close := "<<", ">>"
		if c == '[' {
			open, close = "[", "]"
		}
		i += len(open)
		for i < len(b) {
			for i < len(b) && isSpace(b[i]) {
				i++
			}
			if i < len(b) && string(b[i:min(i+len(close), len(b))]) == close {
				return i + len(close), nil
			}
			if i >= len(b) {
				break
			}
			end, err := l.skip(i)
			if err != nil {
				return 0, err
			}
			i = end
		}
	case c == '<':
		for ; i < len(b); i++ {
			if b[i] == '>' {
				return i + 1, nil
			}
		}
	case c == '/':
		i++
		for i < len(b) && !isSpace(b[i]) && !isDelim(b[i]) {
			i++
		}
		return i, nil
	case isDelim(c):
		return i + 1, nil
	default:
		for i < len(b) && !isSpace(b[i]) && !isDelim(b[i]) {
			i++
		}
		return i, nil
	}
	return 0, fmt.Errorf("unterminated object")
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == 0
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}
