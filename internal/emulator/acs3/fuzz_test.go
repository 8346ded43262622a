package acs3_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/imageshare/ecs-image-share/internal/emulator/acs3"
	"github.com/imageshare/ecs-image-share/internal/emulator/nonce"
)

// FuzzVerify feeds untrusted Authorization headers, queries, signed header
// values and bodies to Verify. It must never panic, must answer every
// refusal with a code from Codes, and may accept only what Sign produced
// for the same request.
func FuzzVerify(f *testing.F) {
	good := baseSpec().httpRequest(f)
	acs3.Sign(good, nil, cred)
	f.Add(good.Header.Get("Authorization"), good.URL.RawQuery, "DescribeImages", []byte(nil))
	f.Add("ACS3-HMAC-SHA256 Credential=,SignedHeaders=,Signature=", "a=b&a=c", "", []byte("x"))
	f.Add("ACS3-HMAC-SHA256 Credential=LTAI5tLocalTestKey,SignedHeaders=host;;x,Signature=00", "%zz", "A", []byte{0xff})
	f.Add("ACS3-HMAC-SHA256 ,,,=,==", "", "x", []byte{})
	f.Fuzz(func(t *testing.T, auth, rawQuery, action string, body []byte) {
		s := baseSpec()
		r, err := http.NewRequest(http.MethodPost, "http://"+host+"/", bytes.NewReader(body))
		if err != nil {
			t.Skip()
		}
		r.URL.RawQuery = rawQuery
		for k, v := range s.headers {
			r.Header.Set(k, v)
		}
		r.Header.Set(acs3.HeaderAction, action)
		r.Header.Set(acs3.HeaderContentSHA256, acs3.HashPayload(body))
		r.Header.Set("Authorization", auth)
		_, verr := acs3.Verify(r, body, cred, nonce.New(10).Use, t0)
		if verr != nil {
			if _, ok := acs3.Codes()[verr.Code]; !ok {
				t.Fatalf("undocumented code %q", verr.Code)
			}
			return
		}
		// Accepted: the same request signed by Sign must carry this very header.
		r2 := r.Clone(r.Context())
		acs3.Sign(r2, body, cred)
		if r2.Header.Get("Authorization") != auth {
			t.Fatalf("accepted %q, Sign gives %q", auth, r2.Header.Get("Authorization"))
		}
	})
}
