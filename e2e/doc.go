// Package e2e runs the real application in-process and drives it with headless Chromium,
// as a citizen would: the browser tests (go test ./e2e/), with axe-core and the Nu Html
// Checker, and the helpers that cmd/screenshots shares with them.
//
// The tests need Chromium (Debian package chromium, or the binary named by OZGFORM_CHROMIUM)
// and, for the accessibility and HTML checks, the npm packages of package.json
// (npm ci --ignore-scripts) and Java. Without them the tests are skipped with a message; with
// CI=true or OZGFORM_REQUIRE_BROWSER=1 they fail instead. With
// OZGFORM_E2E_SCREENSHOTS=folder they leave a PNG of every page they check.
package e2e
