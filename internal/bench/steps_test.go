package bench

import (
	"strings"
	"testing"
)

// TestStepsProgress: without a terminal the steps are plain lines, exactly
// as before; with one a bar is drawn besides them.
func TestStepsProgress(t *testing.T) {
	for _, terminal := range []bool{false, true} {
		var w strings.Builder
		s := newSteps(&w, terminal, 2)
		s.start("efficiency")()
		s.start("latency")()
		s.finish()
		out := w.String()
		for _, want := range []string{"== efficiency ...\n", "   efficiency took ", "== latency ...\n"} {
			if !strings.Contains(out, want) {
				t.Errorf("terminal=%v: %q lacks %q", terminal, out, want)
			}
		}
		if drew := strings.Contains(out, "\r"); drew != terminal {
			t.Errorf("terminal=%v: bar drawn=%v: %q", terminal, drew, out)
		}
	}
}
