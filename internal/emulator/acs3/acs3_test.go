package acs3_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	"github.com/alibabacloud-go/tea/dara"

	"github.com/imageshare/ecs-image-share/internal/emulator/acs3"
	"github.com/imageshare/ecs-image-share/internal/emulator/nonce"
)

const (
	host   = "ecs.cn-hangzhou.aliyuncs.com"
	akID   = "LTAI5tLocalTestKey"
	secret = "local-test-secret"
)

var (
	t0   = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	cred = acs3.Credentials{AccessKeyID: akID, AccessKeySecret: secret}
)

// spec is one request as a client would build it.
type spec struct {
	method  string
	query   map[string]string
	headers map[string]string // besides host and the payload hash
	body    string
}

func baseSpec() spec {
	return spec{
		method: http.MethodPost,
		query:  map[string]string{"RegionId": "cn-hangzhou", "ImageId": "m-golden"},
		headers: map[string]string{
			acs3.HeaderAction:  "DescribeImages",
			acs3.HeaderVersion: "2014-05-26",
			acs3.HeaderDate:    t0.Format("2006-01-02T15:04:05Z"),
			acs3.HeaderNonce:   "d410180a5abf7fe235dd9b74aca91fc0",
		},
	}
}

// httpRequest is s as the server receives it, unsigned.
func (s spec) httpRequest(t testing.TB) *http.Request {
	t.Helper()
	q := url.Values{}
	for k, v := range s.query {
		q.Set(k, v)
	}
	r, err := http.NewRequest(s.method, "http://"+host+"/?"+q.Encode(), strings.NewReader(s.body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range s.headers {
		r.Header.Set(k, v)
	}
	return r
}

// TestSignAgreesWithTheSDK checks the canonical request against the signer
// the SDKs run (darabonba-openapi's GetAuthorization), an implementation that
// is not ours, on the inputs where encodings differ: spaces, *, ~, +, /,
// non-ASCII, empty values, a form body with its content type, STS headers.
func TestSignAgreesWithTheSDK(t *testing.T) {
	tests := []struct {
		name string
		edit func(*spec)
	}{
		{"ECS call, empty body", func(*spec) {}},
		{"GET", func(s *spec) { s.method = http.MethodGet }},
		{"values to encode", func(s *spec) {
			s.query["Tag.1.Value"] = "a b*c~d+e/f=g&h"
			s.query["ImageName"] = "éà 中文"
			s.query["Empty"] = ""
		}},
		{"form body", func(s *spec) {
			s.body = "AddAccount.1=2000000000000001&Note=a+b%2A"
			s.headers["content-type"] = "application/x-www-form-urlencoded"
		}},
		{"STS", func(s *spec) {
			s.headers["x-acs-accesskey-id"] = akID
			s.headers[acs3.HeaderSecurityToken] = "sts/token+value=="
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := baseSpec()
			tt.edit(&s)
			r := s.httpRequest(t)
			acs3.Sign(r, []byte(s.body), cred)

			sdk := dara.NewRequest()
			sdk.Method = dara.String(s.method)
			sdk.Pathname = dara.String("/")
			sdk.Query = map[string]*string{}
			for k, v := range s.query {
				sdk.Query[k] = dara.String(v)
			}
			sdk.Headers = map[string]*string{"host": dara.String(host),
				acs3.HeaderContentSHA256: dara.String(acs3.HashPayload([]byte(s.body)))}
			for k, v := range s.headers {
				sdk.Headers[k] = dara.String(v)
			}
			want := dara.StringValue(openapiutil.GetAuthorization(sdk, dara.String(acs3.Algorithm),
				dara.String(acs3.HashPayload([]byte(s.body))), dara.String(akID), dara.String(secret)))
			if got := r.Header.Get("Authorization"); got != want {
				t.Fatalf("Authorization\n got %s\nwant %s", got, want)
			}
			server := cred
			server.SecurityToken = s.headers[acs3.HeaderSecurityToken]
			if _, err := acs3.Verify(r, []byte(s.body), server, nonce.New(10).Use, t0); err != nil {
				t.Fatalf("the SDK-equal request is refused: %v", err)
			}
		})
	}
}

// TestHashPayloadOfEmptyBody is the documented hash of an empty body.
func TestHashPayloadOfEmptyBody(t *testing.T) {
	if got := acs3.HashPayload(nil); got != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("got %s", got)
	}
}

// TestCanonicalQuery: sorted by name, RFC 3986 encoding, empty values kept.
func TestCanonicalQuery(t *testing.T) {
	q := url.Values{"b": {"x y"}, "A": {"*~"}, "a": {""}, "c": {"2", "1"}}
	if got, want := acs3.CanonicalQuery(q), "A=%2A~&a=&b=x%20y&c=1&c=2"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestVerify(t *testing.T) {
	type tc struct {
		name string
		edit func(*spec)                // before signing
		post func(*http.Request) []byte // after signing; returns the body the server reads (nil: unchanged)
		cred *acs3.Credentials          // the server's, when not cred
		now  time.Time                  // when not t0
		code string                     // "" for accepted
		in   string                     // a substring of the message
	}
	sts := acs3.Credentials{AccessKeyID: akID, AccessKeySecret: secret, SecurityToken: "sts-token"}
	setAuth := func(v string) func(*http.Request) []byte {
		return func(r *http.Request) []byte { r.Header.Set("Authorization", v); return nil }
	}
	replaceAuth := func(old, new string) func(*http.Request) []byte {
		return func(r *http.Request) []byte {
			r.Header.Set("Authorization", strings.Replace(r.Header.Get("Authorization"), old, new, 1))
			return nil
		}
	}
	tests := []tc{
		{name: "accepted"},
		{name: "accepted at the edge of the window", now: t0.Add(acs3.Window)},
		{name: "accepted from the future edge", now: t0.Add(-acs3.Window)},
		{name: "form body", edit: func(s *spec) {
			s.body = "ImageId=m-1"
			s.headers["content-type"] = "application/x-www-form-urlencoded"
		}},
		{name: "no Authorization", post: func(r *http.Request) []byte { r.Header.Del("Authorization"); return nil }, code: "MissingParameter", in: "Authorization"},
		{name: "SM3 algorithm", post: replaceAuth(acs3.Algorithm, "ACS3-HMAC-SM3"), code: "IncompleteSignature", in: "ACS3-HMAC-SM3"},
		{name: "no fields", post: setAuth(acs3.Algorithm), code: "IncompleteSignature"},
		{name: "field without =", post: replaceAuth("Credential=", "Credential"), code: "IncompleteSignature"},
		{name: "unknown field", post: replaceAuth(",Signature=", ",Foo=1,Signature="), code: "IncompleteSignature", in: "Foo"},
		{name: "field twice", post: replaceAuth(",Signature=", ",Credential="+akID+",Signature="), code: "IncompleteSignature"},
		{name: "no Signature", post: func(r *http.Request) []byte {
			a := r.Header.Get("Authorization")
			r.Header.Set("Authorization", a[:strings.Index(a, ",Signature=")])
			return nil
		}, code: "IncompleteSignature", in: "Signature"},
		{name: "unknown AccessKey", post: replaceAuth("Credential="+akID, "Credential=LTAI-other"), code: "InvalidAccessKeyId.NotFound"},
		{name: "signed headers unsorted", post: replaceAuth("host;x-acs-action", "x-acs-action;host"), code: "IncompleteSignature", in: "sorted"},
		{name: "signed header upper-case", post: replaceAuth("x-acs-action", "X-Acs-Action"), code: "IncompleteSignature", in: "lower-case"},
		{name: "host not signed", post: replaceAuth("host;", ""), code: "IncompleteSignature", in: "host"},
		{name: "x-acs header not signed", post: func(r *http.Request) []byte { r.Header.Set("x-acs-extra", "1"); return nil },
			code: "IncompleteSignature", in: "x-acs-extra"},
		{name: "signed header not sent", post: replaceAuth("host;", "host;user-agent;"), code: "IncompleteSignature", in: "user-agent"},
		{name: "malformed date", edit: func(s *spec) { s.headers[acs3.HeaderDate] = t0.Format(time.RFC1123) }, code: "InvalidTimeStamp.Format"},
		{name: "stale date", now: t0.Add(acs3.Window + time.Second), code: "InvalidTimeStamp.Expired"},
		{name: "future date", now: t0.Add(-acs3.Window - time.Second), code: "InvalidTimeStamp.Expired"},
		{name: "body changed after signing", edit: func(s *spec) { s.body = "ImageId=m-1" },
			post: func(*http.Request) []byte { return []byte("ImageId=m-2") }, code: "InvalidParameter", in: acs3.HeaderContentSHA256},
		{name: "upper-case payload hash", post: func(r *http.Request) []byte {
			r.Header.Set(acs3.HeaderContentSHA256, strings.ToUpper(r.Header.Get(acs3.HeaderContentSHA256)))
			return nil
		}, code: "InvalidParameter", in: acs3.HeaderContentSHA256},
		{name: "wrong secret", cred: &acs3.Credentials{AccessKeyID: akID, AccessKeySecret: "other"}, code: "SignatureDoesNotMatch", in: acs3.StringToSignMarker + acs3.Algorithm + "\n"},
		{name: "query changed after signing", post: func(r *http.Request) []byte { r.URL.RawQuery += "&ImageId=m-other"; return nil }, code: "SignatureDoesNotMatch"},
		{name: "method changed after signing", post: func(r *http.Request) []byte { r.Method = http.MethodGet; return nil }, code: "SignatureDoesNotMatch"},
		{name: "signed header changed", post: func(r *http.Request) []byte { r.Header.Set(acs3.HeaderAction, "DeleteImage"); return nil }, code: "SignatureDoesNotMatch"},
		{name: "host changed", post: func(r *http.Request) []byte { r.Host = "evil.example"; return nil }, code: "SignatureDoesNotMatch"},
		{name: "STS token right", edit: func(s *spec) { s.headers[acs3.HeaderSecurityToken] = "sts-token" }, cred: &sts},
		{name: "STS token missing", cred: &sts, code: "InvalidSecurityToken.Malformed"},
		{name: "STS token other", edit: func(s *spec) { s.headers[acs3.HeaderSecurityToken] = "other" }, cred: &sts, code: "InvalidSecurityToken.MismatchWithAccessKey"},
		{name: "STS token unexpected", edit: func(s *spec) { s.headers[acs3.HeaderSecurityToken] = "sts-token" }, code: "InvalidSecurityToken.MismatchWithAccessKey"},
	}
	for _, h := range []string{acs3.HeaderAction, acs3.HeaderVersion, acs3.HeaderDate, acs3.HeaderNonce, acs3.HeaderContentSHA256} {
		tests = append(tests, tc{name: "missing " + h, post: func(r *http.Request) []byte { r.Header.Del(h); return nil }, code: "MissingParameter", in: h})
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := baseSpec()
			if tt.edit != nil {
				tt.edit(&s)
			}
			r := s.httpRequest(t)
			acs3.Sign(r, []byte(s.body), cred)
			body := []byte(s.body)
			if tt.post != nil {
				if b := tt.post(r); b != nil {
					body = b
				}
			}
			server := cred
			if tt.cred != nil {
				server = *tt.cred
			}
			now := t0
			if !tt.now.IsZero() {
				now = tt.now
			}
			call, err := acs3.Verify(r, body, server, nonce.New(10).Use, now)
			if tt.code == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if call.Action != "DescribeImages" || call.Version != "2014-05-26" {
					t.Errorf("call %+v", call)
				}
				return
			}
			if err == nil {
				t.Fatalf("accepted, want %s", tt.code)
			}
			if err.Code != tt.code || err.Status != http.StatusBadRequest || !strings.Contains(err.Message, tt.in) {
				t.Fatalf("got %v, want %s (400) naming %q", err, tt.code, tt.in)
			}
		})
	}
}

