// Command catalogbench measures how the service copes with a large catalog: it generates a
// catalog of N forms (copies of the example forms, and of any further form folders given with
// -extra, each under its own id), builds the real ozgform binary, starts "ozgform serve" on it
// twice (the first start checks every form, the second finds them in its check cache) and
// reports the time until /readyz answers with the process's CPU time until then, the durations
// serve logs for loading the forms and for storing their versions, the resident memory (RSS,
// and its peak), and the time and CPU time of "ozgform check" on the same catalog.
//
//	go run ./cmd/catalogbench -n 3,100,1000,5000
//
// Copies share every file but form.json, as the forms of many municipalities for one service
// do; with -distinct every JSON and text file of every copy gets its own trailing whitespace,
// so that only code lists are shared by content, as in a catalog of different forms.
//
// The figures depend on the machine and on what else runs on it; compare runs of one session.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

func main() {
	sizes := flag.String("n", "3,100,1000,5000", "comma-separated catalog sizes")
	examples := flag.String("examples", "examples", "folder of the example forms to copy")
	extra := flag.String("extra", "", "further folder of form folders (e.g. FIM imports) to copy in turn with the examples")
	keep := flag.Bool("keep", false, "keep the generated catalogs (their folder is printed)")
	check := flag.Bool("check", true, "also time \"ozgform check\" on each catalog")
	distinct := flag.Bool("distinct", false, "make every file of every copy distinct (trailing whitespace): nothing is shared by content")
	flag.Parse()
	if err := run(*sizes, *examples, *extra, *keep, *check, *distinct); err != nil {
		fmt.Fprintln(os.Stderr, "catalogbench:", err)
		os.Exit(1)
	}
}

func run(sizes, examples, extra string, keep, check, distinct bool) error {
	work, err := os.MkdirTemp("", "catalogbench-")
	if err != nil {
		return err
	}
	if !keep {
		defer os.RemoveAll(work)
	} else {
		fmt.Println("catalogs in", work)
	}
	bin := filepath.Join(work, "ozgform")
	build := exec.Command("go", "build", "-o", bin, "./cmd/ozgform")
	build.Stdout, build.Stderr = os.Stdout, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	sources, err := formSources(examples)
	if err != nil {
		return err
	}
	if extra != "" {
		more, err := formSources(extra)
		if err != nil {
			return err
		}
		sources = append(sources, more...)
	}
	if len(sources) == 0 {
		return errors.New("no form folders to copy")
	}
	fmt.Printf("%-6s %10s %8s %8s %8s %9s %9s %12s %8s %9s %9s %8s\n", "forms", "1st start", "CPU", "loading", "storing", "RSS", "peak RSS",
		"again start", "CPU", "RSS", "check", "CPU")
	for _, s := range strings.Split(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 {
			return fmt.Errorf("bad size %q", s)
		}
		dir := filepath.Join(work, "catalog-"+strconv.Itoa(n))
		if err := generate(dir, sources, n, distinct); err != nil {
			return err
		}
		// The first start checks every form; the second finds them in the check cache.
		db := filepath.Join(work, "db-"+strconv.Itoa(n)+".db")
		first, err := serve(bin, dir, db)
		if err != nil {
			return fmt.Errorf("%d forms: %w", n, err)
		}
		again, err := serve(bin, dir, db)
		if err != nil {
			return fmt.Errorf("%d forms, second start: %w", n, err)
		}
		checkTime, checkCPU := "-", "-"
		if check {
			t0 := time.Now()
			cmd := exec.Command(bin, "check", dir)
			out, err := cmd.CombinedOutput()
			if err != nil {
				return fmt.Errorf("%d forms: check: %v\n%s", n, err, tail(out))
			}
			checkTime = time.Since(t0).Round(time.Millisecond).String()
			checkCPU = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Round(10 * time.Millisecond).String()
		}
		fmt.Printf("%-6d %10s %8s %8s %8s %8.1fM %8.1fM %12s %8s %8.1fM %9s %8s\n", n, first.ready.Round(time.Millisecond),
			first.cpu.Round(10*time.Millisecond), first.loading, first.storing, first.rss/1024, first.peak/1024,
			again.ready.Round(time.Millisecond), again.cpu.Round(10*time.Millisecond), again.rss/1024, checkTime, checkCPU)
	}
	return nil
}

// source is a form folder to copy: its files by relative path and its decoded form.json.
type source struct {
	name     string
	files    map[string][]byte
	manifest map[string]any
}

func formSources(root string) ([]source, error) {
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, err
	}
	var out []source
	for _, e := range entries {
		dir := filepath.Join(root, e.Name())
		raw, err := os.ReadFile(filepath.Join(dir, "form.json"))
		if err != nil {
			continue
		}
		src := source{name: e.Name(), files: map[string][]byte{}}
		if err := json.Unmarshal(raw, &src.manifest); err != nil {
			return nil, fmt.Errorf("%s: %w", dir, err)
		}
		err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(dir, p)
			if d.IsDir() {
				if rel == "samples" || rel == "testdata" {
					return filepath.SkipDir
				}
				return nil
			}
			data, err := os.ReadFile(p)
			src.files[rel] = data
			return err
		})
		if err != nil {
			return nil, err
		}
		out = append(out, src)
	}
	return out, nil
}

