package forms

import (
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// englishPrinter formats the library's own (English) texts where no German one exists.
var englishPrinter = message.NewPrinter(language.English)

// Aliases of the jsonschema error kinds used in meta-schema messages.
type (
	kindType    = kind.Type
	kindEnum    = kind.Enum
	kindMinimum = kind.Minimum
	kindFormat  = kind.Format
)
