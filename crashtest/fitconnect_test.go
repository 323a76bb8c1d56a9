package crashtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ozgform/ozgform/engine"
	"github.com/ozgform/ozgform/engine/fitconnect"
	"github.com/ozgform/ozgform/engine/fitconnect/fitconnecttest"
	"github.com/ozgform/ozgform/engine/sqlite"
)

// TestFITConnectCrash kills the real binary (SIGKILL, from a failpoint) at each step of a
// FIT-Connect delivery, right after FIT-Connect answered and before the answer is recorded:
// after creating the submission, after an upload, after the submit, after reading the
// acceptance. After the restart the delivery resumes, and exactly one FIT-Connect submission
// per ozgform submission reaches the authority, accepted; ozgform outbox list shows it.
func TestFITConnectCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("FIT-Connect crash test skipped with -short: it builds the binary and starts it eight times")
	}
	form := loadForm(t)
	raw := readSample(t)
	for i, fp := range []string{"after-create", "after-upload", "after-submit", "after-accept"} {
		t.Run(fp, func(t *testing.T) {
			fake := fitconnecttest.New(fitconnect.LeikaURNPrefix + form.Manifest.LeiKa)
			defer fake.Close()
			dir := t.TempDir()
			anchor := filepath.Join(dir, "anchor.pem")
			os.WriteFile(anchor, fake.CAPEM, 0o600)
			cfg := filepath.Join(dir, "ozgform.yaml")
			os.WriteFile(cfg, []byte(fmt.Sprintf(`destinations:
  - name: fit
    type: fitconnect
    forms: "*"
    submissionApi: %s
    tokenUrl: %s
    clientId: %s
    clientSecret: %s
    destinationId: %s
    trustAnchorFile: anchor.pem
    allowPrivate: true
    pollInterval: 1s
    timeout: 5s
delivery:
  lease: 5s
`, fake.URL, fake.TokenURL(), fake.ClientID, fake.ClientSecret, fake.DestinationID)), 0o600)
			db := filepath.Join(dir, "ozgform.db")
			srv := newServerProcess(t, db, "--config", cfg)
			srv.env = []string{fitconnect.FailpointEnv + "=" + fp}
			srv.start()

			ctx, cancel := waitContext(t, 90*time.Second)
			defer cancel()
			data, _, err := sampleData(raw, form, 700+i, 0)
			if err != nil {
				t.Fatal(err)
			}
			type result struct {
				ref string
				err error
			}
			res := make(chan result, 1)
			c := newClient(srv.baseURL(), fmt.Sprintf("203.0.113.%d", 200+i))
			go func() {
				ref, _, err := c.submitForm(ctx, data, func(int64) {})
				res <- result{ref, err}
			}()
			select {
			case <-srv.exited:
			case <-time.After(60 * time.Second):
				t.Fatalf("the failpoint %s was not reached within 60 s", fp)
			}
			srv.cmd = nil
			srv.env = nil
			srv.start()
			r := <-res
			if r.err != nil {
				t.Fatalf("submitting: %v", r.err)
			}

			// Wait until the outbox says delivered and the authority has accepted.
			deadline := time.Now().Add(60 * time.Second)
			var list string
			for {
				out, err := exec.CommandContext(ctx, srv.bin, "outbox", "list", "--database", db).CombinedOutput()
				list = string(out)
				if err == nil && strings.Contains(list, "zugestellt") && strings.Contains(list, "von der Behörde angenommen") {
					break
				}
				if time.Now().After(deadline) {
					t.Fatalf("not delivered within 60 s after the restart:\n%s", list)
				}
				time.Sleep(500 * time.Millisecond)
			}
			srv.stop()

			st, err := sqlite.Open(context.Background(), db, sqlite.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			sub, err := st.SubmissionByReference(context.Background(), r.ref)
			if err != nil {
				t.Fatal(err)
			}
			receiptID, _ := engine.ReceiptAttachmentID(sub.ID)
			var mine []fitconnecttest.Submission
			for _, s := range fake.Submitted() {
				if slices.Contains(s.Announced, receiptID) {
					mine = append(mine, s)
				}
			}
			if len(mine) != 1 || len(fake.Submitted()) != 1 {
				t.Fatalf("%d FIT-Connect submissions of %s reached the authority (%d in all), want exactly 1", len(mine), r.ref, len(fake.Submitted()))
			}
			if mine[0].Status != "accepted" || !strings.Contains(list, mine[0].ID) {
				t.Errorf("FIT-Connect submission %s is %s; outbox list:\n%s", mine[0].ID, mine[0].Status, list)
			}
			created := len(fake.Submissions())
			t.Logf("%s: %d FIT-Connect submission(s) created, 1 submitted and accepted", fp, created)
			if fp != "after-create" && created != 1 {
				t.Errorf("%d submissions created, want 1 (only a crash right after the creation leaves one behind)", created)
			}
		})
	}
}
