package policy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/imageshare/ecs-image-share/outcome"
)

// A Problem is one thing wrong with (or, as a warning, worth a second look in)
// a policy file, located precisely enough for an editor to jump to it.
type Problem struct {
	File   string // as given to Parse or Load
	Line   int    // 1-based; 0 when the YAML parser could not say
	Column int    // 1-based; 0 when unknown
	Path   string // where in the policy, e.g. rules[2].shareWith[0]; "" for the whole file
	// Message says what is wrong and, where it can, how to fix it. Problems
	// with account ids start with "InvalidAccountId: ".
	Message string
}

// String renders the problem as file:line:col: path: message, the form
// compilers use, leaving out the parts that are unknown.
func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
		if p.Column > 0 {
			fmt.Fprintf(&b, ":%d", p.Column)
		}
	}
	b.WriteString(": ")
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// ValidationError reports every problem found in a policy, in file order.
// Parse and Load return it (as a *ValidationError) whenever a policy is
// rejected, so callers can list all problems at once instead of fixing them one
// run at a time.
type ValidationError struct {
	Problems []Problem // never empty
}

// Error renders one problem per line.
func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// OutcomeError converts e to the product's typed error, with code
// InvalidPolicy and every problem in the message (separated by "; " so that it
// stays one line in logs). The *ValidationError stays reachable with errors.As.
func (e *ValidationError) OutcomeError() *outcome.Error {
	msgs := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		msgs[i] = p.String()
	}
	return &outcome.Error{
		Code:    outcome.InvalidPolicy,
		Message: fmt.Sprintf("%d problem(s) in policy: %s", len(e.Problems), strings.Join(msgs, "; ")),
		Err:     e,
	}
}

// sortProblems puts problems in file order. Problems are found in several
// passes (structure first, then cross-references), so they are sorted once at
// the end; the sort is stable so that problems at one place keep their order.
func sortProblems(ps []Problem) {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
	})
}
