package fcrt

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"
)

// testTimeout bounds every wait in these tests so that a bug fails the test
// instead of hanging it; no test measures time against it.
const testTimeout = 30 * time.Second

// served is a Runtime behind an httptest server, driven by hand as the SDK
// would drive it.
type served struct {
	rt  *Runtime
	srv *httptest.Server
}

func serve(t *testing.T) *served {
	t.Helper()
	rt := New()
	srv := httptest.NewServer(rt)
	t.Cleanup(func() {
		rt.Close() // releases polls still blocked, so srv.Close does not wait on them
		srv.Close()
	})
	return &served{rt: rt, srv: srv}
}

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), testTimeout)
	t.Cleanup(cancel)
	return ctx
}

// invokeAsync runs Invoke in the background.
func (s *served) invokeAsync(ctx context.Context, inv Invocation) <-chan invokeReturn {
	ch := make(chan invokeReturn, 1)
	go func() {
		res, err := s.rt.Invoke(ctx, inv)
		ch <- invokeReturn{res, err}
	}()
	return ch
}

type invokeReturn struct {
	res Result
	err error
}

func wait(t *testing.T, ch <-chan invokeReturn) invokeReturn {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(testTimeout):
		t.Fatal("Invoke did not return")
		return invokeReturn{}
	}
}

