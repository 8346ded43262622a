package mns

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// intIn parses a decimal integer that must lie in [low, high]; anything else
// is the documented InvalidArgument naming the element and its range.
func intIn(v, element string, low, high int64, unit string) (int64, *apiError) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < low || n > high {
		return 0, invalidRange(element, low, high, unit)
	}
	return n, nil
}

// boolValue parses an XML boolean (true/false, 1/0).
func boolValue(v, element string) (bool, *apiError) {
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return false, errorf("InvalidArgument", "The value of %s should be true or false.", element)
	}
	return b, nil
}

// listing reads the documented paging headers: x-mns-prefix, x-mns-marker
// (the first name to return), x-mns-ret-number (1..1000, default 1000).
func listing(r *http.Request, names []string) (page []string, next string, e *apiError) {
	limit := int64(1000)
	if v := r.Header.Get("x-mns-ret-number"); v != "" {
		if limit, e = intIn(v, "x-mns-ret-number", 1, 1000, ""); e != nil {
			return nil, "", e
		}
	}
	prefix, marker := r.Header.Get("x-mns-prefix"), r.Header.Get("x-mns-marker")
	slices.Sort(names)
	for _, n := range names {
		if !strings.HasPrefix(n, prefix) || n < marker {
			continue
		}
		if int64(len(page)) == limit {
			return page, n, nil
		}
		page = append(page, n)
	}
	return page, "", nil
}
