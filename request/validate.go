package request

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/imageshare/ecs-image-share/outcome"
)

// The same region pattern as the policy's (policy/parse.go), so that a region
// a policy can name is a region a request can name.
var (
	regionRE = lazyRegexp(`^[a-z]{2,}(-[a-z0-9]+)+$`)
	// ECS image ids are "m-" and lower-case letters and digits
	// (m-bp1g7004ksh0oeuc1a2b). Upper case and inner hyphens are accepted too,
	// so that readable ids in emulator worlds (m-golden-001) work; anything the
	// service would not recognise still fails there with ImageNotFound.
	imageIDRE = lazyRegexp(`^m-[A-Za-z0-9]+(-[A-Za-z0-9]+)*$`)
)

// lazyRegexp compiles on first use: package initialisation runs before the
// function takes its first invocation, and most invocations never validate
// a request (cold start).
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// maxProblems caps how many problems one error lists, so that a request with
// 200 bad entries still yields a readable, bounded message.
const maxProblems = 10

// Validate reports whether r is a request the function can act on, with every
// problem found (up to a cap) in one *outcome.Error with code InvalidRequest.
// It checks the canonical form Parse produces: image ids without repeats, and
// Attempt 0 meaning the default.
func (r Request) Validate() error {
	var p problems
	r.check(&p)
	return p.err()
}

func (r Request) check(p *problems) {
	switch r.Action {
	case Reconcile, Share, Unshare:
	case "":
		p.add("action is required (reconcile, share or unshare)")
	default:
		p.add("action %s is not one of reconcile, share, unshare", quote(r.Action))
	}

	switch {
	case r.RegionID == "":
		p.add("regionId is required (e.g. cn-hangzhou)")
	case !IsRegionID(r.RegionID):
		p.add("regionId %s is not a region id (want lower-case words joined by '-', e.g. cn-hangzhou)", quote(r.RegionID))
	}

	switch n := len(r.ImageIDs); {
	case n == 0:
		p.add("imageIds (or imageId) is required: name at least one image")
	case n > MaxImages:
		p.add("imageIds lists %d images; the limit is %d per request", n, MaxImages)
	case n > 1 && (r.Action == Share || r.Action == Unshare):
		p.add("%s takes exactly one image (imageId); got %d", r.Action, n)
	}
	seen := make(map[string]bool, len(r.ImageIDs))
	for i, id := range r.ImageIDs {
		switch {
		case !IsImageID(id):
			p.add("imageIds[%d] %s is not an image id (want m- followed by letters and digits, e.g. m-bp1g7004ksh0oeuc1a2b)", i, quote(id))
		case seen[id]:
			p.add("imageIds[%d] %s is a repeat", i, quote(id))
		}
		seen[id] = true
	}

	switch r.Action {
	case Share, Unshare:
		switch n := len(r.Accounts); {
		case n == 0:
			p.add("accounts is required for %s: name at least one account id or group", r.Action)
		case n > MaxAccounts:
			p.add("accounts lists %d entries; the limit is %d per request", n, MaxAccounts)
		}
		for i, a := range r.Accounts {
			switch {
			case a == "":
				p.add("accounts[%d] is empty", i)
			case len(a) > maxNameBytes || !printable(a) || strings.TrimSpace(a) != a:
				p.add("accounts[%d] %s is neither an account id nor a group name", i, quote(a))
			}
		}
	case Reconcile:
		if len(r.Accounts) > 0 {
			p.add("accounts is not allowed for reconcile: the policy decides whom to share with (use share or unshare to name accounts)")
		}
	}

	if len(r.CorrelationID) > MaxCorrelationIDBytes || !printable(r.CorrelationID) {
		p.add("correlationId must be at most %d bytes of printable UTF-8", MaxCorrelationIDBytes)
	}
	if len(r.Origin) > MaxCorrelationIDBytes || !printable(r.Origin) {
		p.add("origin must be at most %d bytes of printable UTF-8", MaxCorrelationIDBytes)
	}
	if len(r.Seal) > maxNameBytes || !printable(r.Seal) {
		p.add("seal must be at most %d bytes of printable UTF-8", maxNameBytes)
	}
	if r.Attempt < 0 || r.Attempt > MaxAttempt {
		p.add("attempt %d is out of range (1 to %d)", r.Attempt, MaxAttempt)
	}
}

func printable(s string) bool { return Printable(s) }

// Printable reports whether s is valid UTF-8 without control characters and
// without format characters (Unicode category Cf): the bidirectional
// overrides and isolates (U+202E, U+2066…), zero-width characters (U+200B,
// U+200D, U+FEFF) and soft hyphens make a log line or an outcome display
// differently from what it holds, and make two ids that look alike differ.
// These strings end up in log lines and outcome messages.
func Printable(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if unicode.IsControl(c) || unicode.Is(unicode.Cf, c) || c == utf8.RuneError {
			return false
		}
	}
	return true
}

// problems collects what is wrong with a request, in field order.
type problems struct {
	list  []string
	extra int // problems beyond maxProblems, counted but not listed
}

func (p *problems) add(format string, args ...any) {
	if len(p.list) == maxProblems {
		p.extra++
		return
	}
	p.list = append(p.list, fmt.Sprintf(format, args...))
}

func (p *problems) empty() bool { return len(p.list) == 0 }

func (p *problems) err() error {
	if p.empty() {
		return nil
	}
	msg := "invalid request: " + strings.Join(p.list, "; ")
	if p.extra > 0 {
		msg += fmt.Sprintf("; and %d more", p.extra)
	}
	return &outcome.Error{Code: outcome.InvalidRequest, Message: msg}
}

// quote renders a caller's value for a message: quoted, and cut short so a
// huge or hostile value cannot blow up an outcome.
func quote(s string) string {
	const max = 64
	if len(s) <= max {
		return fmt.Sprintf("%q", s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return fmt.Sprintf("%q…", s[:cut])
}

// IsRegionID reports whether s has the form of a region id (cn-hangzhou), as
// requests and the policy require.
func IsRegionID(s string) bool { return len(s) <= maxNameBytes && regionRE().MatchString(s) }

// IsImageID reports whether s has the form of an image id (m-bp1g7004ksh0oeuc1a2b).
func IsImageID(s string) bool { return len(s) <= maxNameBytes && imageIDRE().MatchString(s) }