// TestSignatureDoesNotMatchCarriesTheStringToSign: the message ends with the
// server's string to sign, which a client compares with its own to tell a
// wrong secret from a signing bug.
func TestSignatureDoesNotMatchCarriesTheStringToSign(t *testing.T) {
	r := baseSpec().httpRequest(t)
	acs3.Sign(r, nil, acs3.Credentials{AccessKeyID: akID, AccessKeySecret: "wrong"})
	_, err := acs3.Verify(r, nil, cred, nonce.New(10).Use, t0)
	if err == nil || err.Code != "SignatureDoesNotMatch" {
		t.Fatalf("got %v", err)
	}
	signed := strings.Split(strings.SplitN(r.Header.Get("Authorization"), "SignedHeaders=", 2)[1], ",")[0]
	want := acs3.StringToSign(acs3.CanonicalRequest(r, strings.Split(signed, ";"), acs3.HashPayload(nil)))
	_, got, _ := strings.Cut(err.Message, acs3.StringToSignMarker)
	if got != want {
		t.Errorf("server string to sign %q, client's %q", got, want)
	}
}

// TestReplayedNonce: the second use of a nonce within the window is refused,
// whatever else changes; a refused request does not burn its nonce.
func TestReplayedNonce(t *testing.T) {
	store := nonce.New(10)
	send := func(secret string, now time.Time) *acs3.Error {
		r := baseSpec().httpRequest(t)
		acs3.Sign(r, nil, acs3.Credentials{AccessKeyID: akID, AccessKeySecret: secret})
		_, err := acs3.Verify(r, nil, cred, store.Use, now)
		return err
	}
	if err := send("wrong", t0); err == nil || err.Code != "SignatureDoesNotMatch" {
		t.Fatalf("wrong secret: %v", err)
	}
	if err := send(secret, t0); err != nil {
		t.Fatalf("first use after a refused one: %v", err)
	}
	if err := send(secret, t0.Add(time.Minute)); err == nil || err.Code != "SignatureNonceUsed" {
		t.Fatalf("replay: %v", err)
	}
}

// TestCodesAre400: every refusal is a client error the SDKs do not retry.
func TestCodesAre400(t *testing.T) {
	for code, status := range acs3.Codes() {
		if status != http.StatusBadRequest {
			t.Errorf("%s: %d", code, status)
		}
	}
}
