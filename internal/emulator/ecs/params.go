package ecs

import (
	"bytes"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// params are one request's parameters, the query string and a form body
// merged, as the service accepts either.
type params map[string]string

// maxBody bounds a form body; RPC requests are small.
const maxBody = 1 << 20

// readBody reads the whole body (at most maxBody bytes), which the V3
// signature hashes, and puts it back for readParams.
func readBody(w http.ResponseWriter, r *http.Request) ([]byte, *apiError) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		return nil, newError("InvalidParameter", "The request body cannot be read: "+err.Error())
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return body, nil
}

// readParams merges the query string and an application/x-www-form-urlencoded
// body. A parameter given twice (in both, or repeated) is refused: which copy
// was signed and which acted upon would be ambiguous.
func readParams(w http.ResponseWriter, r *http.Request) (params, *apiError) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		return nil, newError("InvalidParameter", "The request's query string or body is malformed: "+err.Error())
	}
	p := make(params, len(r.Form))
	for k, vs := range r.Form {
		if len(vs) > 1 {
			return nil, invalidParameter(k, "It is given more than once.")
		}
		p[k] = vs[0]
	}
	return p, nil
}

// require answers MissingParameter for the first of names that is absent.
func (p params) require(names ...string) *apiError {
	for _, n := range names {
		if p[n] == "" {
			return missingParameter(n)
		}
	}
	return nil
}

// item is one entry of a repeated parameter (AddAccount.3 = "...").
type item struct {
	n     int
	value string
}

// list returns the non-empty entries name.1, name.2, ... sorted by position.
// Positions may have gaps, as the SDK keeps an empty entry's number.
func (p params) list(name string) []item {
	var items []item
	for k, v := range p {
		rest, ok := strings.CutPrefix(k, name+".")
		if !ok || v == "" {
			continue
		}
		if n, err := strconv.Atoi(rest); err == nil && n > 0 && strconv.Itoa(n) == rest {
			items = append(items, item{n, v})
		}
	}
	slices.SortFunc(items, func(a, b item) int { return a.n - b.n })
	return items
}

// tagFilter is one Tag.N pair; an empty Value matches any value of Key.
type tagFilter struct {
	n          int
	key, value string
}

// tags returns the Tag.N.Key / Tag.N.Value pairs sorted by N.
func (p params) tags() []tagFilter {
	byN := map[int]*tagFilter{}
	for k, v := range p {
		rest, ok := strings.CutPrefix(k, "Tag.")
		if !ok || v == "" {
			continue
		}
		num, field, ok := strings.Cut(rest, ".")
		n, err := strconv.Atoi(num)
		if !ok || err != nil || n <= 0 || (field != "Key" && field != "Value") {
			continue
		}
		t := byN[n]
		if t == nil {
			t = &tagFilter{n: n}
			byN[n] = t
		}
		if field == "Key" {
			t.key = v
		} else {
			t.value = v
		}
	}
	out := make([]tagFilter, 0, len(byN))
	for _, t := range byN {
		out = append(out, *t)
	}
	slices.SortFunc(out, func(a, b tagFilter) int { return a.n - b.n })
	return out
}

// matchTags reports whether tags carry every filter (AND).
func matchTags(tags map[string]string, filters []tagFilter) bool {
	for _, f := range filters {
		v, ok := tags[f.key]
		if !ok || (f.value != "" && v != f.value) {
			return false
		}
	}
	return true
}

// intParam reads an optional integer parameter within [lo, hi].
func (p params) intParam(name string, def, lo, hi int) (int, *apiError) {
	s, ok := p[name]
	if !ok || s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, invalidParameter(name, "It must be an integer from "+strconv.Itoa(lo)+" to "+strconv.Itoa(hi)+".")
	}
	return n, nil
}

// page reads PageNumber (from 1, default 1) and PageSize (1..100, default 10).
func (p params) page() (number, size int, err *apiError) {
	if number, err = p.intParam("PageNumber", 1, 1, 1<<30); err != nil {
		return 0, 0, err
	}
	if size, err = p.intParam("PageSize", 10, 1, 100); err != nil {
		return 0, 0, err
	}
	return number, size, nil
}

// pageOf returns the items of page number (1-based) of the given size.
func pageOf[T any](all []T, number, size int) []T {
	start := min((number-1)*size, len(all))
	end := min(start+size, len(all))
	return all[start:end]
}

// splitComma splits a comma-separated list, dropping blanks.
func splitComma(s string) []string {
	var out []string
	for v := range strings.SplitSeq(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}
