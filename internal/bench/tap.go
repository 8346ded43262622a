package bench

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"
)

// tap sits in front of the emulator and counts what ECS answered to every
// call, per action: "ok", the error code, or "no answer" (a reset or a call
// the client gave up on). The fault injector counts calls received; the tap
// tells the answered ones from the throttled ones, which a rate figure needs.
// It changes nothing it passes on.
type tap struct {
	next http.Handler

	mu  sync.Mutex
	ecs map[string]map[string]int
	// okAt is when each answered call of an action was answered, for the
	// progress of a run over time.
	okAt map[string][]time.Time
}

// Results of a call, besides an error code.
const (
	answerOK   = "ok"
	answerNone = "no answer"
)

func newTap(next http.Handler) *tap {
	return &tap{next: next, ecs: map[string]map[string]int{}, okAt: map[string][]time.Time{}}
}

func (t *tap) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if p := r.URL.Path; strings.HasPrefix(p, "/queues") || strings.HasPrefix(p, "/topics") || strings.HasPrefix(p, "/2020-11-11/") {
		t.next.ServeHTTP(w, r)
		return
	}
	action := ecsAction(r)
	rec := &recorder{ResponseWriter: w}
	t.next.ServeHTTP(rec, r)
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ecs[action] == nil {
		t.ecs[action] = map[string]int{}
	}
	res := rec.result()
	t.ecs[action][res]++
	if res == answerOK {
		t.okAt[action] = append(t.okAt[action], time.Now())
	}
}

// Answered returns when every call answered "ok" was answered, all actions
// together, in time order.
func (t *tap) Answered() []time.Time {
	t.mu.Lock()
	defer t.mu.Unlock()
	var all []time.Time
	for _, ts := range t.okAt {
		all = append(all, ts...)
	}
	slices.SortFunc(all, func(a, b time.Time) int { return a.Compare(b) })
	return all
}

// ECS returns a copy of the counts: action → result → calls.
func (t *tap) ECS() map[string]map[string]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]map[string]int, len(t.ecs))
	for a, m := range t.ecs {
		out[a] = maps.Clone(m)
	}
	return out
}

// ecsAction reads the RPC action from the query or, for a POST, the form
// body, which it puts back unchanged for the emulator.
func ecsAction(r *http.Request) string {
	if a := r.URL.Query().Get("Action"); a != "" {
		return a
	}
	if r.Body == nil || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		return ""
	}
	body, err := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err != nil {
		return ""
	}
	v, _ := url.ParseQuery(string(body))
	return v.Get("Action")
}

// recorder keeps the status and, for an error, the start of the body.
// Unwrap lets http.ResponseController reach the connection, so the
// emulator's reset faults still hijack it.
type recorder struct {
	http.ResponseWriter
	status int
	body   []byte
}

func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
	r.ResponseWriter.WriteHeader(status)
}

func (r *recorder) Write(b []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	if r.status >= 400 && len(r.body) < 1024 {
		r.body = append(r.body, b[:min(len(b), 1024-len(r.body))]...)
	}
	return r.ResponseWriter.Write(b)
}

func (r *recorder) result() string {
	switch {
	case r.status == 0:
		return answerNone
	case r.status < 400:
		return answerOK
	}
	var e struct{ Code string }
	if json.Unmarshal(r.body, &e) == nil && e.Code != "" {
		return e.Code
	}
	return http.StatusText(r.status)
}

// answered sums the "ok" results of the actions given (all when none).
func answered(counts map[string]map[string]int, actions ...string) int {
	return sumResults(counts, func(res string) bool { return res == answerOK }, actions...)
}

// failedWith sums the results with one error code over the actions given (all when none).
func failedWith(counts map[string]map[string]int, code string, actions ...string) int {
	return sumResults(counts, func(res string) bool { return res == code }, actions...)
}

func sumResults(counts map[string]map[string]int, keep func(string) bool, actions ...string) int {
	n := 0
	for a, m := range counts {
		if len(actions) > 0 && !slices.Contains(actions, a) {
			continue
		}
		for res, c := range m {
			if keep(res) {
				n += c
			}
		}
	}
	return n
}