// do sends one request to the runtime API and reads the whole answer.
func (s *served) do(t *testing.T, method, path string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(testContext(t), method, s.srv.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, b
}

func (s *served) next(t *testing.T) (*http.Response, []byte) {
	t.Helper()
	return s.do(t, http.MethodGet, APIPrefix+"next", nil)
}

func TestNextDeliversEventAndHeaders(t *testing.T) {
	s := serve(t)
	inv := Invocation{
		Payload:      []byte(`{"hello":"world"}`),
		RequestID:    "req-1",
		Timeout:      1500 * time.Millisecond,
		Credentials:  Credentials{AccessKeyID: "STS.ak", AccessKeySecret: "sk", SecurityToken: "token"},
		AccountID:    "1000000000000001",
		Region:       "cn-hangzhou",
		FunctionName: "image-share",
		ServiceName:  "svc",
		Handler:      "main",
		Qualifier:    "LATEST",
		MemoryMB:     512,
		RetryCount:   2,
	}
	before := time.Now()
	ch := s.invokeAsync(testContext(t), inv)
	resp, body := s.next(t)
	after := time.Now()

	if resp.StatusCode != http.StatusOK || string(body) != string(inv.Payload) {
		t.Fatalf("next = %d %q, want 200 %q", resp.StatusCode, body, inv.Payload)
	}
	want := map[string]string{
		"x-fc-request-id":        "req-1",
		"x-fc-function-timeout":  "2",
		"x-fc-function-type":     "0",
		"x-fc-access-key-id":     "STS.ak",
		"x-fc-access-key-secret": "sk",
		"x-fc-security-token":    "token",
		"x-fc-function-name":     "image-share",
		"x-fc-function-handler":  "main",
		"x-fc-function-memory":   "512",
		"x-fc-service-name":      "svc",
		"x-fc-region":            "cn-hangzhou",
		"x-fc-account-id":        "1000000000000001",
		"x-fc-qualifier":         "LATEST",
		"x-fc-retry-count":       "2",
	}
	for k, v := range want {
		if got := resp.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	// The deadline is delivery time plus the exact timeout, in epoch ms.
	ms, err := strconv.ParseInt(resp.Header.Get("x-fc-function-deadline"), 10, 64)
	if err != nil {
		t.Fatalf("x-fc-function-deadline: %v", err)
	}
	lo, hi := before.Add(inv.Timeout).UnixMilli(), after.Add(inv.Timeout).UnixMilli()
	if ms < lo || ms > hi {
		t.Errorf("deadline %d not within [%d, %d]", ms, lo, hi)
	}

	if r, _ := s.do(t, http.MethodPost, APIPrefix+"req-1/response", []byte(`{"ok":true}`)); r.StatusCode != http.StatusOK {
		t.Fatalf("response post = %d, want 200", r.StatusCode)
	}
	got := wait(t, ch)
	if got.err != nil || got.res.RequestID != "req-1" || string(got.res.Body) != `{"ok":true}` || got.res.Error != nil {
		t.Fatalf("Invoke = %+v, %v", got.res, got.err)
	}
}

func TestEmptyFieldsAreLeftOut(t *testing.T) {
	s := serve(t)
	ch := s.invokeAsync(testContext(t), Invocation{})
	resp, _ := s.next(t)
	id := resp.Header.Get("x-fc-request-id")
	if err := checkRequestID(id); err != nil {
		t.Errorf("generated id: %v", err)
	}
	if got := resp.Header.Get("x-fc-function-timeout"); got != "60" {
		t.Errorf("default timeout header = %q, want 60", got)
	}
	for _, k := range []string{"x-fc-access-key-id", "x-fc-security-token", "x-fc-function-memory", "x-fc-region"} {
		if _, ok := resp.Header[http.CanonicalHeaderKey(k)]; ok {
			t.Errorf("%s sent for an empty field", k)
		}
	}
	s.do(t, http.MethodPost, APIPrefix+id+"/response", nil)
	if got := wait(t, ch); got.err != nil || got.res.RequestID != id {
		t.Fatalf("Invoke = %+v, %v; want id %s", got.res, got.err, id)
	}
}

func TestErrorDocument(t *testing.T) {
	tests := []struct {
		name string
		body string
		want InvocationError
	}{
		{
			name: "sdk error",
			body: `{"errorMessage":"boom","errorType":"errorString"}`,
			want: InvocationError{ErrorMessage: "boom", ErrorType: "errorString"},
		},
		{
			name: "not json",
			body: `something broke`,
			want: InvocationError{ErrorMessage: "something broke"},
		},
		{
			name: "json without the fields",
			body: `{"message":"x"}`,
			want: InvocationError{ErrorMessage: `{"message":"x"}`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := serve(t)
			ch := s.invokeAsync(testContext(t), Invocation{RequestID: "r"})
			s.next(t)
			if r, _ := s.do(t, http.MethodPost, APIPrefix+"r/error", []byte(tt.body)); r.StatusCode != http.StatusOK {
				t.Fatalf("error post = %d, want 200", r.StatusCode)
			}
			got := wait(t, ch)
			if got.err != nil || got.res.Error == nil {
				t.Fatalf("Invoke = %+v, %v; want a function error", got.res, got.err)
			}
			if *got.res.Error != tt.want || string(got.res.Body) != tt.body || got.res.TimedOut {
				t.Errorf("Invoke = %+v (error %+v), want error %+v and body %q", got.res, *got.res.Error, tt.want, tt.body)
			}
		})
	}
}

func TestCompletionRejected(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		status int
	}{
		{"unknown id", http.MethodPost, "nope/response", http.StatusBadRequest},
		{"unknown id, error", http.MethodPost, "nope/error", http.StatusBadRequest},
		{"queued but not delivered", http.MethodPost, "queued/response", http.StatusBadRequest},
		{"wrong method on response", http.MethodGet, "queued/response", http.StatusMethodNotAllowed},
		{"wrong method on next", http.MethodPost, "next", http.StatusMethodNotAllowed},
		{"head on next", http.MethodHead, "next", http.StatusMethodNotAllowed},
		{"unknown endpoint", http.MethodPost, "queued/init", http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := serve(t)
			ctx, cancel := context.WithCancel(testContext(t))
			ch := s.invokeAsync(ctx, Invocation{RequestID: "queued"}) // nobody polls: it stays queued
			resp, body := s.do(t, tt.method, APIPrefix+tt.path, []byte(`{}`))
			if resp.StatusCode != tt.status {
				t.Errorf("%s %s = %d %s, want %d", tt.method, tt.path, resp.StatusCode, body, tt.status)
			}
			if tt.status == http.StatusBadRequest {
				var e InvocationError
				if err := json.Unmarshal(body, &e); err != nil || e.ErrorType != "InvalidRequestID" {
					t.Errorf("body = %s, want an InvalidRequestID document", body)
				}
			}
			cancel()
			if got := wait(t, ch); !errors.Is(got.err, context.Canceled) {
				t.Errorf("Invoke = %v, want context.Canceled", got.err)
			}
		})
	}
}

