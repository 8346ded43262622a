// Package suggest finds the known word a misspelt one most likely meant, for
// "did you mean" hints in the policy's and the request's error messages.
package suggest

import "strings"

// Closest returns the candidate nearest to word, ignoring case, if it is at
// most two edits away; "" when none is that close. Ties go to the earlier
// candidate, so the answer is stable.
func Closest(word string, candidates []string) string {
	best, bestDist := "", 3
	w := strings.ToLower(word)
	for _, c := range candidates {
		if d := distance(w, strings.ToLower(c), bestDist); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// distance is the Levenshtein distance between a and b in bytes (keys are
// ASCII), or at least limit when the lengths alone rule out anything closer:
// a huge untrusted key costs nothing.
func distance(a, b string, limit int) int {
	if diff := len(a) - len(b); diff >= limit || -diff >= limit {
		return limit
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
