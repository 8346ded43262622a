package outcome

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"unicode/utf8"
)

// MaxMessageBytes is the largest MNS message body (64 KiB, the default and
// the maximum of a queue's or topic's MaximumMessageSize). The service
// refuses a larger one, and an outcome that is never published fails its
// invocation and, with it, every other message of the batch, forever.
const MaxMessageBytes = 64 * 1024

// Keys of Outcome.Truncated: the lists and maps that may be cut, and
// TruncatedStrings for strings shortened.
const (
	TruncatedAdded     = "added"
	TruncatedRemoved   = "removed"
	TruncatedUnchanged = "unchanged"
	TruncatedFailures  = "failures"
	TruncatedBecause   = "because"
	TruncatedStrings   = "strings"
)

// TruncationKeys lists every key Outcome.Truncated may have.
var TruncationKeys = []string{TruncatedAdded, TruncatedRemoved, TruncatedUnchanged, TruncatedFailures, TruncatedBecause, TruncatedStrings}

// String caps while fitting. The first pass keeps most of an image-level
// message (an InvalidPolicy error lists every problem of the policy); the
// last pass caps everything short enough that an outcome with empty lists
// fits whatever its strings held: 11 strings of at most 256 bytes and one
// message of 1 KiB, each escaped to at most 6 bytes per byte (\u00XX), make
// at most 23 KiB; apiCalls and counts have fixed keys.
const (
	capErrorMessage   = 16 << 10
	capMessage        = 512
	capID             = 256
	capLastErrMessage = 1 << 10
	capLast           = 256
)

// Fit marshals o to at most limit bytes of JSON. An outcome that fits is
// marshalled as is. Otherwise its strings are shortened, then its lists
// (added, removed, unchanged, failures, because) are cut to their first
// entries, as many as fit, and Truncated records, for each list cut, how
// many entries it had, and how many strings were shortened. Status, counts
// and apiCalls always stay whole: a consumer still knows what happened.
//
// It fails only when limit is too small for an outcome with empty lists
// (below about 32 KiB); MaxMessageBytes is always enough.
func Fit(o *Outcome, limit int) ([]byte, error) {
	b, err := json.Marshal(o)
	if err != nil || len(b) <= limit {
		return b, err
	}
	c := cutStrings(o, capErrorMessage, capMessage, capID)
	if b, err = json.Marshal(c); err != nil || len(b) <= limit {
		return b, err
	}
	n := max(len(o.Added), len(o.Removed), len(o.Unchanged), len(o.Failures), len(o.Because))
	// The largest k whose cut fits: sizes grow with k, so search.
	lo, hi := -1, n // fits(lo) known true (or lo = -1: none known), fits(hi) false
	var best []byte
	for hi-lo > 1 {
		k := lo + (hi-lo)/2
		kb, err := json.Marshal(cutLists(c, k))
		if err != nil {
			return nil, err
		}
		if len(kb) <= limit {
			lo, best = k, kb
		} else {
			hi = k
		}
	}
	if best != nil {
		return best, nil
	}
	last := cutLists(cutStrings(c, capLastErrMessage, capLast, capLast), 0)
	if b, err = json.Marshal(last); err != nil || len(b) <= limit {
		return b, err
	}
	return nil, fmt.Errorf("outcome %s: %d bytes with every list emptied, above the %d-byte limit", o.OutcomeID, len(b), limit)
}

// cutStrings returns a copy of o whose strings are at most the given
// lengths (image-level message, other messages, every other string),
// counting those shortened in Truncated. Lists are copied, not shared.
func cutStrings(o *Outcome, errMsg, msg, id int) *Outcome {
	c := *o
	c.Truncated = cloneCounts(o.Truncated)
	n := 0
	cut := func(s string, most int) string {
		if len(s) <= most {
			return s
		}
		n++
		return shorten(s, most)
	}
	cutErr := func(e *Error, most int) *Error {
		if e == nil {
			return nil
		}
		ce := *e
		ce.Account, ce.ECSCode, ce.RequestID = cut(e.Account, id), cut(e.ECSCode, id), cut(e.RequestID, id)
		ce.Message = cut(e.Message, most)
		return &ce
	}
	c.OutcomeID, c.CorrelationID, c.RegionID, c.ImageID, c.Action =
		cut(o.OutcomeID, id), cut(o.CorrelationID, id), cut(o.RegionID, id), cut(o.ImageID, id), cut(o.Action, id)
	c.Trigger = Trigger{Type: cut(o.Trigger.Type, id), EventID: cut(o.Trigger.EventID, id), EventName: cut(o.Trigger.EventName, id)}
	c.Error = cutErr(o.Error, errMsg)
	c.Failures = make([]*Error, len(o.Failures))
	for i, f := range o.Failures {
		c.Failures[i] = cutErr(f, msg)
	}
	cutAll := func(l []string) []string {
		out := make([]string, len(l))
		for i, s := range l {
			out[i] = cut(s, id)
		}
		return out
	}
	c.Added, c.Removed, c.Unchanged = cutAll(o.Added), cutAll(o.Removed), cutAll(o.Unchanged)
	if o.Because != nil {
		c.Because = make(map[string][]string, len(o.Because))
		for k, v := range o.Because {
			c.Because[cut(k, id)] = cutAll(v)
		}
	}
	if n > 0 {
		c.Truncated[TruncatedStrings] += n
	}
	return &c
}

// cutLists returns a copy of o with each list and each because entry cut
// to its first k entries (because: the first k accounts in order, each with
// at most k reasons), recording in Truncated the full length of each list cut.
func cutLists(o *Outcome, k int) *Outcome {
	c := *o
	c.Truncated = cloneCounts(o.Truncated)
	note := func(key string, n int) {
		if n > k {
			if _, seen := c.Truncated[key]; !seen {
				c.Truncated[key] = n
			}
		}
	}
	note(TruncatedAdded, len(o.Added))
	note(TruncatedRemoved, len(o.Removed))
	note(TruncatedUnchanged, len(o.Unchanged))
	note(TruncatedFailures, len(o.Failures))
	note(TruncatedBecause, len(o.Because))
	c.Added, c.Removed, c.Unchanged = head(o.Added, k), head(o.Removed, k), head(o.Unchanged, k)
	c.Failures = head(o.Failures, k)
	if o.Because != nil {
		c.Because = make(map[string][]string, min(k, len(o.Because)))
		for _, acct := range head(slices.Sorted(maps.Keys(o.Because)), k) {
			c.Because[acct] = head(o.Because[acct], k)
		}
	}
	if len(c.Truncated) == 0 {
		c.Truncated = nil
	}
	return &c
}

func head[T any](l []T, k int) []T {
	if len(l) <= k {
		return l
	}
	return l[:k:k]
}

func cloneCounts(m map[string]int) map[string]int {
	c := make(map[string]int, len(m)+1)
	for k, v := range m {
		c[k] = v
	}
	return c
}

// shorten cuts s to at most most bytes, on a UTF-8 boundary, ending in "…"
// so a reader sees it was cut.
func shorten(s string, most int) string {
	const ell = "…"
	cut := max(most-len(ell), 0)
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + ell
}
