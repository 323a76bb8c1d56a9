package pdfcheck

import (
	"bytes"
	"encoding/xml"
	"strconv"
	"strings"
	"time"
)

const (
	nsDC      = "http://purl.org/dc/elements/1.1/"
	nsXMP     = "http://ns.adobe.com/xap/1.0/"
	nsPDF     = "http://ns.adobe.com/pdf/1.3/"
	nsPDFAID  = "http://www.aiim.org/pdfa/ns/id/"
	nsPDFUAID = "http://www.aiim.org/pdfua/ns/id/"
	nsSchema  = "http://www.aiim.org/pdfa/ns/schema#"
)

// xmpProperties returns the text of the XMP properties (elements and attributes), keyed by
// namespace and local name; a property with several values (rdf:li) gets them joined by
// "\n".
func xmpProperties(data []byte) (map[xml.Name]string, error) {
	props := map[xml.Name]string{}
	d := xml.NewDecoder(bytes.NewReader(data))
	var stack []xml.Name
	var text []*strings.Builder
	for {
		tok, err := d.Token()
		if err != nil {
			if err.Error() == "EOF" {
				return props, nil
			}
			return props, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			stack = append(stack, t.Name)
			text = append(text, &strings.Builder{})
			for _, a := range t.Attr {
				if a.Name.Space != "" && a.Name.Space != "xmlns" && a.Name.Space != "http://www.w3.org/1999/02/22-rdf-syntax-ns#" {
					props[a.Name] = a.Value
				}
			}
		case xml.CharData:
			for i := range text {
				text[i].Write(t)
			}
		case xml.EndElement:
			n := len(stack) - 1
			if n < 0 {
				continue
			}
			if s := strings.TrimSpace(text[n].String()); s != "" {
				if _, ok := props[stack[n]]; !ok {
					props[stack[n]] = s
				}
			}
			stack, text = stack[:n], text[:n]
		}
	}
}

func (c *checker) checkMetadata(cat, info map[string]any) {
	data, sd := c.streamData(cat["/Metadata"])
	if data == nil {
		c.fail("UA 06-001", "no metadata stream in the catalog")
		c.fail("A 6.6.4", "no metadata stream in the catalog")
		return
	}
	if sd["/Filter"] != nil {
		c.fail("A 6.6.2.1", "the metadata stream is filtered (%v)", sd["/Filter"])
	}
	props, err := xmpProperties(data)
	if err != nil {
		c.fail("UA 06-001", "the metadata is not XML: %v", err)
		return
	}
	get := func(ns, local string) string { return props[xml.Name{Space: ns, Local: local}] }
	if get(nsPDFUAID, "part") != "1" {
		c.fail("UA 06-002", "pdfuaid:part is %q", get(nsPDFUAID, "part"))
	}
	if get(nsDC, "title") == "" {
		c.fail("UA 06-003", "no dc:title")
	}
	if get(nsPDFAID, "part") != "3" || !strings.Contains("ABU", get(nsPDFAID, "conformance")) || get(nsPDFAID, "conformance") == "" {
		c.fail("A 6.6.4", "pdfaid:part %q, pdfaid:conformance %q", get(nsPDFAID, "part"), get(nsPDFAID, "conformance"))
	}
	if get(nsPDFUAID, "part") != "" && !bytes.Contains(data, []byte(nsPDFUAID)) || !strings.Contains(get(nsSchema, "namespaceURI"), nsPDFUAID) {
		c.fail("A 6.6.2.3.1", "pdfuaid is used without an extension schema that declares it")
	}
	for _, e := range []struct{ key, ns, local string }{
		{"/Title", nsDC, "title"}, {"/Author", nsDC, "creator"}, {"/Subject", nsDC, "description"},
		{"/Keywords", nsPDF, "Keywords"}, {"/Creator", nsXMP, "CreatorTool"}, {"/Producer", nsPDF, "Producer"},
	} {
		if v := str(c.resolve(info[e.key])); v != "" && v != get(e.ns, e.local) {
			c.fail("A 6.6.2.3", "Info %s %q, XMP %s %q", e.key, v, e.local, get(e.ns, e.local))
		}
	}
	for _, e := range []struct{ key, local string }{{"/CreationDate", "CreateDate"}, {"/ModDate", "ModifyDate"}} {
		v := str(c.resolve(info[e.key]))
		if v == "" {
			continue
		}
		a, okA := pdfDate(v)
		b, errB := time.Parse(time.RFC3339, get(nsXMP, e.local))
		if !okA || errB != nil || !a.Equal(b) {
			c.fail("A 6.6.2.3", "Info %s %q, XMP %s %q", e.key, v, e.local, get(nsXMP, e.local))
		}
	}
}

// pdfDate parses a PDF date with a time zone: D:YYYYMMDDHHmmSS followed by Z or ±HH'mm'.
func pdfDate(s string) (time.Time, bool) {
	s = strings.TrimPrefix(s, "D:")
	if len(s) < 15 {
		return time.Time{}, false // no time zone: not comparable
	}
	t, err := time.Parse("20060102150405", s[:14])
	if err != nil {
		return time.Time{}, false
	}
	zone := strings.ReplaceAll(s[14:], "'", "")
	if zone == "Z" {
		return t, true
	}
	if len(zone) != 5 || zone[0] != '+' && zone[0] != '-' {
		return time.Time{}, false
	}
	h, err1 := strconv.Atoi(zone[1:3])
	m, err2 := strconv.Atoi(zone[3:5])
	if err1 != nil || err2 != nil {
		return time.Time{}, false
	}
	off := time.Duration(h)*time.Hour + time.Duration(m)*time.Minute
	if zone[0] == '-' {
		off = -off
	}
	return t.Add(-off), true
}

func (c *checker) checkEmbeddedFiles(cat map[string]any) {
	af := map[string]bool{}
	for _, r := range c.array(cat["/AF"]) {
		if s, ok := r.(string); ok {
			af[s] = true
		}
	}
	names := c.array(c.dict(c.dict(cat["/Names"])["/EmbeddedFiles"])["/Names"])
	for i := 1; i < len(names); i += 2 {
		key, _ := names[i].(string)
		spec := c.dict(names[i])
		if spec["/F"] == nil || spec["/UF"] == nil {
			c.fail("UA 21-001", "file specification %s lacks /F or /UF", key)
		}
		if spec["/AFRelationship"] == nil {
			c.fail("A 6.8", "file specification %s has no /AFRelationship", key)
		}
		if !af[key] {
			c.fail("A 6.8", "file specification %s is not in the catalog's /AF", key)
		}
		_, sd := c.streamData(c.dict(spec["/EF"])["/F"])
		if sd == nil {
			c.fail("A 6.8", "file specification %s has no embedded file stream", key)
		} else if s, _ := sd["/Subtype"].(string); len(s) < 4 || !strings.Contains(strings.ToLower(s[1:]), "#2f") && !strings.Contains(s[1:], "/") {
			c.fail("A 6.8", "embedded file %s has no MIME type (/Subtype %v)", key, sd["/Subtype"])
		}
	}
}
