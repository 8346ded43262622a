package progress

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// TestIsTerminal decides on real files: a pseudo-terminal's slave end is a
// terminal; a pipe and a regular file are not.
func TestIsTerminal(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal on this machine: %v", err)
	}
	defer ptmx.Close()
	defer tty.Close()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	f, err := os.Create(filepath.Join(t.TempDir(), "out"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for _, tt := range []struct {
		name string
		f    *os.File
		want bool
	}{{"pty", tty, true}, {"pipe", w, false}, {"file", f, false}, {"nil", nil, false}} {
		if got := IsTerminal(tt.f); got != tt.want {
			t.Errorf("IsTerminal(%s) = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestBarOnAPseudoTerminal draws a bar on a pty and reads what a person
// would see from its master end.
func TestBarOnAPseudoTerminal(t *testing.T) {
	ptmx, tty, err := pty.Open()
	if err != nil {
		t.Skipf("no pseudo-terminal on this machine: %v", err)
	}
	defer ptmx.Close()
	var (
		mu   sync.Mutex
		seen bytes.Buffer
		done = make(chan struct{})
	)
	go func() {
		defer close(done)
		buf := make([]byte, 4096)
		for {
			n, err := ptmx.Read(buf)
			mu.Lock()
			seen.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	b := New(tty, IsTerminal(tty), 4, "images")
	for range 4 {
		b.Add(1)
		time.Sleep(120 * time.Millisecond) // past the redraw throttle, so each step is drawn
	}
	if err := b.Print(tty, "a line of output\n"); err != nil {
		t.Fatal(err)
	}
	b.Finish()
	// Wait until the reader has what was written (the pty buffers it), then
	// close the terminal end so that the reader stops.
	deadline := time.Now().Add(30 * time.Second) // a hang guard only
	for {
		mu.Lock()
		s := seen.String()
		mu.Unlock()
		if strings.Contains(s, "a line of output") || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	tty.Close()
	<-done
	out := seen.String()
	for _, want := range []string{"images", "1/4", "3/4", "a line of output", "\r"} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal shows %q, want it to contain %q", out, want)
		}
	}
}

// TestNoTerminalWritesNothing: every method of a bar without a terminal
// writes nothing but the caller's own lines.
func TestNoTerminalWritesNothing(t *testing.T) {
	var w bytes.Buffer
	b := New(&w, false, 10, "images")
	b.Add(3)
	b.AddMax(5)
	b.Describe("other")
	if err := b.Print(&w, "line\n"); err != nil {
		t.Fatal(err)
	}
	b.Finish()
	if w.String() != "line\n" {
		t.Fatalf("wrote %q, want only the caller's line", w.String())
	}
	var nilBar *Bar
	nilBar.Add(1)
	nilBar.Finish()
	if err := nilBar.Print(io.Discard, "x"); err != nil {
		t.Fatal(err)
	}
}
