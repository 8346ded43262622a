// Package progress shows how far a long run has got, as a bar on stderr when
// stderr is a terminal, and writes nothing at all otherwise, so that scripts,
// pipes, CI logs and JSON-lines output stay exactly as they were.
//
// The bar is github.com/schollz/progressbar/v3; this package only makes the
// terminal decision in one place and serialises the bar's use, since the
// callers add to it from several goroutines and also print lines of their
// own to the same terminal.
package progress

import (
	"io"
	"os"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"
)

// IsTerminal reports whether f is a terminal: the one decision of whether
// progress is shown.
func IsTerminal(f *os.File) bool {
	return f != nil && term.IsTerminal(int(f.Fd()))
}

// Bar is a progress bar, or nothing when its output is not a terminal. The
// zero value and a nil *Bar are valid and show nothing. Safe for concurrent use.
type Bar struct {
	mu sync.Mutex
	pb *progressbar.ProgressBar
}

// New returns a bar counting to max (a spinner when max < 0, the total being
// unknown) with the description, drawn on w when terminal is true; when it
// is false the bar writes nothing. terminal is IsTerminal of the file behind
// w, decided by the caller, since w is often a wrapper (a scrubber) of it.
func New(w io.Writer, terminal bool, max int, description string) *Bar {
	if !terminal {
		return &Bar{}
	}
	return &Bar{pb: progressbar.NewOptions(max,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription(description),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowCount(),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSetPredictTime(max > 0),
		// Redrawn at most ten times a second: a run of thousands of events
		// must not spend its time on the terminal.
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSpinnerType(14),
	)}
}

// Add counts n more steps done.
func (b *Bar) Add(n int) {
	b.do(func(pb *progressbar.ProgressBar) { _ = pb.Add(n) })
}

// AddMax raises the total by n (work discovered on the way, such as a
// deferred request queued again).
func (b *Bar) AddMax(n int) {
	b.do(func(pb *progressbar.ProgressBar) { pb.AddMax(n) })
}

// Describe changes the text before the bar.
func (b *Bar) Describe(description string) {
	b.do(func(pb *progressbar.ProgressBar) { pb.Describe(description) })
}

// Print writes line to w with the bar out of the way: the bar is cleared
// first and drawn again on the next Add. Without a terminal it only writes.
func (b *Bar) Print(w io.Writer, line string) error {
	var err error
	if b == nil || b.pb == nil {
		_, err = io.WriteString(w, line)
		return err
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	_ = b.pb.Clear()
	_, err = io.WriteString(w, line)
	return err
}

// Finish removes the bar from the terminal; the caller's own summary
// follows on a clean line.
func (b *Bar) Finish() {
	b.do(func(pb *progressbar.ProgressBar) { _ = pb.Finish() })
}

func (b *Bar) do(f func(*progressbar.ProgressBar)) {
	if b == nil || b.pb == nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	f(b.pb)
}
