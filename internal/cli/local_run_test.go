package cli

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// stormFiles writes a world of images that stay Creating forever and event
// files asking to reconcile them: every image is deferred again and again
// (13 attempts by default), a busy run (100 images: 130 invocations, 1,300
// outcomes, ten hours of emulated time). The work queue's visibility timeout
// covers a batch's invocation, as the deployment's does.
func stormFiles(t *testing.T, images, perEvent int) (worldPath string, eventArgs []string) {
	t.Helper()
	dir := t.TempDir()
	var w strings.Builder
	w.WriteString("region: cn-hangzhou\nowner: \"1000000000000001\"\n")
	w.WriteString("credentials: {accessKeyId: LTAI5tLocalTestKey, accessKeySecret: local-test-secret}\n")
	w.WriteString("accounts: [\"2100000000000001\", \"2100000000000002\"]\nqueues: [{name: image-share-work, visibilityTimeout: 1h}, image-share-outcomes]\nimages:\n")
	for i := range images {
		fmt.Fprintf(&w, "  - {id: m-storm-%03d, status: Creating, tags: {env: staging}}\n", i)
	}
	worldPath = filepath.Join(dir, "world.yaml")
	if err := os.WriteFile(worldPath, []byte(w.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	for start := 0; start < images; start += perEvent {
		var ids []string
		for i := start; i < min(start+perEvent, images); i++ {
			ids = append(ids, fmt.Sprintf(`"m-storm-%03d"`, i))
		}
		p := filepath.Join(dir, fmt.Sprintf("storm-%03d.json", start))
		body := fmt.Sprintf(`{"action":"reconcile","regionId":"cn-hangzhou","imageIds":[%s],"correlationId":"storm-%d"}`, strings.Join(ids, ","), start)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		eventArgs = append(eventArgs, "--event", p)
	}
	return worldPath, eventArgs
}

// onFirstWrite calls f once, when the first byte is written.
type onFirstWrite struct {
	mu   sync.Mutex
	w    strings.Builder
	once sync.Once
	f    func()
}

func (o *onFirstWrite) Write(p []byte) (int, error) {
	o.once.Do(o.f)
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.w.Write(p)
}

var (
	stoppedAfter = regexp.MustCompile(`stopped after (\d+) invocations`)
	summaryFirst = regexp.MustCompile(`^\n\d+ invocations, \d+ outcomes`)
)

// TestLocalStreamsAndStopsOnCancel: the first outcome reaches stdout while
// the storm is still running (the context is cancelled on that first
// write, as Ctrl-C would), and the run then stops at the next delivery with
// exit 130, a clear message and the summary of what was done.
func TestLocalStreamsAndStopsOnCancel(t *testing.T) {
	worldPath, events := stormFiles(t, 40, 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stdout := &onFirstWrite{f: cancel}
	var stderr strings.Builder
	code := runLocal(ctx, append([]string{"--world", worldPath, "--policy", "../../testdata/demo/policy.yaml"}, events...), repoEnv(stdout, &stderr))
	if code != 130 {
		t.Fatalf("exit %d, want 130; stderr:\n%s", code, stderr.String())
	}
	m := stoppedAfter.FindStringSubmatch(stderr.String())
	if m == nil {
		t.Fatalf("no 'stopped after' message; stderr:\n%s", stderr.String())
	}
	// Uninterrupted, each of the 40 images takes 13 attempts: 4 event
	// invocations and 48 deliveries.
	if n, _ := strconv.Atoi(m[1]); n > 2 {
		t.Fatalf("stopped after %d invocations: the first outcome was not streamed as it was published", n)
	}
	if !strings.Contains(stderr.String(), "STATUS") || !strings.Contains(stdout.w.String(), `"status":"deferred"`) {
		t.Fatalf("no summary or no outcome so far:\nstdout %s\nstderr %s", stdout.w.String(), stderr.String())
	}
}

// TestLocalSummarySaysWhyAndFromWhere: the summary gives an InvalidRequest's
// reason, not only its code, and the event file of every outcome, also of a
// deferred request's later outcome delivered through the work queue.
func TestLocalSummarySaysWhyAndFromWhere(t *testing.T) {
	var stdout, stderr strings.Builder
	if code := Run(context.Background(), []string{"local"}, repoEnv(&stdout, &stderr)); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, stderr.String())
	}
	rows := map[string]string{}
	for _, line := range strings.Split(stderr.String(), "\n") {
		f := strings.Fields(line)
		if len(f) >= 7 {
			rows[f[1]+" "+f[2]+" "+f[3]] = line // action image trigger
		}
	}
	tests := []struct{ key, want string }{
		{"unknown - mns-queue", `error InvalidRequest: invalid request: unknown field "acounts" (did you mean "accounts"?)`},
		{"unknown - mns-queue", "05-eventbridge-mns-batch.json"},
		{"reconcile m-creating-002 actiontrail", "02-actiontrail-createimage-creating.json"},
		{"reconcile m-creating-002 mns-queue", "02-actiontrail-createimage-creating.json"},
		{"sweep - timer", "06-timer-sweep.json"},
	}
	for _, tt := range tests {
		if row, ok := rows[tt.key]; !ok || !strings.Contains(row, tt.want) {
			t.Errorf("summary row %q = %q, want it to contain %q", tt.key, row, tt.want)
		}
	}
}

// TestLocalProgressOnlyOnATerminal: with stderr a terminal (decided by the
// caller) local draws a bar there; without one stderr holds exactly the
// summary, as a script expects. The pty test of package progress shows the
// decision itself on a real terminal.
func TestLocalProgressOnlyOnATerminal(t *testing.T) {
	for _, terminal := range []bool{false, true} {
		var stdout, stderr strings.Builder
		env := repoEnv(&stdout, &stderr)
		env.StderrTerminal = terminal
		if code := Run(context.Background(), []string{"local"}, env); code != 0 {
			t.Fatalf("terminal=%v: exit %d", terminal, code)
		}
		drew := strings.Contains(stderr.String(), "\r")
		if drew != terminal {
			t.Errorf("terminal=%v: progress drawn=%v; stderr:\n%q", terminal, drew, stderr.String())
		}
		if !terminal && !summaryFirst.MatchString(stderr.String()) {
			t.Errorf("not a terminal: stderr starts %q, want the summary alone", stderr.String()[:min(40, len(stderr.String()))])
		}
	}
}

// TestLocalStopsOnSIGINT runs the compiled binary on a deferral storm, waits
// for its first outcome on stdout and sends SIGINT, as Ctrl-C does: it must
// exit by itself with 130 and its summary.
func TestLocalStopsOnSIGINT(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "ecs-image-share")
	build := exec.Command("go", "build", "-o", bin, "../..")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	worldPath, events := stormFiles(t, 100, 10)
	cmd := exec.Command(bin, append([]string{"local", "--world", worldPath, "--policy", "../../testdata/demo/policy.yaml"}, events...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	rd := bufio.NewReader(out)
	if _, err := rd.ReadString('\n'); err != nil {
		t.Fatalf("no first outcome: %v\n%s", err, stderr.String())
	}
	signalled := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	go func() { _, _ = io.Copy(io.Discard, rd) }()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case err = <-exited:
	case <-time.After(2 * time.Minute): // a hang guard, not a speed requirement
		_ = cmd.Process.Kill()
		t.Fatalf("still running two minutes after SIGINT; stderr:\n%s", stderr.String())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Fatalf("exit: %v, want status 130; stderr:\n%s", err, stderr.String())
	}
	m := stoppedAfter.FindStringSubmatch(stderr.String())
	if m == nil || !strings.Contains(stderr.String(), "STATUS") {
		t.Fatalf("no interruption message or summary; stderr:\n%s", stderr.String())
	}
	// 10 event files, then 12 more attempts of 10 batches: 130 to the end.
	n, _ := strconv.Atoi(m[1])
	if n >= 130 {
		t.Fatalf("stopped only after %d invocations", n)
	}
	t.Logf("stopped after %d of 130 invocations, %s after SIGINT", n, time.Since(signalled).Round(time.Millisecond))
}
