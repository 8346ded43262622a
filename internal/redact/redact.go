// Package redact keeps credentials out of every text the process writes:
// outcome messages, log lines, command output and returned errors.
//
// Two nets, because either alone misses something:
//
//   - by pattern, with no knowledge of the credentials: the query parameters
//     SecurityToken, Signature and AccessKeySecret (Go's network errors quote
//     the whole signed URL of an ECS RPC call), everything after "string to
//     sign" (a SignatureDoesNotMatch answer from ECS or MNS quotes the string
//     the service signed, which holds the token), and the signature of an
//     Authorization header;
//   - by value: a Scrubber made from the credentials in use replaces each of
//     them, raw and percent-encoded once or twice (the forms a URL and an
//     RPC string to sign give them), wherever it appears.
//
// The engine applies the patterns where SDK errors become outcome errors;
// the handler and the commands wrap their loggers (Handler), writers
// (Writer) and returned errors (Error) with a Scrubber of the credentials
// they hold, so that a text this package did not foresee is still caught.
package redact

import (
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// Mask replaces what is removed.
const Mask = "[REDACTED]"

// minSecret is the shortest value scrubbed by value: a one- or two-character
// "secret" (a test's, or a typo) would blank out every word it occurs in.
const minSecret = 6

// Patterns, compiled once; a *regexp.Regexp is safe for concurrent use and
// never changes, so these are constants in all but syntax. They compile on
// first use, not at package initialisation, which runs before the function
// takes its first invocation (cold start).
var (
	// A credential-bearing parameter in a URL query, a form or a string to
	// sign (where "=" is percent-encoded once or twice). The value ends at
	// the next separator; in an encoded string to sign it runs on, which
	// only removes more.
	paramRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)\b(SecurityToken|Signature|AccessKeySecret|x-(?:mns|acs)-security-token)(=|%3D|%253D|:\s*)[^&\s"'<>,;]+`)
	})
	// ECS: "server string to sign is:GET&%2F&...", MNS: "StringToSign: ...".
	// Everything after it is the signed text: cut to the end.
	stringToSignRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?is)(string[ _-]?to[ _-]?sign[a-z ]*\s*:?)\s*\S.*$`)
	})
	// Authorization: MNS <AccessKeyId>:<signature> (and acs for RPC/ROA).
	authHeaderRE = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?i)\b((?:MNS|acs)\s+[A-Za-z0-9._-]+:)[A-Za-z0-9+/=]{8,}`)
	})
)

// Text removes what the patterns recognise, without knowing any credential.
func Text(s string) string {
	if !mayMatch(s) {
		return s
	}
	return byPatterns(s)
}

// byPatterns applies the patterns.
func byPatterns(s string) string {
	s = stringToSignRE().ReplaceAllString(s, "${1} "+Mask)
	s = paramRE().ReplaceAllString(s, "${1}${2}"+Mask)
	return authHeaderRE().ReplaceAllString(s, "${1}"+Mask)
}

// patternWords holds a word of every pattern's every match: "sign" of a
// Signature and of a string to sign, "token" of SecurityToken and
// x-mns-security-token, "secret" of AccessKeySecret, "mns" and "acs" of an
// Authorization header. FuzzPrefilter holds Text to byPatterns.
var patternWords = [...]string{"sign", "token", "secret", "mns", "acs"}

// mayMatch reports whether a pattern could match s. Most log text holds
// none of their words, and is then left alone without running (or, on a
// function's first invocation, compiling) the expressions. Text outside
// ASCII goes to the patterns: their case folding matches some non-ASCII
// letters too (U+017F, a long s, folds to s).
func mayMatch(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return true
		}
	}
	lower := strings.ToLower(s)
	for _, w := range patternWords {
		if strings.Contains(lower, w) {
			return true
		}
	}
	return false
}

// Scrubber removes known credential values and the patterns of Text. The
// zero value and nil scrub by pattern only. It is immutable and safe for
// concurrent use.
type Scrubber struct {
	r *strings.Replacer // nil: no values
}

// New returns a Scrubber of the given secrets (an AccessKey secret, an STS
// token). Empty and very short values are skipped. AccessKey ids are not
// secrets and should not be passed: they name the key in logs.
func New(secrets ...string) *Scrubber {
	var forms []string
	for _, v := range secrets {
		if len(v) < minSecret {
			continue
		}
		once := url.QueryEscape(v)
		rpc := strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(once)
		forms = append(forms, v, once, rpc, url.QueryEscape(once), url.QueryEscape(rpc), url.PathEscape(v))
	}
	if len(forms) == 0 {
		return &Scrubber{}
	}
	// Longest first: strings.Replacer tries its old strings in argument
	// order at each position, and a longer form may contain a shorter one.
	slices.SortFunc(forms, func(a, b string) int { return len(b) - len(a) })
	forms = slices.Compact(forms)
	pairs := make([]string, 0, 2*len(forms))
	for _, f := range forms {
		pairs = append(pairs, f, Mask)
	}
	return &Scrubber{r: strings.NewReplacer(pairs...)}
}

// String returns s without credentials.
func (s *Scrubber) String(text string) string {
	if s != nil && s.r != nil {
		text = s.r.Replace(text)
	}
	return Text(text)
}

// Error wraps err so that its message is scrubbed. errors.Is and errors.As
// still see the chain; code that prints an unwrapped cause must scrub it
// again.
func (s *Scrubber) Error(err error) error {
	if err == nil {
		return nil
	}
	return &scrubbed{msg: s.String(err.Error()), err: err}
}

type scrubbed struct {
	msg string
	err error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.err }

// Writer returns a writer that scrubs each Write before passing it on. It
// suits line-oriented output (fmt.Fprintf, slog handlers, encoders), where
// one Write carries a whole line: a credential split across two Writes is
// not recognised. It reports len(p) written, as the text written may be
// shorter or longer than p.
func (s *Scrubber) Writer(w io.Writer) io.Writer { return &writer{s: s, w: w} }

type writer struct {
	s *Scrubber
	w io.Writer
}

func (w *writer) Write(p []byte) (int, error) {
	if _, err := io.WriteString(w.w, w.s.String(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Any scrubs the text of a value headed for a log line: a string, an
// error's text; for other values their JSON form, which is returned
// scrubbed only when scrubbing changed it (so numbers and maps keep their
// shape in the common case).
func (s *Scrubber) Any(v any) any {
	switch x := v.(type) {
	case nil:
		return nil
	case string:
		return s.String(x)
	case error:
		return s.String(x.Error())
	}
	b, err := json.Marshal(v)
	if err != nil {
		return s.String(fmt.Sprint(v))
	}
	if c := s.String(string(b)); c != string(b) {
		return c
	}
	return v
}
