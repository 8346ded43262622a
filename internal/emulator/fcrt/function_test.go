package fcrt

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// These tests run testdata/hello, a real fc.Start function, under the
// Runtime: they pin the protocol to what the SDK actually does.

// reply mirrors testdata/hello's Reply.
type reply struct {
	Message         string `json:"message"`
	RequestID       string `json:"requestId"`
	AccessKeyID     string `json:"accessKeyId"`
	AccessKeySecret string `json:"accessKeySecret"`
	SecurityToken   string `json:"securityToken"`
	AccountID       string `json:"accountId"`
	Region          string `json:"region"`
	FunctionName    string `json:"functionName"`
	Handler         string `json:"handler"`
	Memory          string `json:"memory"`
	TimeoutSeconds  int    `json:"timeoutSeconds"`
	ServiceName     string `json:"serviceName"`
	Qualifier       string `json:"qualifier"`
	RetryCount      int    `json:"retryCount"`
	DeadlineUnixMs  int64  `json:"deadlineUnixMs"`
	Initialized     bool   `json:"initialized"`
}

// startHello runs testdata/hello under a fresh Runtime.
func startHello(t *testing.T) (*Runtime, *Process) {
	t.Helper()
	if helloBinary == "" {
		t.Skip("no go tool on PATH to build testdata/hello")
	}
	rt := New()
	srv := httptest.NewServer(rt)
	p, err := StartProcess(context.Background(), helloBinary, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Kill the function first (it would spin on a closed API), then close.
	t.Cleanup(func() {
		p.Stop()
		rt.Close()
		srv.Close()
		if t.Failed() {
			t.Logf("function stdout:\n%s\nfunction stderr:\n%s", p.Stdout(), p.Stderr())
		}
	})
	return rt, p
}

func event(t *testing.T, v map[string]any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decodeReply(t *testing.T, res Result) reply {
	t.Helper()
	if res.Error != nil {
		t.Fatalf("function error: %+v", *res.Error)
	}
	var r reply
	if err := json.Unmarshal(res.Body, &r); err != nil {
		t.Fatalf("reply %q: %v", res.Body, err)
	}
	return r
}

func TestFunctionSeesItsContext(t *testing.T) {
	rt, _ := startHello(t)
	tests := []struct {
		name string
		inv  Invocation
	}{
		{
			name: "everything set",
			inv: Invocation{
				RequestID:    "1-6578f07f-14b7a4d7-38d1a0e2ee7f",
				Timeout:      30 * time.Second,
				Credentials:  Credentials{AccessKeyID: "STS.NUx", AccessKeySecret: "secret", SecurityToken: "CAIS-token"},
				AccountID:    "1000000000000001",
				Region:       "cn-hangzhou",
				FunctionName: "image-share",
				ServiceName:  "image-share-svc",
				Handler:      "main",
				Qualifier:    "LATEST",
				MemoryMB:     512,
				RetryCount:   1,
			},
		},
		{name: "defaults", inv: Invocation{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			inv := tt.inv
			inv.Payload = event(t, map[string]any{"message": "hi " + tt.name})
			res, err := rt.Invoke(testContext(t), inv)
			if err != nil {
				t.Fatal(err)
			}
			got := decodeReply(t, res)
			memory := ""
			if inv.MemoryMB > 0 {
				memory = fmt.Sprint(inv.MemoryMB)
			}
			want := reply{
				Message:         "hi " + tt.name,
				RequestID:       res.RequestID,
				AccessKeyID:     inv.Credentials.AccessKeyID,
				AccessKeySecret: inv.Credentials.AccessKeySecret,
				SecurityToken:   inv.Credentials.SecurityToken,
				AccountID:       inv.AccountID,
				Region:          inv.Region,
				FunctionName:    inv.FunctionName,
				Handler:         inv.Handler,
				Memory:          memory,
				TimeoutSeconds:  int(timeoutSeconds(orDefault(inv.Timeout, DefaultTimeout))),
				ServiceName:     inv.ServiceName,
				Qualifier:       inv.Qualifier,
				RetryCount:      inv.RetryCount,
				DeadlineUnixMs:  got.DeadlineUnixMs, // checked in TestFunctionDeadline
			}
			if got != want {
				t.Errorf("function saw\n%+v\nwant\n%+v", got, want)
			}
			if inv.RequestID != "" && res.RequestID != inv.RequestID {
				t.Errorf("RequestID = %q, want %q", res.RequestID, inv.RequestID)
			}
		})
	}
}

// orDefault returns d, or def when d is zero.
func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}

func TestFunctionDeadline(t *testing.T) {
	rt, _ := startHello(t)
	tests := []struct {
		timeout     time.Duration
		wantSeconds int
	}{
		{1500 * time.Millisecond, 2},
		{3 * time.Second, 3},
		{15 * time.Minute, 900},
	}
	for _, tt := range tests {
		t.Run(tt.timeout.String(), func(t *testing.T) {
			before := time.Now()
			res, err := rt.Invoke(testContext(t), Invocation{Timeout: tt.timeout, Payload: []byte(`{}`)})
			after := time.Now()
			if err != nil {
				t.Fatal(err)
			}
			got := decodeReply(t, res)
			if got.TimeoutSeconds != tt.wantSeconds {
				t.Errorf("function timeout = %ds, want %ds", got.TimeoutSeconds, tt.wantSeconds)
			}
			// ctx's deadline is delivery + timeout, delivery being within
			// Invoke, at millisecond precision.
			lo, hi := before.Add(tt.timeout).UnixMilli(), after.Add(tt.timeout).UnixMilli()
			if got.DeadlineUnixMs < lo || got.DeadlineUnixMs > hi {
				t.Errorf("ctx deadline %d not within [%d, %d]", got.DeadlineUnixMs, lo, hi)
			}
		})
	}
}

func TestFunctionErrors(t *testing.T) {
	rt, _ := startHello(t)
	tests := []struct {
		name      string
		mode      string
		wantType  string
		wantStack bool
	}{
		{"returned error", "error", "errorString", false},
		{"panic", "panic", "string", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := rt.Invoke(testContext(t), Invocation{Payload: event(t, map[string]any{"mode": tt.mode, "message": "boom"})})
			if err != nil {
				t.Fatal(err)
			}
			if res.Error == nil {
				t.Fatalf("no function error; body %s", res.Body)
			}
			if res.Error.ErrorMessage != "boom" || res.Error.ErrorType != tt.wantType {
				t.Errorf("error = %+v, want message boom, type %s", *res.Error, tt.wantType)
			}
			if gotStack := res.Error.StackTrace != nil; gotStack != tt.wantStack {
				t.Errorf("stack trace present = %v, want %v", gotStack, tt.wantStack)
			}
			// The process keeps serving.
			next, err := rt.Invoke(testContext(t), Invocation{Payload: event(t, map[string]any{"message": "after"})})
			if err != nil {
				t.Fatal(err)
			}
			if got := decodeReply(t, next); got.Message != "after" {
				t.Errorf("next invocation answered %q", got.Message)
			}
		})
	}
}

