package engine

import (
	"errors"
	"fmt"
)

// Kind classifies an error. The set is append-only: the server maps each kind to one HTTP
// status and one German message.
type Kind int

// Error kinds.
const (
	KindInternal    Kind = iota // a bug or an unexpected failure
	KindNotFound                // the thing asked for does not exist
	KindExpired                 // it existed but its time is over (draft, resume code)
	KindInvalid                 // the input is not acceptable
	KindConflict                // the request collides with the current state
	KindUnavailable             // a dependency (database, disk) is not available now; try again
)

// String names the kind for logs.
func (k Kind) String() string {
	switch k {
	case KindNotFound:
		return "not_found"
	case KindExpired:
		return "expired"
	case KindInvalid:
		return "invalid"
	case KindConflict:
		return "conflict"
	case KindUnavailable:
		return "unavailable"
	}
	return "internal"
}

// Error is the engine's error: a kind, the operation that failed, and the cause.
type Error struct {
	Kind Kind
	Op   string // e.g. "sqlite.Submit"
	Err  error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("%s: %s", e.Op, e.Kind)
	}
	return fmt.Sprintf("%s: %s: %v", e.Op, e.Kind, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// E builds an *Error.
func E(kind Kind, op string, err error) error { return &Error{Kind: kind, Op: op, Err: err} }

// KindOf returns the kind of the first *Error in err's chain, or KindInternal.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindInternal
}
