package taggedpdf

import (
	"bytes"
	"encoding/xml"
	"time"
)

// xmp writes the XMP metadata packet: the Dublin Core, XMP basic and PDF properties that
// mirror the document information dictionary (PDF/A wants them equal), the PDF/A-3b and
// PDF/UA-1 identification, and the extension schema that declares pdfuaid to PDF/A
// validators (pdfuaid is not one of PDF/A's predefined schemas).
func xmp(info Info) []byte {
	var b bytes.Buffer
	esc := func(s string) string {
		var e bytes.Buffer
		_ = xml.EscapeText(&e, []byte(s))
		return e.String()
	}
	date := info.Date.Format(time.RFC3339)
	b.WriteString("<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n")
	b.WriteString(`<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about=""
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:xmp="http://ns.adobe.com/xap/1.0/"
 xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
 xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/"
 xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"
 xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
 xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#"
 xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<dc:format>application/pdf</dc:format>
`)
	b.WriteString(`<dc:title><rdf:Alt><rdf:li xml:lang="x-default">` + esc(info.Title) + "</rdf:li></rdf:Alt></dc:title>\n")
	if info.Author != "" {
		b.WriteString("<dc:creator><rdf:Seq><rdf:li>" + esc(info.Author) + "</rdf:li></rdf:Seq></dc:creator>\n")
	}
	if info.Subject != "" {
		b.WriteString(`<dc:description><rdf:Alt><rdf:li xml:lang="x-default">` + esc(info.Subject) + "</rdf:li></rdf:Alt></dc:description>\n")
	}
	b.WriteString("<dc:language><rdf:Bag><rdf:li>" + esc(info.Lang) + "</rdf:li></rdf:Bag></dc:language>\n")
	b.WriteString("<xmp:CreateDate>" + date + "</xmp:CreateDate>\n<xmp:ModifyDate>" + date + "</xmp:ModifyDate>\n<xmp:MetadataDate>" + date + "</xmp:MetadataDate>\n")
	if info.Creator != "" {
		b.WriteString("<xmp:CreatorTool>" + esc(info.Creator) + "</xmp:CreatorTool>\n")
	}
	if info.Producer != "" {
		b.WriteString("<pdf:Producer>" + esc(info.Producer) + "</pdf:Producer>\n")
	}
	if info.Keywords != "" {
		b.WriteString("<pdf:Keywords>" + esc(info.Keywords) + "</pdf:Keywords>\n")
	}
	b.WriteString(`<pdfaid:part>3</pdfaid:part>
<pdfaid:conformance>B</pdfaid:conformance>
<pdfuaid:part>1</pdfuaid:part>
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaProperty:name>part</pdfaProperty:name>
<pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>Part of ISO 14289 the document conforms to</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="w"?>`)
	return b.Bytes()
}