func TestFunctionUndecodableEvent(t *testing.T) {
	rt, _ := startHello(t)
	res, err := rt.Invoke(testContext(t), Invocation{Payload: []byte(`not json`)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Error == nil || res.Error.ErrorType != "SyntaxError" {
		t.Errorf("Result = %+v, want a SyntaxError function error", res)
	}
}

func TestFunctionTimeout(t *testing.T) {
	rt, p := startHello(t)
	res, err := rt.Invoke(testContext(t), Invocation{
		Timeout: 50 * time.Millisecond,
		Payload: event(t, map[string]any{"mode": "hang"}),
	})
	if err != nil {
		t.Fatal(err)
	}
	if !res.TimedOut || res.Error == nil || !strings.HasPrefix(res.Error.ErrorMessage, "Function timed out after") {
		t.Fatalf("Result = %+v, want a timeout", res)
	}
	// The stuck invocation does not stop the next one.
	next, err := rt.Invoke(testContext(t), Invocation{Payload: event(t, map[string]any{"message": "still here"})})
	if err != nil {
		t.Fatal(err)
	}
	if got := decodeReply(t, next); got.Message != "still here" {
		t.Errorf("next invocation answered %q", got.Message)
	}
	select {
	case <-p.Done():
		t.Error("function process exited")
	default:
	}
}

func TestFunctionConcurrentInvocations(t *testing.T) {
	rt, _ := startHello(t)
	// Every invocation waits inside the function until all are in there at
	// once: this passes only if the runtime delivers the next invocation
	// while earlier ones run, as FC and the SDK do.
	const parties = 5
	var wg sync.WaitGroup
	results := make([]Result, parties)
	errs := make([]error, parties)
	for i := range parties {
		wg.Go(func() {
			results[i], errs[i] = rt.Invoke(testContext(t), Invocation{
				Timeout: testTimeout,
				Payload: event(t, map[string]any{"mode": "rendezvous", "parties": parties, "message": fmt.Sprint(i)}),
			})
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for i := range parties {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		got := decodeReply(t, results[i])
		if got.Message != fmt.Sprint(i) || got.RequestID != results[i].RequestID {
			t.Errorf("invocation %d answered %+v for request %s", i, got, results[i].RequestID)
		}
		if seen[got.RequestID] {
			t.Errorf("request id %s answered twice", got.RequestID)
		}
		seen[got.RequestID] = true
	}
}

func TestFunctionLifecycleHooks(t *testing.T) {
	rt, _ := startHello(t)
	ctx := testContext(t)

	res, err := rt.Initialize(ctx, Invocation{})
	if err != nil || res.Error != nil || len(res.Body) != 0 {
		t.Fatalf("Initialize = %+v, %v; want an empty success", res, err)
	}
	res, err = rt.Invoke(ctx, Invocation{Payload: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	if !decodeReply(t, res).Initialized {
		t.Error("handler ran before the initializer took effect")
	}

	// hello registers no PreStop or PreFreeze hook: the SDK reports that.
	hooks := []struct {
		name string
		run  func(context.Context, Invocation) (Result, error)
		want string
	}{
		{"PreStop", rt.PreStop, "no prestop handler registered"},
		{"PreFreeze", rt.PreFreeze, "no prefreeze handler registered"},
	}
	for _, h := range hooks {
		res, err := h.run(ctx, Invocation{})
		if err != nil {
			t.Fatal(err)
		}
		if res.Error == nil || res.Error.ErrorMessage != h.want {
			t.Errorf("%s = %+v, want error %q", h.name, res, h.want)
		}
	}
}
