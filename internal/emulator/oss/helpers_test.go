package oss_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/retry"

	"github.com/imageshare/ecs-image-share/internal/clock"
	"github.com/imageshare/ecs-image-share/internal/emulator/fault"
	ossemu "github.com/imageshare/ecs-image-share/internal/emulator/oss"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

const (
	region = "cn-hangzhou"
	keyID  = "LTAI5tLocalTestKey"
	secret = "local-test-secret"
	bucket = "ledger"
)

const testWorld = `
region: cn-hangzhou
owner: "1000000000000001"
credentials: {accessKeyId: LTAI5tLocalTestKey, accessKeySecret: local-test-secret}
buckets: [ledger, {name: far-away, region: cn-shanghai}]
`

// env is one OSS emulator behind an httptest server.
type env struct {
	t     *testing.T
	world *world.World
	svc   *ossemu.Service
	inj   *fault.Injector
	srv   *httptest.Server
}

func newEnv(t *testing.T, edit func(*world.World)) *env {
	t.Helper()
	w, err := world.Parse("test", []byte(testWorld))
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(w)
	}
	inj := fault.New(w)
	stop := make(chan struct{})
	svc := ossemu.New(w, clock.NewManual(w.StartTime), inj, stop)
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) }) // runs first: held requests are released before the server waits
	return &env{t: t, world: w, svc: svc, inj: inj, srv: srv}
}

// clientOpts tune the SDK client a test builds.
type clientOpts struct {
	secret, token string
	keyID         string
	region        string
	v1            bool
	attempts      int
	optFns        []func(*oss.Options)
}

// client is the real SDK client configured as the function's ledger client
// is: endpoint http://127.0.0.1:PORT (path style, chosen by the SDK for an
// IP endpoint), region cn-hangzhou, static credentials.
func (e *env) client(o clientOpts) *oss.Client {
	if o.secret == "" {
		o.secret = secret
	}
	if o.keyID == "" {
		o.keyID = keyID
	}
	if o.region == "" {
		o.region = region
	}
	if o.attempts == 0 {
		o.attempts = 1
	}
	cfg := oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider(o.keyID, o.secret, o.token)).
		WithRegion(o.region).
		WithEndpoint(e.srv.URL).
		WithRetryMaxAttempts(o.attempts).
		// Short backoff: a retry test should not wait the SDK's 200 ms+ jitter.
		WithRetryer(retry.NewStandard(func(ro *retry.RetryOptions) {
			ro.MaxAttempts = o.attempts
			ro.BaseDelay = 5 * time.Millisecond
			ro.MaxBackoff = 20 * time.Millisecond
		}))
	if o.v1 {
		cfg = cfg.WithSignatureVersion(oss.SignatureVersionV1)
	}
	return oss.NewClient(cfg, o.optFns...)
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// serviceError unwraps the SDK's ServiceError, failing the test without one.
func serviceError(t *testing.T, err error) *oss.ServiceError {
	t.Helper()
	var se *oss.ServiceError
	if !errors.As(err, &se) {
		t.Fatalf("error %v is not a service error", err)
	}
	return se
}

// wantCode checks the SDK saw code and status.
func wantCode(t *testing.T, err error, code string, status int) *oss.ServiceError {
	t.Helper()
	se := serviceError(t, err)
	if se.Code != code || se.StatusCode != status {
		t.Fatalf("got %s %d (%s), want %s %d", se.Code, se.StatusCode, se.Message, code, status)
	}
	if se.RequestID == "" {
		t.Error("no x-oss-request-id")
	}
	return se
}
