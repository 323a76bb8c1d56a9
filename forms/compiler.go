package forms

import (
	"regexp"
	"sync"
	"sync/atomic"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/ozgform/ozgform/forms/codelist"
)

// formsPerCompiler is how many forms a formCompiler compiles with one jsonschema compiler
// before it starts a new one: the compiler keeps every schema it compiled, so a long-lived one
// would keep every form of a catalog alive.
const formsPerCompiler = 32

// formCompiler compiles the schemas of forms one after another with one jsonschema compiler,
// so that the building blocks many forms refer to are read, meta-validated and compiled once,
// not once per form (about a fifth of compiling a catalog's schemas, issue 16). The forms then
// share the compiled blocks. That is right because nothing in a compiled block depends on the
// form: the blocks use no x-codelist (TestBlocksShareable), and the clock of x-minDate and
// x-maxDate is Options.Now, the same for every form of a formCompiler. The forms' own files
// are addressed below their own base URL; a base seen before (two folders with one id) gets a
// new compiler. Not safe for concurrent use: one per goroutine.
type formCompiler struct {
	now    func() time.Time
	c      *jsonschema.Compiler
	bases  map[string]bool       // form base URLs compiled with c
	blocks map[string]*jsonIndex // position indices of the blocks c has loaded
	forms  int
}

// compiler returns the jsonschema compiler for the form at base, whose files loader serves.
func (fc *formCompiler) compiler(loader *formLoader, lists *codelist.Set) *jsonschema.Compiler {
	if fc.c == nil || fc.bases[loader.base] || fc.forms >= formsPerCompiler {
		fc.c = newCompiler(loader, fc.now, lists)
		fc.bases = map[string]bool{}
		fc.blocks = map[string]*jsonIndex{}
		fc.forms = 0
	} else {
		fc.c.UseLoader(loader)
		fc.c.RegisterVocabulary(vocabulary(fc.now, lists))
	}
	fc.bases[loader.base] = true
	fc.forms++
	loader.blocks = fc.blocks
	return fc.c
}

// failed drops the compiler after a form that did not compile, so that nothing it left
// half-done reaches the next form.
func (fc *formCompiler) failed() { fc.c = nil }

// parsedBlock is a building block's document and position index, parsed once per process:
// the blocks are embedded and never change, and documents are only read.
type parsedBlock struct {
	doc any
	ix  *jsonIndex
}

var parsedBlocks sync.Map // file name → *parsedBlock

// parseBlock returns the parsed building block name; errors are not kept.
func parseBlock(name string) (*parsedBlock, error) {
	if b, ok := parsedBlocks.Load(name); ok {
		return b.(*parsedBlock), nil
	}
	data, err := readLimited(Blocks(), name)
	if err != nil {
		return nil, err
	}
	doc, ix, err := parseJSONIndexed(data, true)
	if err != nil {
		return nil, err
	}
	b, _ := parsedBlocks.LoadOrStore(name, &parsedBlock{doc: doc, ix: ix})
	return b.(*parsedBlock), nil
}

// sharedRegexps holds the regular expressions compiled so far, by their source: the forms of a
// portal repeat the same patterns (FIM data fields: Postleitzahl, Telefonnummer …), and
// jsonschema compiles every pattern twice per form, once to check the schema against its
// meta-schema and once for the schema itself (together about 6 % of the bytes allocated in
// checking the examples). A *regexp.Regexp is safe for concurrent use.
var sharedRegexps = sharedCache[string, *regexp.Regexp]{max: 8192}

// compileRegexp is the jsonschema.RegexpEngine of ozgform's compilers: regexp.Compile (RE2
// syntax, as jsonschema's default engine), compiled once per pattern.
func compileRegexp(s string) (jsonschema.Regexp, error) {
	re, err := sharedRegexps.get(s, func() (*regexp.Regexp, error) { return regexp.Compile(s) })
	if err != nil {
		return nil, err
	}
	return re, nil
}

// sharedCache is a map, safe for concurrent use, of immutable values made once per key and
// shared by every form that needs them. It is emptied when it grows beyond max entries, so
// that a long-running process that loads ever new catalogs does not grow without bound.
type sharedCache[K comparable, V any] struct {
	m   sync.Map // K → V
	n   atomic.Int64
	max int64
}

// get returns the value for key, made by make when there is none. Errors are not kept: they
// are reported again for every form that has them.
func (c *sharedCache[K, V]) get(key K, make func() (V, error)) (V, error) {
	if v, ok := c.m.Load(key); ok {
		return v.(V), nil
	}
	v, err := make()
	if err != nil {
		return v, err
	}
	if c.n.Add(1) > c.max {
		c.m.Clear()
		c.n.Store(1)
	}
	actual, _ := c.m.LoadOrStore(key, v)
	return actual.(V), nil
}
