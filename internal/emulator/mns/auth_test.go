package mns_test

import (
	"encoding/xml"
	"net/http"
	"strings"
	"testing"
	"time"

	ali_mns "github.com/aliyun/aliyun-mns-go-sdk"

	"github.com/imageshare/ecs-image-share/internal/emulator/mns"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// The documented signature example.
func TestSignatureTestVector(t *testing.T) {
	r, err := http.NewRequest("GET", "http://example.invalid/MyQueue", nil)
	if err != nil {
		t.Fatal(err)
	}
	r.RequestURI = "/MyQueue"
	r.Header.Set("Date", "Thu, 09 Jul 2015 03:01:34 GMT")
	r.Header.Set("x-mns-version", "2015-06-06")

	const want = "GET\n\n\nThu, 09 Jul 2015 03:01:34 GMT\nx-mns-version:2015-06-06\n/MyQueue"
	if got := mns.StringToSign(r); got != want {
		t.Fatalf("StringToSign = %q, want %q", got, want)
	}
	if got := mns.Signature("TestAccessSecret", want); got != "uwx3yeWoILzgmvesW0BQSgfM7b8=" {
		t.Fatalf("Signature = %q, want uwx3yeWoILzgmvesW0BQSgfM7b8=", got)
	}
}

func TestStringToSignSortsMNSHeadersAndKeepsQuery(t *testing.T) {
	r, _ := http.NewRequest("DELETE", "http://h/queues/q/messages?ReceiptHandle=a%2Bb", nil)
	r.RequestURI = "/queues/q/messages?ReceiptHandle=a%2Bb"
	r.Header.Set("Content-MD5", "md5")
	r.Header.Set("Content-Type", "application/xml")
	r.Header.Set("Date", "d")
	r.Header.Set("X-Mns-Version", "2015-06-06")
	r.Header.Set("x-mns-marker", "  m  ")
	r.Header.Set("Security-Token", "not signed")
	const want = "DELETE\nmd5\napplication/xml\nd\nx-mns-marker:m\nx-mns-version:2015-06-06\n/queues/q/messages?ReceiptHandle=a%2Bb"
	if got := mns.StringToSign(r); got != want {
		t.Fatalf("StringToSign = %q, want %q", got, want)
	}
}

func TestContentMD5IsBase64OfHex(t *testing.T) {
	// md5("") = d41d8cd98f00b204e9800998ecf8427e; the header is base64 of that text.
	if got, want := mns.ContentMD5(nil), "ZDQxZDhjZDk4ZjAwYjIwNGU5ODAwOTk4ZWNmODQyN2U="; got != want {
		t.Fatalf("ContentMD5(empty) = %q, want %q", got, want)
	}
}

func TestAuthenticationFailures(t *testing.T) {
	e := newEnv(t, nil)
	rfcMD5 := "1B2M2Y8AsgTpgAmY7PhCfg==" // base64 of the raw digest of "": not what MNS uses
	wrongMD5 := docContentMD5("something else")
	tests := []struct {
		name   string
		req    rawRequest
		status int
		code   string
	}{
		{"ok", rawRequest{}, 200, ""},
		{"no Content-MD5 is fine", rawRequest{omit: []string{"Content-MD5"}}, 200, ""},
		{"missing version", rawRequest{omit: []string{"x-mns-version"}}, 400, "MissingVersionHeader"},
		{"wrong version", rawRequest{extra: map[string]string{"x-mns-version": "2014-07-08"}}, 400, "InvalidVersionHeader"},
		{"missing authorization", rawRequest{omit: []string{"Authorization"}}, 400, "MissingAuthorizationHeader"},
		{"malformed authorization", rawRequest{extra: map[string]string{"Authorization": "MQS x:y"}}, 400, "InvalidAuthorizationHeader"},
		{"missing date", rawRequest{omit: []string{"Date"}}, 400, "MissingDateHeader"},
		{"unparseable date", rawRequest{extra: map[string]string{"Date": "yesterday"}}, 400, "InvalidDateHeader"},
		{"stale date", rawRequest{date: time.Now().Add(-16 * time.Minute)}, 408, "TimeExpired"},
		{"future date", rawRequest{date: time.Now().Add(16 * time.Minute)}, 408, "TimeExpired"},
		{"skew within 15 minutes", rawRequest{date: time.Now().Add(-14 * time.Minute)}, 200, ""},
		{"wrong secret", rawRequest{secret: "not-the-secret"}, 403, "SignatureDoesNotMatch"},
		{"wrong Content-MD5", rawRequest{contentMD5: &wrongMD5}, 400, "InvalidDegist"},
		{"RFC 1864 Content-MD5", rawRequest{contentMD5: &rfcMD5}, 400, "InvalidDegist"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			tc.req.method, tc.req.uri = "GET", "/queues/work"
			resp := e.raw(tc.req)
			if resp.status != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.status, tc.status, resp.body)
			}
			if tc.code == "" {
				return
			}
			var er struct {
				XMLName   xml.Name
				Code      string
				RequestID string `xml:"RequestId"`
				HostID    string `xml:"HostId"`
			}
			if err := xml.Unmarshal([]byte(resp.body), &er); err != nil {
				t.Fatalf("error body %q: %v", resp.body, err)
			}
			if er.XMLName.Local != "Error" || er.XMLName.Space != mns.Namespace || er.Code != tc.code {
				t.Fatalf("error %+v, want Code %s in <Error xmlns=%q>", er, tc.code, mns.Namespace)
			}
			if er.RequestID == "" || er.RequestID != resp.header.Get("x-mns-request-id") {
				t.Fatalf("RequestId %q, header %q", er.RequestID, resp.header.Get("x-mns-request-id"))
			}
			if er.HostID != "http://"+realHost {
				t.Fatalf("HostId %q, want http://%s", er.HostID, realHost)
			}
		})
	}

	// Only the successful calls reached the fault injector.
	if got := e.inj.Counts()["GetQueueAttributes"]; got != 3 {
		t.Fatalf("GetQueueAttributes counted %d times, want 3 (unauthenticated calls count nowhere)", got)
	}
}

func TestSDKWithWrongSecret(t *testing.T) {
	e := newEnv(t, nil)
	q := ali_mns.NewMNSQueue("work", e.newClient("wrong", "", 5*time.Second))
	_, err := q.SendMessage(ali_mns.MessageSendRequest{MessageBody: "x", Priority: 8})
	wantCode(t, err, ali_mns.ERR_MNS_SIGNATURE_DOES_NOT_MATCH, "SignatureDoesNotMatch")
	if n := len(e.svc.Messages("work")); n != 0 {
		t.Fatalf("%d messages queued by a rejected call", n)
	}
}

func TestSecurityToken(t *testing.T) {
	e := newEnv(t, func(w *world.World) { w.Credentials.SecurityToken = "sts-token" })
	tests := []struct {
		name, token string
		wantErr     bool
	}{
		{"matching token", "sts-token", false},
		{"missing token", "", true},
		{"wrong token", "other-token", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := ali_mns.NewMNSQueue("work", e.newClient(secret, tc.token, 5*time.Second))
			_, err := q.SendMessage(ali_mns.MessageSendRequest{MessageBody: "x", Priority: 8})
			if !tc.wantErr {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, ali_mns.ERR_MNS_ACCESS_DENIED, "AccessDenied")
			if !strings.Contains(err.Error(), "security token") {
				t.Fatalf("message does not say what is wrong: %v", err)
			}
		})
	}
}