func TestSecondCompletionRejected(t *testing.T) {
	s := serve(t)
	ch := s.invokeAsync(testContext(t), Invocation{RequestID: "once"})
	s.next(t)
	if r, _ := s.do(t, http.MethodPost, APIPrefix+"once/response", []byte(`1`)); r.StatusCode != http.StatusOK {
		t.Fatalf("first post = %d", r.StatusCode)
	}
	wait(t, ch)
	if r, _ := s.do(t, http.MethodPost, APIPrefix+"once/error", []byte(`{}`)); r.StatusCode != http.StatusBadRequest {
		t.Errorf("second post = %d, want 400", r.StatusCode)
	}
}

func TestCancelledBeforeDeliveryIsNeverDelivered(t *testing.T) {
	s := serve(t)
	ctx, cancel := context.WithCancel(testContext(t))
	cancel()
	if _, err := s.rt.Invoke(ctx, Invocation{RequestID: "gone"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("Invoke = %v, want context.Canceled", err)
	}
	ch := s.invokeAsync(testContext(t), Invocation{RequestID: "next-one"})
	resp, _ := s.next(t)
	if id := resp.Header.Get("x-fc-request-id"); id != "next-one" {
		t.Fatalf("delivered %q, want next-one", id)
	}
	s.do(t, http.MethodPost, APIPrefix+"next-one/response", nil)
	wait(t, ch)
}

func TestCancelledAfterDeliveryRejectsLateAnswer(t *testing.T) {
	s := serve(t)
	ctx, cancel := context.WithCancel(testContext(t))
	ch := s.invokeAsync(ctx, Invocation{RequestID: "abandoned"})
	s.next(t)
	cancel()
	if got := wait(t, ch); !errors.Is(got.err, context.Canceled) {
		t.Fatalf("Invoke = %v, want context.Canceled", got.err)
	}
	if r, _ := s.do(t, http.MethodPost, APIPrefix+"abandoned/response", nil); r.StatusCode != http.StatusBadRequest {
		t.Errorf("late post = %d, want 400", r.StatusCode)
	}
}

func TestTimeoutWithoutAnswer(t *testing.T) {
	s := serve(t)
	ch := s.invokeAsync(testContext(t), Invocation{RequestID: "slow", Timeout: 20 * time.Millisecond})
	s.next(t) // delivered, never answered
	got := wait(t, ch)
	if got.err != nil || !got.res.TimedOut || got.res.Error == nil {
		t.Fatalf("Invoke = %+v, %v; want a timeout", got.res, got.err)
	}
	if want := "Function timed out after 1 seconds"; got.res.Error.ErrorMessage != want {
		t.Errorf("message = %q, want %q", got.res.Error.ErrorMessage, want)
	}
	if got.res.Duration < 20*time.Millisecond {
		t.Errorf("Duration = %v, shorter than the timeout", got.res.Duration)
	}
	if r, _ := s.do(t, http.MethodPost, APIPrefix+"slow/response", nil); r.StatusCode != http.StatusBadRequest {
		t.Errorf("late post = %d, want 400", r.StatusCode)
	}
}

func TestTimeoutRunsFromDelivery(t *testing.T) {
	s := serve(t)
	const timeout = 10 * time.Millisecond
	ch := s.invokeAsync(testContext(t), Invocation{RequestID: "queued", Timeout: timeout})
	// Nobody polls for longer than the timeout: queueing is not execution,
	// so the invocation is still delivered, with a deadline from now on.
	time.Sleep(3 * timeout)
	polled := time.Now()
	resp, _ := s.next(t)
	ms, err := strconv.ParseInt(resp.Header.Get("x-fc-function-deadline"), 10, 64)
	if err != nil || resp.Header.Get("x-fc-request-id") != "queued" {
		t.Fatalf("next = %d %v, want the queued invocation", resp.StatusCode, resp.Header)
	}
	if earliest := polled.Add(timeout).UnixMilli(); ms < earliest {
		t.Errorf("deadline %d before poll time + timeout %d", ms, earliest)
	}
	if got := wait(t, ch); got.err != nil {
		t.Fatal(got.err)
	}
}

func TestClose(t *testing.T) {
	s := serve(t)
	pending := s.invokeAsync(testContext(t), Invocation{RequestID: "pending"})

	polled := make(chan int, 1)
	go func() {
		resp, err := http.Get(s.srv.URL + APIPrefix + "next")
		if err != nil {
			polled <- -1
			return
		}
		resp.Body.Close()
		polled <- resp.StatusCode
	}()
	// Let the poll and the invocation meet, or not: either the poll got the
	// invocation (200) or Close releases it (503); pending ends with
	// ErrClosed in both cases, since nobody answers.
	s.rt.Close()
	if got := wait(t, pending); !errors.Is(got.err, ErrClosed) {
		t.Errorf("pending Invoke = %v, want ErrClosed", got.err)
	}
	if code := <-polled; code != http.StatusOK && code != http.StatusServiceUnavailable {
		t.Errorf("blocked poll = %d, want 200 or 503", code)
	}
	if resp, _ := s.next(t); resp.StatusCode != http.StatusServiceUnavailable {
		t.Errorf("poll after Close = %d, want 503", resp.StatusCode)
	}
	if _, err := s.rt.Invoke(testContext(t), Invocation{}); !errors.Is(err, ErrClosed) {
		t.Errorf("Invoke after Close = %v, want ErrClosed", err)
	}
}

func TestCloseReleasesIdlePoll(t *testing.T) {
	s := serve(t)
	polled := make(chan int, 1)
	go func() {
		resp, err := http.Get(s.srv.URL + APIPrefix + "next")
		if err != nil {
			polled <- -1
			return
		}
		resp.Body.Close()
		polled <- resp.StatusCode
	}()
	s.rt.Close()
	if code := <-polled; code != http.StatusServiceUnavailable {
		t.Errorf("poll = %d, want 503", code)
	}
}

func TestInvalidInvocation(t *testing.T) {
	tests := []struct {
		name string
		inv  Invocation
	}{
		{"slash in id", Invocation{RequestID: "a/b"}},
		{"space in id", Invocation{RequestID: "a b"}},
		{"dot-dot id", Invocation{RequestID: ".."}},
		{"negative timeout", Invocation{Timeout: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := serve(t)
			if _, err := s.rt.Invoke(testContext(t), tt.inv); err == nil {
				t.Error("Invoke accepted it")
			}
		})
	}
}

func TestDuplicateRequestIDInFlight(t *testing.T) {
	s := serve(t)
	ctx, cancel := context.WithCancel(testContext(t))
	ch := s.invokeAsync(ctx, Invocation{RequestID: "dup"})
	s.next(t) // now it is surely registered
	if _, err := s.rt.Invoke(testContext(t), Invocation{RequestID: "dup"}); err == nil || !strings.Contains(err.Error(), "in flight") {
		t.Errorf("second Invoke = %v, want an in-flight error", err)
	}
	cancel()
	wait(t, ch)
	// Once it ended, the id is free again.
	ch = s.invokeAsync(testContext(t), Invocation{RequestID: "dup"})
	s.next(t)
	s.do(t, http.MethodPost, APIPrefix+"dup/response", nil)
	if got := wait(t, ch); got.err != nil {
		t.Errorf("reused id: %v", got.err)
	}
}

func TestConcurrentInvocationsAnsweredOutOfOrder(t *testing.T) {
	s := serve(t)
	const n = 8
	chans := make(map[string]<-chan invokeReturn, n)
	for i := range n {
		id := "c" + strconv.Itoa(i)
		chans[id] = s.invokeAsync(testContext(t), Invocation{RequestID: id, Payload: []byte(id)})
	}
	var ids []string
	for range n {
		resp, body := s.next(t)
		id := resp.Header.Get("x-fc-request-id")
		if string(body) != id {
			t.Fatalf("delivered body %q with id %q", body, id)
		}
		ids = append(ids, id)
	}
	for i := len(ids) - 1; i >= 0; i-- { // answer last first
		s.do(t, http.MethodPost, APIPrefix+ids[i]+"/response", []byte(`"`+ids[i]+`"`))
	}
	for id, ch := range chans {
		got := wait(t, ch)
		if got.err != nil || string(got.res.Body) != `"`+id+`"` {
			t.Errorf("%s: Invoke = %+v, %v", id, got.res, got.err)
		}
	}
}

func TestTimeoutSeconds(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want int64
	}{
		{time.Millisecond, 1},
		{time.Second, 1},
		{1500 * time.Millisecond, 2},
		{60 * time.Second, 60},
		{24 * time.Hour, 86400},
	}
	for _, tt := range tests {
		if got := timeoutSeconds(tt.d); got != tt.want {
			t.Errorf("timeoutSeconds(%v) = %d, want %d", tt.d, got, tt.want)
		}
	}
}

