package rpcv1

import (
	"net/url"
	"slices"
	"testing"
	"time"
)

// FuzzVerify feeds arbitrary query strings to the verifier every emulated
// RPC endpoint shares: it never panics, refuses with one of the common codes,
// and accepts only a call signed with the secret (the fuzzer cannot forge
// one, so an acceptance of a fuzzed Signature fails the test).
func FuzzVerify(f *testing.F) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	signed := map[string]string{
		"Action": "ListAccountsForParent", "Version": "2020-03-31", "AccessKeyId": "AK",
		"SignatureMethod": "HMAC-SHA1", "SignatureVersion": "1.0", "SignatureNonce": "n1",
		"Timestamp": now.Format(TimestampLayout), "ParentFolderId": "fd-appsfolder",
	}
	signed["Signature"] = Sign("GET", signed, "SK")
	v := url.Values{}
	for k, s := range signed {
		v.Set(k, s)
	}
	f.Add(v.Encode())
	f.Add("Action=X&AccessKeyId=AK")
	f.Add("")
	f.Add("%zz=1&a=%")
	codes := []string{"MissingParameter", "InvalidAccessKeyId.NotFound", "InvalidParameter", "InvalidTimeStamp.Format",
		"InvalidTimeStamp.Expired", "SignatureDoesNotMatch", "InvalidSecurityToken.Malformed",
		"InvalidSecurityToken.MismatchWithAccessKey", "SignatureNonceUsed"}
	f.Fuzz(func(t *testing.T, query string) {
		q, err := url.ParseQuery(query)
		if err != nil {
			return
		}
		p := map[string]string{}
		for k, vs := range q {
			p[k] = vs[0]
		}
		seen := map[string]bool{}
		use := func(n string, _, _ time.Time) bool {
			if seen[n] {
				return false
			}
			seen[n] = true
			return true
		}
		e := Verify("GET", p, Credentials{AccessKeyID: "AK", AccessKeySecret: "SK"}, use, now)
		if e == nil {
			if p["Signature"] != Sign("GET", p, "SK") {
				t.Fatalf("accepted an unsigned call: %v", p)
			}
			return
		}
		if !slices.Contains(codes, e.Code) {
			t.Fatalf("code %q is not a common one", e.Code)
		}
	})
}
