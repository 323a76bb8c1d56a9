package sqlite

import (
	"database/sql"
	"fmt"
	"time"
)

// timeLayout is RFC 3339 with always nine fractional digits and always "Z": fixed width, so
// that stored times sort and compare correctly as text.
const timeLayout = "2006-01-02T15:04:05.000000000Z07:00"

func formatTime(t time.Time) string { return t.UTC().Format(timeLayout) }

func parseTime(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("stored time %q: %w", s, err)
	}
	return t.UTC(), nil
}

// textTimes reads time columns stored by formatTime, for sqlstore.Scan; NULL is the zero
// time.
type textTimes struct{}

func (textTimes) TimeDest() any { return new(sql.NullString) }

func (textTimes) Time(dest any) (time.Time, error) {
	s := dest.(*sql.NullString)
	if !s.Valid {
		return time.Time{}, nil
	}
	return parseTime(s.String)
}
