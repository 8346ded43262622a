package mns_test

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
	"time"

	ali_mns "github.com/aliyun/aliyun-mns-go-sdk"
	gerrors "github.com/gogap/errors"

	"github.com/imageshare/ecs-image-share/internal/clock"
	"github.com/imageshare/ecs-image-share/internal/emulator/fault"
	"github.com/imageshare/ecs-image-share/internal/emulator/mns"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/internal/mnsclient"
)

const (
	account = "1000000000000001"
	region  = "cn-hangzhou"
	keyID   = "LTAI5tLocalTestKey"
	secret  = "local-test-secret"
	// realHost is what clients put in Host: the emulator must not care.
	realHost = account + ".mns." + region + ".aliyuncs.com"
)

const testWorld = `
region: cn-hangzhou
owner: "1000000000000001"
credentials: {accessKeyId: LTAI5tLocalTestKey, accessKeySecret: local-test-secret}
queues:
  - work
  - {name: small, maximumMessageSize: 1024}
  - {name: delayed, delaySeconds: 60}
  - outcomes
topics:
  - {name: outcomes, subscribers: [outcomes]}
  - lonely
`

// env is one emulator behind an httptest server, on a manual clock.
type env struct {
	t      *testing.T
	world  *world.World
	svc    *mns.Service
	clk    *clock.Manual
	inj    *fault.Injector
	srv    *httptest.Server
	client ali_mns.MNSClient
}

// newEnv starts an emulator for testWorld, after edit (if any) changes the
// parsed world, and an SDK client built by mnsclient for it.
func newEnv(t *testing.T, edit func(*world.World)) *env {
	t.Helper()
	w, err := world.Parse("test", []byte(testWorld))
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(w)
	}
	clk := clock.NewManual(w.StartTime)
	inj := fault.New(w)
	stop := make(chan struct{})
	svc := mns.New(w, clk, inj, stop)
	srv := httptest.NewServer(svc)
	t.Cleanup(srv.Close)
	// Cleanups run last-in first-out: held requests are released before the
	// server waits for them.
	t.Cleanup(func() { close(stop) })
	e := &env{t: t, world: w, svc: svc, clk: clk, inj: inj, srv: srv}
	e.client = e.newClient(secret, w.Credentials.SecurityToken, 10*time.Second)
	return e
}