func TestNewRequestIDsAreValidAndDistinct(t *testing.T) {
	seen := map[string]bool{}
	now := time.Unix(1700000000, 0)
	for range 100 {
		id := newRequestID(now)
		if err := checkRequestID(id); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(id, "1-6553f100-") || len(id) != len("1-6553f100-12345678-123456789012") {
			t.Fatalf("id %q has the wrong shape", id)
		}
		if seen[id] {
			t.Fatalf("id %q generated twice", id)
		}
		seen[id] = true
	}
}

// zeros is an endless reader of zero bytes that allocates nothing.
type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestCompletionOverTheLimitIsRefused: a completion body above MaxBodyBytes
// is answered 413 EntityTooLarge once the limit is read, not held whole;
// the invocation stays open for a completion that fits.
func TestCompletionOverTheLimitIsRefused(t *testing.T) {
	s := serve(t)
	ctx := testContext(t)
	ch := s.invokeAsync(ctx, Invocation{RequestID: "big", Timeout: time.Minute})
	if resp, _ := s.do(t, http.MethodGet, APIPrefix+"next", nil); resp.StatusCode != http.StatusOK {
		t.Fatalf("next = %d", resp.StatusCode)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.srv.URL+APIPrefix+"big/response",
		io.LimitReader(zeros{}, MaxBodyBytes+1))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := s.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var e InvocationError
	if resp.StatusCode != http.StatusRequestEntityTooLarge || json.Unmarshal(body, &e) != nil || e.ErrorType != "EntityTooLarge" {
		t.Fatalf("oversize completion = %d %s", resp.StatusCode, body)
	}
	if resp, _ := s.do(t, http.MethodPost, APIPrefix+"big/response", []byte(`{"ok":true}`)); resp.StatusCode != http.StatusOK {
		t.Fatalf("completion that fits = %d", resp.StatusCode)
	}
	if got := wait(t, ch); got.err != nil || string(got.res.Body) != `{"ok":true}` {
		t.Fatalf("Invoke = %+v", got)
	}
}
