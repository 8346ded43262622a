package oss_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"

	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// An injected 5xx or throttle is retried by the SDK; the put then succeeds
// and the store holds one object.
func TestInjectedFaultThenSuccessOnRetry(t *testing.T) {
	for _, code := range []string{"ServiceUnavailable", "QpsLimitExceeded", "InternalError"} {
		t.Run(code, func(t *testing.T) {
			e := newEnv(t, nil)
			e.inj.Add(world.Fault{API: "PutObject", Code: code, Times: 2, Bucket: bucket})
			c := e.client(clientOpts{attempts: 3})
			if _, err := put(c, t, "step", "x", true); err != nil {
				t.Fatalf("put after 2 faults with 3 attempts: %v", err)
			}
			if n := e.inj.Counts()["PutObject"]; n != 3 {
				t.Errorf("PutObject calls = %d, want 3", n)
			}
		})
	}
}

func TestFaultWithoutRetriesReachesTheCaller(t *testing.T) {
	e := newEnv(t, nil)
	e.inj.Add(world.Fault{API: "HeadObject", Code: "ServiceUnavailable"})
	_, err := e.client(clientOpts{}).HeadObject(ctx(t), &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("k")})
	wantCode(t, err, "ServiceUnavailable", http.StatusServiceUnavailable)
}

// A fault narrowed to another bucket leaves this one alone; a refused
// signature is counted nowhere and does not consume the fault.
func TestFaultScope(t *testing.T) {
	e := newEnv(t, nil)
	e.inj.Add(world.Fault{API: "PutObject", Code: "InternalError", Bucket: "far-away"})
	e.inj.Add(world.Fault{API: "GetObject", Code: "InternalError"})
	if _, err := put(e.client(clientOpts{}), t, "k", "x", false); err != nil {
		t.Fatal(err)
	}
	wantCode(t, getErr(t, e.client(clientOpts{secret: "wrong"}), bucket), "SignatureDoesNotMatch", http.StatusForbidden)
	if n := e.inj.Counts()["GetObject"]; n != 0 {
		t.Errorf("a refused call was counted: %d", n)
	}
	err := getErr(t, e.client(clientOpts{}), bucket)
	wantCode(t, err, "InternalError", http.StatusInternalServerError)
	if !strings.Contains(err.Error(), "InternalError") {
		t.Error(err)
	}
}