func (e *env) newClient(sec, token string, timeout time.Duration) ali_mns.MNSClient {
	e.t.Helper()
	c, err := mnsclient.New(mnsclient.Config{
		Endpoint:        e.srv.URL,
		AccountID:       account,
		Region:          region,
		AccessKeyID:     keyID,
		AccessKeySecret: sec,
		SecurityToken:   token,
		Timeout:         timeout,
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return c
}

func (e *env) queue(name string) ali_mns.AliMNSQueue { return ali_mns.NewMNSQueue(name, e.client) }

// receive calls the SDK's channel-based ReceiveMessage synchronously.
func receive(q ali_mns.AliMNSQueue, wait int64) (ali_mns.MessageReceiveResponse, error) {
	resps, errs := make(chan ali_mns.MessageReceiveResponse, 1), make(chan error, 1)
	if wait > 0 {
		q.ReceiveMessage(resps, errs, wait)
	} else {
		q.ReceiveMessage(resps, errs)
	}
	select {
	case r := <-resps:
		return r, nil
	case err := <-errs:
		return ali_mns.MessageReceiveResponse{}, err
	}
}

func batchReceive(q ali_mns.AliMNSQueue, n int32, wait int64) (ali_mns.BatchMessageReceiveResponse, error) {
	resps, errs := make(chan ali_mns.BatchMessageReceiveResponse, 1), make(chan error, 1)
	if wait > 0 {
		q.BatchReceiveMessage(resps, errs, n, wait)
	} else {
		q.BatchReceiveMessage(resps, errs, n)
	}
	select {
	case r := <-resps:
		return r, nil
	case err := <-errs:
		return ali_mns.BatchMessageReceiveResponse{}, err
	}
}

func peek(q ali_mns.AliMNSQueue) (ali_mns.MessageReceiveResponse, error) {
	resps, errs := make(chan ali_mns.MessageReceiveResponse, 1), make(chan error, 1)
	q.PeekMessage(resps, errs)
	select {
	case r := <-resps:
		return r, nil
	case err := <-errs:
		return ali_mns.MessageReceiveResponse{}, err
	}
}

func send(t *testing.T, q ali_mns.AliMNSQueue, body string) ali_mns.MessageSendResponse {
	t.Helper()
	resp, err := q.SendMessage(ali_mns.MessageSendRequest{MessageBody: body, Priority: 8})
	if err != nil {
		t.Fatalf("SendMessage(%q): %v", body, err)
	}
	return resp
}

// wantCode fails unless err is the SDK error for the service code.
func wantCode(t *testing.T, err error, tmpl gerrors.ErrCodeTemplate, code string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %s", code)
	}
	if !tmpl.IsEqual(err) || !strings.Contains(err.Error(), "code: "+code) {
		t.Fatalf("got %v, want %s", err, code)
	}
}

// The raw client below signs requests per the documentation with no code
// from the emulator, standing in for a client written in another language.

type rawResponse struct {
	status int
	header http.Header
	body   string
}

// rawRequest is a request before signing; zero fields take the usual values.
type rawRequest struct {
	method, uri, body string
	secret            string    // default: secret
	date              time.Time // default: now
	contentMD5        *string   // default: the documented value for body
	omit              []string  // headers to leave out
	extra             map[string]string
}

func docContentMD5(body string) string {
	sum := md5.Sum([]byte(body))
	return base64.StdEncoding.EncodeToString([]byte(hex.EncodeToString(sum[:])))
}

// docSign is the documented signature, written independently of the emulator.
func docSign(sec, method, contentMD5, contentType, date string, headers map[string]string, resource string) string {
	var mns []string
	for k, v := range headers {
		if k = strings.ToLower(k); strings.HasPrefix(k, "x-mns-") {
			mns = append(mns, k+":"+strings.TrimSpace(v))
		}
	}
	sort.Strings(mns)
	var b strings.Builder
	for _, h := range mns {
		b.WriteString(h + "\n")
	}
	s := method + "\n" + contentMD5 + "\n" + contentType + "\n" + date + "\n" + b.String() + resource
	mac := hmac.New(sha1.New, []byte(sec))
	mac.Write([]byte(s))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func (e *env) raw(rr rawRequest) rawResponse {
	e.t.Helper()
	if rr.secret == "" {
		rr.secret = secret
	}
	if rr.date.IsZero() {
		rr.date = time.Now()
	}
	headers := map[string]string{
		"x-mns-version": mns.Version,
		"Content-Type":  "text/xml;charset=utf-8",
		"Date":          rr.date.UTC().Format(http.TimeFormat),
		"Content-MD5":   docContentMD5(rr.body),
	}
	if rr.contentMD5 != nil {
		headers["Content-MD5"] = *rr.contentMD5
	}
	for k, v := range rr.extra {
		headers[k] = v
	}
	for _, k := range rr.omit {
		delete(headers, k)
	}
	sig := docSign(rr.secret, rr.method, headers["Content-MD5"], headers["Content-Type"], headers["Date"], headers, rr.uri)
	req, err := http.NewRequest(rr.method, e.srv.URL+rr.uri, bytes.NewBufferString(rr.body))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Host = realHost
	for k, v := range headers {
		req.Header.Set(k, v)
	}
	if _, set := rr.extra["Authorization"]; !set && !contains(rr.omit, "Authorization") {
		req.Header.Set("Authorization", "MNS "+keyID+":"+sig)
	}
	resp, err := e.srv.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return rawResponse{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func containsCode(body, code string) bool {
	return strings.Contains(body, "<Code>"+code+"</Code>")
}
