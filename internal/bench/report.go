package bench

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// Row is one figure beside its reference.
type Row struct {
	Figure    string // what was measured
	Measured  string // the figure
	Reference string // what it is compared with
	Ratio     string // measured ÷ reference, or "" where a ratio means nothing
	Target    string // the target, if the issue sets one
	Note      string // how to read it
}

// Section is a group of rows from one measurement.
type Section struct {
	Title string
	Rows  []Row
}

// Report is everything one run of the harness measured.
type Report struct {
	Command  string
	Machine  Machine
	Started  time.Time
	Elapsed  time.Duration
	Sections []Section
	// Violations are the soak's failed safety invariants: any makes the
	// command exit non-zero. Missed performance targets are not here.
	Violations []string
	// Errors are measurements that could not run.
	Errors []string
	// Figures are the results the charts draw (WriteCharts).
	Figures Figures
}

// Markdown writes the report as one table per section, then the verdict.
func (r *Report) Markdown(w io.Writer) {
	fmt.Fprintf(w, "Command: `%s`  \n", r.Command)
	m := r.Machine
	fmt.Fprintf(w, "Machine: %d CPUs (nproc), %s, %s %s/%s; started %s, took %s\n\n",
		m.CPUs, orDash(m.CPUModel), m.GoVersion, m.OS, m.Arch, r.Started.UTC().Format(time.RFC3339), r.Elapsed.Round(time.Second))
	fmt.Fprintln(w, "| figure | measured | reference | ratio | target | note |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|")
	for _, s := range r.Sections {
		fmt.Fprintf(w, "| **%s** | | | | | |\n", cell(s.Title))
		for _, row := range s.Rows {
			fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s |\n",
				cell(row.Figure), cell(row.Measured), cell(row.Reference), cell(row.Ratio), cell(row.Target), cell(row.Note))
		}
	}
	fmt.Fprintln(w)
	for _, e := range r.Errors {
		fmt.Fprintf(w, "- measurement error: %s\n", e)
	}
	if len(r.Violations) == 0 {
		fmt.Fprintln(w, "Soak invariants: all held.")
		return
	}
	fmt.Fprintf(w, "Soak invariants: %d FAILED:\n", len(r.Violations))
	for _, v := range r.Violations {
		fmt.Fprintf(w, "- %s\n", v)
	}
}

// cell makes text safe inside a markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// ratio formats a/b with two decimals, or "-" when b is zero.
func ratio(a, b float64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", a/b)
}

// ms formats a duration in milliseconds.
func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}

// mib formats bytes in MiB.
func mib(b int64) string {
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}
