// Package crashtest runs the real ozgform binary and proves what the design promises about
// submissions: a submission is acknowledged only once it is durable, and a crash at any moment
// loses nothing and duplicates nothing.
//
// It holds tests only:
//
//   - TestCrash builds cmd/ozgform, serves the examples on a SQLite file, lets 200 concurrent
//     clients fill in and submit the Hundesteuer form through the HTML pages (as a browser
//     without JavaScript does), kills the process with SIGKILL at random moments ten times,
//     restarting it each time, and then checks the database file against every success the
//     clients saw. It skips under -short.
//   - TestLoad (OZGFORM_LOAD=1) measures durable submissions per second and the time to the
//     success response at 100 concurrent clients against the real binary.
package crashtest
