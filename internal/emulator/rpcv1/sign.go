package rpcv1

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"slices"
	"strings"
)

// PercentEncode encodes s as both RPC signatures require (RFC 3986; the V1
// string to sign here, the V3 canonical request in package acs3): every
// byte except A-Z a-z 0-9 - _ . ~ becomes %XX with upper-case hex, so a
// space is %20 (never +) and * is %2A.
func PercentEncode(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' ||
			c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// stringToSign builds the RPC string to sign from the request's actual
// method and every parameter but Signature, empty ones included (the SDK
// signs SignatureType= with an empty value):
//
//	METHOD&%2F&PercentEncode(k1=v1&k2=v2...)   keys sorted, each k and v percent-encoded
func stringToSign(method string, p map[string]string) string {
	keys := make([]string, 0, len(p))
	for k := range p {
		if k != "Signature" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	pairs := make([]string, len(keys))
	for i, k := range keys {
		pairs[i] = PercentEncode(k) + "=" + PercentEncode(p[k])
	}
	return method + "&" + PercentEncode("/") + "&" + PercentEncode(strings.Join(pairs, "&"))
}

// signature is base64(HMAC-SHA1(secret + "&", stringToSign)).
func signature(stringToSign, secret string) string {
	mac := hmac.New(sha1.New, []byte(secret+"&"))
	mac.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

// signatureMatches compares in constant time, as a signature check should.
func signatureMatches(got, want string) bool {
	return hmac.Equal([]byte(got), []byte(want))
}