// generate writes n forms into dir: copy i of source i%len(sources), with id "<id>-<i>" and
// the municipality's number in the title.
func generate(dir string, sources []source, n int, distinct bool) error {
	for i := range n {
		src := sources[i%len(sources)]
		id := fmt.Sprintf("%s-%d", src.manifest["id"], i)
		if len(id) > 63 {
			id = id[len(id)-63:]
		}
		m := map[string]any{}
		for k, v := range src.manifest {
			m[k] = v
		}
		m["id"] = id
		m["title"] = fmt.Sprintf("%s (Gemeinde %d)", src.manifest["title"], i)
		folder := filepath.Join(dir, id)
		for rel, data := range src.files {
			if rel == "form.json" {
				var err error
				if data, err = json.MarshalIndent(m, "", "  "); err != nil {
					return err
				}
			} else if distinct {
				data = distinctCopy(rel, data, i)
			}
			p := filepath.Join(folder, rel)
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(p, data, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// distinctCopy makes the bytes of a JSON or text file of copy i differ from every other
// copy's without changing what they mean: whitespace after the last value, the copy's number
// written in binary as spaces and tabs. Code lists (codelists/*.xml) stay shared: forms take
// them unchanged from the XRepository.
func distinctCopy(rel string, data []byte, i int) []byte {
	switch strings.ToLower(filepath.Ext(rel)) {
	case ".json", ".md", ".txt":
	default:
		return data
	}
	out := append(append([]byte(nil), data...), '\n')
	for _, bit := range strconv.FormatInt(int64(i), 2) {
		if bit == '1' {
			out = append(out, '\t')
		} else {
			out = append(out, ' ')
		}
	}
	return append(out, '\n')
}

// start is what serve measured of one start.
type start struct {
	ready            time.Duration // until /readyz answered
	cpu              time.Duration // user and system CPU time of the process until then
	loading, storing string        // the durations serve logged for loading the forms and storing their versions
	rss, peak        float64       // resident memory after serving the index and a form, and its peak (kB)
}

// serve starts the binary on the catalog, waits for /readyz, and measures the start.
func serve(bin, dir, db string) (start, error) {
	var st start
	addr, err := freeAddr()
	if err != nil {
		return st, err
	}
	cmd := exec.Command(bin, "serve", "--forms", dir, "--database", db, "--addr", addr)
	var logs strings.Builder
	cmd.Stdout, cmd.Stderr = &logs, &logs
	t0 := time.Now()
	if err := cmd.Start(); err != nil {
		return st, err
	}
	defer func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { _ = cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
		}
	}()
	client := &http.Client{Timeout: time.Second}
	for {
		if time.Since(t0) > 5*time.Minute {
			return st, errors.New("not ready after 5 minutes")
		}
		if cmd.ProcessState != nil {
			return st, fmt.Errorf("serve exited:\n%s", tail([]byte(logs.String())))
		}
		resp, err := client.Get("http://" + addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				break
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	st.ready = time.Since(t0)
	if st.cpu, err = cpuTime(cmd.Process.Pid); err != nil {
		return st, err
	}
	st.loading = loggedDuration(logs.String(), "forms loaded and checked")
	st.storing = loggedDuration(logs.String(), "form versions stored")
	// One form page and the index, so that the figures are of a service that serves.
	for _, p := range []string{"/", "/formulare/" + firstForm(dir)} {
		resp, err := client.Get("http://" + addr + p)
		if err != nil {
			return st, err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return st, fmt.Errorf("GET %s: %s", p, resp.Status)
		}
	}
	st.rss, st.peak, err = memory(cmd.Process.Pid)
	return st, err
}

// loggedDuration returns the duration= of the first log line with msg, or "-".
func loggedDuration(logs, msg string) string {
	for _, line := range strings.Split(logs, "\n") {
		if !strings.Contains(line, `msg="`+msg+`"`) {
			continue
		}
		for _, field := range strings.Fields(line) {
			if d, ok := strings.CutPrefix(field, "duration="); ok {
				return d
			}
		}
	}
	return "-"
}

// cpuTime reads the user and system CPU time of a process from /proc/<pid>/stat (Linux). CPU
// time, unlike the time to ready, hardly depends on what else runs on the machine.
func cpuTime(pid int) (time.Duration, error) {
	raw, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The fields after the command name (in parentheses, which may contain spaces): state is
	// field 3, utime and stime are fields 14 and 15, in clock ticks of 1/100 s.
	_, rest, ok := strings.Cut(string(raw), ") ")
	fields := strings.Fields(rest)
	if !ok || len(fields) < 13 {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	utime, err1 := strconv.ParseInt(fields[11], 10, 64)
	stime, err2 := strconv.ParseInt(fields[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc/%d/stat: unexpected format", pid)
	}
	return time.Duration(utime+stime) * 10 * time.Millisecond, nil
}

func firstForm(dir string) string {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		return e.Name()
	}
	return ""
}

// memory reads VmRSS and VmHWM of a process from /proc (Linux), in kB.
func memory(pid int) (rss, peak float64, err error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 2 {
			continue
		}
		v, _ := strconv.ParseFloat(fields[1], 64)
		switch fields[0] {
		case "VmRSS:":
			rss = v
		case "VmHWM:":
			peak = v
		}
	}
	return rss, peak, sc.Err()
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

func tail(b []byte) string {
	const max = 2000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}
