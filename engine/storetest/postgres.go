package storetest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
)

// PostgresURL returns the URL of the test database from OZGFORM_TEST_POSTGRES. Without it the
// test is skipped, except in CI (CI=true), where a skipped PostgreSQL test would hide that
// PostgreSQL was never tested.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	u := os.Getenv("OZGFORM_TEST_POSTGRES")
	if u == "" {
		if os.Getenv("CI") == "true" {
			tb.Fatal("OZGFORM_TEST_POSTGRES is empty in CI: .ci/run must start PostgreSQL (eval \"$(bash .ci/postgres.sh start)\")")
		}
		tb.Skip("PostgreSQL tests skipped: set OZGFORM_TEST_POSTGRES=postgres://…")
	}
	return u
}

// PostgresSchema creates an empty schema of its own in the test database (named prefix and a
// random suffix), drops it when the test ends, and returns a URL whose connections work in it.
func PostgresSchema(tb testing.TB, prefix string) string {
	tb.Helper()
	base := PostgresURL(tb)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatal(err)
	}
	var b [6]byte
	rand.Read(b[:])
	schema := prefix + "_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		admin.Close()
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			tb.Errorf("drop schema %s: %v", schema, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
