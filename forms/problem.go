package forms

import (
	"fmt"
	"sort"
	"strings"
)

// Severity says whether a problem stops a form from being served.
type Severity string

const (
	// SeverityError marks a problem that stops the form from loading.
	SeverityError Severity = "error"
	// SeverityWarning marks a problem the author should fix but that does not stop the form.
	SeverityWarning Severity = "warning"
)

// Problem is one finding about a form's files, located by file, line, column and JSON pointer.
// Message is German, written for the form author.
type Problem struct {
	File     string   `json:"file"`
	Line     int      `json:"line,omitempty"`
	Column   int      `json:"column,omitempty"`
	Pointer  string   `json:"pointer"`
	Severity Severity `json:"severity"`
	Code     string   `json:"code"`
	Message  string   `json:"message"`
}

// String formats the problem as `file:line:col: /pointer: message`, the form editors and CI
// logs understand.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", p.Line, p.Column)
	}
	b.WriteString(": ")
	ptr := p.Pointer
	if ptr == "" {
		ptr = "/"
	}
	b.WriteString(ptr)
	b.WriteString(": ")
	if p.Severity == SeverityWarning {
		b.WriteString("Warnung: ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems is a list of problems; as an error it reports the errors among them.
type Problems []Problem

// Error joins the problems of severity error, one per line.
func (ps Problems) Error() string {
	var lines []string
	for _, p := range ps {
		if p.Severity == SeverityError {
			lines = append(lines, p.String())
		}
	}
	if len(lines) == 0 {
		return "keine Fehler"
	}
	return strings.Join(lines, "\n")
}

// HasErrors reports whether any problem is of severity error.
func (ps Problems) HasErrors() bool {
	for _, p := range ps {
		if p.Severity == SeverityError {
			return true
		}
	}
	return false
}

// Sort orders problems by file, line, column and pointer, so that output is stable.
func (ps Problems) Sort() {
	sort.SliceStable(ps, func(i, j int) bool {
		a, b := ps[i], ps[j]
		if a.File != b.File {
			return a.File < b.File
		}
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		if a.Column != b.Column {
			return a.Column < b.Column
		}
		return a.Pointer < b.Pointer
	})
}

// problemSink collects problems while a form is loaded and locates them in their files.
type problemSink struct {
	list  Problems
	index map[string]*jsonIndex // file name → positions
}

func (s *problemSink) add(sev Severity, file, pointer, code, format string, args ...any) {
	p := Problem{File: file, Pointer: pointer, Severity: sev, Code: code, Message: fmt.Sprintf(format, args...)}
	if ix := s.index[file]; ix != nil {
		p.Line, p.Column = ix.position(pointer)
	}
	s.list = append(s.list, p)
}

func (s *problemSink) errorf(file, pointer, code, format string, args ...any) {
	s.add(SeverityError, file, pointer, code, format, args...)
}

func (s *problemSink) warnf(file, pointer, code, format string, args ...any) {
	s.add(SeverityWarning, file, pointer, code, format, args...)
}
