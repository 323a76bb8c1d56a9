// Package e2e runs the real application in-process and drives it with headless Chromium,
// as a citizen would: the browser tests (go test ./e2e/), with axe-core and the Nu Html
// Checker, and the helpers that cmd/screenshots shares with them.
//
// The tests need Chromium (Debian package chromium) and, for the accessibility and HTML
// checks, the npm packages in package.json (npm ci) and Java. Without them the tests are
// skipped with a message; with CI=true or OZGFORM_REQUIRE_BROWSER=1 they fail instead.
package e2e
