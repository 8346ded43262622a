package oss

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	sdkcreds "github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/signer"

	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

var (
	fuzzCred = world.Credentials{AccessKeyID: "LTAI5tLocalTestKey", AccessKeySecret: "local-test-secret"}
	fuzzT0   = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
)

// fuzzRequest is the request every fuzz input describes.
func fuzzRequest(method, path, rawQuery, auth, ossDate, date string, body []byte) (*http.Request, bool) {
	r, err := http.NewRequest(method, "http://127.0.0.1:9/", bytes.NewReader(body))
	if err != nil {
		return nil, false
	}
	r.URL.Path, r.URL.RawQuery = path, rawQuery
	r.Header.Set("x-oss-content-sha256", unsignedPayload)
	r.Header.Set("Content-Type", "application/json")
	for name, v := range map[string]string{"Authorization": auth, "x-oss-date": ossDate, "Date": date} {
		if v != "" {
			r.Header.Set(name, v)
		}
	}
	return r, true
}

// sdkSign signs r as the OSS SDK does, at t, for the region given.
func sdkSign(r *http.Request, s signer.Signer, region string, t time.Time) error {
	tg := parseTarget(r)
	return s.Sign(context.Background(), &signer.SigningContext{
		Product: ptr("oss"), Region: ptr(region), Bucket: ptr(tg.bucket), Key: ptr(tg.key),
		Request: r, Time: t,
		Credentials: &sdkcreds.Credentials{AccessKeyID: fuzzCred.AccessKeyID, AccessKeySecret: fuzzCred.AccessKeySecret},
	})
}

func ptr(s string) *string { return &s }

// FuzzVerify feeds untrusted methods, paths, queries, Authorization and
// date headers and bodies to the request parser and signature verifier. It
// must never panic, must answer every refusal with a code from the table,
// and may accept only what the SDK's own signer produces for that request.
func FuzzVerify(f *testing.F) {
	for _, s := range []signer.Signer{&signer.SignerV4{}, &signer.SignerV1{}} {
		r, _ := fuzzRequest(http.MethodPut, "/ledger/attempts/m-1/step 1+é.json", "", "", "", "", []byte("{}"))
		if err := sdkSign(r, s, "cn-hangzhou", fuzzT0); err != nil {
			f.Fatal(err)
		}
		f.Add(r.Method, r.URL.Path, "", r.Header.Get("Authorization"), r.Header.Get("x-oss-date"), r.Header.Get("Date"), []byte("{}"))
	}
	f.Add("GET", "/ledger/k", "acl&x-oss-a=%zz", "OSS4-HMAC-SHA256 Credential=a/b/c/d/e,,Signature=", "20260102T030405Z", "", []byte(nil))
	f.Add("HEAD", "//", "OSSAccessKeyId=x", "OSS :", "", "Fri, 02 Jan 2026 03:04:05 GMT", []byte{0xff})
	f.Add("DELETE", "/ledger/", "a=b&a=c", "OSS4-HMAC-SHA256 Credential=LTAI5tLocalTestKey/20260102/cn-hangzhou/oss/aliyun_v4_request,AdditionalHeaders=host;;x,Signature=00", "20260102T030405Z", "", []byte{})
	f.Add("PUT", "/ledger/k", "", "OSS4-HMAC-SHA256 Credential=LTAI5tLocalTestKey/20990101/cn-hangzhou/oss/aliyun_v4_request,Signature=00", "2026", "x", []byte("x"))

	f.Fuzz(func(t *testing.T, method, path, rawQuery, auth, ossDate, date string, body []byte) {
		r, ok := fuzzRequest(method, path, rawQuery, auth, ossDate, date, body)
		if !ok {
			t.Skip()
		}
		tg := parseTarget(r)
		_ = checkKey(tg.key)
		sig, err := verify(r, tg.bucket, tg.key, body, fuzzCred, fuzzT0)
		if err != nil {
			if _, known := codes[err.code]; !known {
				t.Fatalf("code %q is not in the table", err.code)
			}
			return
		}
		// Accepted: the SDK, signing the same request at the same time,
		// must produce this very header.
		r2 := r.Clone(context.Background())
		var s signer.Signer = &signer.SignerV1{}
		at, perr := time.Parse(http.TimeFormat, date)
		if strings.HasPrefix(auth, schemeV4+" ") {
			s = &signer.SignerV4{}
			at, perr = time.Parse(v4DateTime, ossDate)
		}
		if perr != nil {
			t.Fatalf("accepted a request whose date does not parse: %v", perr)
		}
		if err := sdkSign(r2, s, sig.region, at); err != nil {
			t.Fatal(err)
		}
		if got := r2.Header.Get("Authorization"); got != auth {
			t.Fatalf("accepted %q, the SDK signs %q", auth, got)
		}
	})
}

// TestSDKSignedRequestsVerify: the fuzz seeds the SDK signs are accepted, so
// FuzzVerify's acceptance branch is exercised; a changed byte is refused.
func TestSDKSignedRequestsVerify(t *testing.T) {
	for _, s := range []signer.Signer{&signer.SignerV4{}, &signer.SignerV1{}} {
		r, _ := fuzzRequest(http.MethodPut, "/ledger/attempts/m-1/step 1+é.json", "x-oss-process=a b&acl", "", "", "", []byte("{}"))
		if err := sdkSign(r, s, "cn-hangzhou", fuzzT0); err != nil {
			t.Fatal(err)
		}
		tg := parseTarget(r)
		if _, err := verify(r, tg.bucket, tg.key, []byte("{}"), fuzzCred, fuzzT0); err != nil {
			t.Fatalf("%T: %v", s, err)
		}
		r.Header.Set("Content-Type", "text/plain")
		if _, err := verify(r, tg.bucket, tg.key, []byte("{}"), fuzzCred, fuzzT0); err == nil || err.code != "SignatureDoesNotMatch" {
			t.Fatalf("%T: a changed Content-Type gave %v", s, err)
		}
	}
}
