package ecs_test

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
	sdkecs "github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"github.com/imageshare/ecs-image-share/internal/clock"
	"github.com/imageshare/ecs-image-share/internal/ecsclient"
	"github.com/imageshare/ecs-image-share/internal/emulator/ecs"
	"github.com/imageshare/ecs-image-share/internal/emulator/fault"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

const (
	owner    = "1000000000000001"
	stranger = "3000000000000001" // owns images; not the caller
	akID     = "LTAI5tLocalTestKey"
	akSecret = "local-test-secret"
	region   = "cn-hangzhou"
)

// acct returns the i-th existing member account (1..60).
func acct(i int) string { return fmt.Sprintf("2%015d", i) }

// accts returns member accounts from..to inclusive.
func accts(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, acct(i))
	}
	return out
}

// baseWorld is the world most tests start from: one image per status and
// encryption, images of another owner, one in another region.
func baseWorld(t *testing.T) *world.World {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, `
region: %s
owner: "%s"
credentials: {accessKeyId: %s, accessKeySecret: %s}
accounts: [`, region, owner, akID, akSecret)
	for i, a := range accts(1, 60) {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%q", a)
	}
	fmt.Fprintf(&b, `]
images:
  - {id: m-golden, name: golden, tags: {env: prod, team: web}, sharedWith: ["%[1]s"]}
  - {id: m-staging, tags: {env: staging, team: web}}
  - {id: m-creating, availableAfter: 100s, tags: {env: prod}}
  - {id: m-waiting, status: Waiting}
  - {id: m-unavailable, status: UnAvailable}
  - {id: m-failed, status: CreateFailed}
  - {id: m-deprecated, status: Deprecated}
  - {id: m-cmk, encryption: cmk}
  - {id: m-svckey, encryption: service-key}
  - {id: m-theirs-shared, owner: "%[2]s", sharedWith: ["%[3]s"], tags: {env: prod}}
  - {id: m-theirs-hidden, owner: "%[2]s"}
  - {id: m-beijing, region: cn-beijing}
`, acct(2), stranger, owner)
	w, err := world.Parse("test-world", []byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// env is one emulator behind an httptest server.
type env struct {
	w   *world.World
	svc *ecs.Service
	srv *httptest.Server
	clk *clock.Manual
	inj *fault.Injector
}

// newEnv starts an emulator on baseWorld, changed by edit if given.
func newEnv(t *testing.T, edit func(*world.World)) *env {
	t.Helper()
	w := baseWorld(t)
	if edit != nil {
		edit(w)
	}
	clk := clock.NewManual(w.StartTime)
	inj := fault.New(w)
	stop := make(chan struct{})
	svc := ecs.New(w, clk, inj, stop)
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) }) // runs first: releases hung calls
	return &env{w: w, svc: svc, srv: srv, clk: clk, inj: inj}
}

// client returns a real SDK client for the emulator, as the product builds it.
func (e *env) client(t *testing.T, edit ...func(*ecsclient.Config)) *sdkecs.Client {
	t.Helper()
	cfg := ecsclient.Config{
		Region: region, Endpoint: e.srv.URL,
		AccessKeyID: akID, AccessKeySecret: akSecret,
		Timeout: 10 * time.Second,
	}
	for _, f := range edit {
		f(&cfg)
	}
	c, err := ecsclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// serverError asserts err is the SDK's *errors.ServerError with status and code.
func serverError(t *testing.T, err error, status int, code string) *sdkerrors.ServerError {
	t.Helper()
	var se *sdkerrors.ServerError
	if !errors.As(err, &se) {
		t.Fatalf("want ServerError %d %s, got %T %v", status, code, err, err)
	}
	if se.HttpStatus() != status || se.ErrorCode() != code {
		t.Fatalf("want %d %s, got %d %s: %s", status, code, se.HttpStatus(), se.ErrorCode(), se.Message())
	}
	return se
}

// --- a raw client, written from the documented algorithm, not the server's code ---

// commonParams returns the common parameters of a signed call to action.
func commonParams(action string) url.Values {
	var nonce [16]byte
	_, _ = rand.Read(nonce[:])
	return url.Values{
		"Action":           {action},
		"Version":          {"2014-05-26"},
		"Format":           {"JSON"},
		"RegionId":         {region},
		"AccessKeyId":      {akID},
		"Timestamp":        {time.Now().UTC().Format("2006-01-02T15:04:05Z")},
		"SignatureMethod":  {"HMAC-SHA1"},
		"SignatureVersion": {"1.0"},
		"SignatureNonce":   {hex.EncodeToString(nonce[:])},
	}
}

// sign sets Signature as the documentation describes: sort, percent-encode
// (space %20, * %2A, ~ kept), join, prefix with METHOD&%2F&, HMAC-SHA1 with
// secret + "&", base64.
func sign(method string, p url.Values, secret string) {
	p.Del("Signature")
	canon := p.Encode() // sorted by key, QueryEscape'd
	canon = strings.NewReplacer("+", "%20", "*", "%2A", "%7E", "~").Replace(canon)
	sts := method + "&%2F&" + url.QueryEscape(canon)
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(sts))
	p.Set("Signature", base64.StdEncoding.EncodeToString(mac.Sum(nil)))
}

// rawResult is a raw call's answer.
type rawResult struct {
	status int
	body   []byte
	json   map[string]any
}

// send sends p (already signed) as GET with a query string or as POST with a
// form body.
func (e *env) send(t *testing.T, method string, p url.Values) rawResult {
	t.Helper()
	var req *http.Request
	var err error
	if method == http.MethodGet {
		req, err = http.NewRequest(method, e.srv.URL+"/?"+p.Encode(), nil)
	} else {
		req, err = http.NewRequest(method, e.srv.URL+"/", strings.NewReader(p.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if err != nil {
		t.Fatal(err)
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) rawResult {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := rawResult{status: resp.StatusCode, body: body}
	_ = json.Unmarshal(body, &r.json)
	return r
}

// raw signs p with the right secret and sends it.
func (e *env) raw(t *testing.T, method string, p url.Values) rawResult {
	t.Helper()
	sign(method, p, akSecret)
	return e.send(t, method, p)
}

// wantRawError checks a raw answer is the error code with status, its body
// the service's five string fields.
func wantRawError(t *testing.T, r rawResult, status int, code string) {
	t.Helper()
	if r.status != status || r.json["Code"] != code {
		t.Fatalf("want %d %s, got %d %s", status, code, r.status, r.body)
	}
	for _, k := range []string{"RequestId", "HostId", "Code", "Message", "Recommend"} {
		if _, ok := r.json[k].(string); !ok {
			t.Fatalf("error field %s is not a string: %s", k, r.body)
		}
	}
}
