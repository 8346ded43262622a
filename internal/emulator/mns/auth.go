package mns

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Version is the only API version the service speaks (header x-mns-version).
const Version = "2015-06-06"

// maxClockSkew is how far a request's Date may be from real time.
const maxClockSkew = 15 * time.Minute

// StringToSign builds the documented string to sign for r:
//
//	METHOD\nContent-MD5\nContent-Type\nDate\n<x-mns-* headers>\n<resource>
//
// where every x-mns-* header is "name:value" with the name lowercased and the
// value trimmed, sorted, one per line, and the resource is the request URI
// exactly as sent, query string included.
func StringToSign(r *http.Request) string {
	var mns []string
	for name, values := range r.Header {
		lower := strings.ToLower(name)
		if !strings.HasPrefix(lower, "x-mns-") {
			continue
		}
		trimmed := make([]string, len(values))
		for i, v := range values {
			trimmed[i] = strings.TrimSpace(v)
		}
		mns = append(mns, lower+":"+strings.Join(trimmed, ","))
	}
	sort.Strings(mns)
	return r.Method + "\n" +
		r.Header.Get("Content-MD5") + "\n" +
		r.Header.Get("Content-Type") + "\n" +
		r.Header.Get("Date") + "\n" +
		strings.Join(mns, "\n") + "\n" +
		requestResource(r)
}

// Signature is base64(HMAC-SHA1(secret, stringToSign)).
func Signature(secret, stringToSign string) string {
	h := hmac.New(sha1.New, []byte(secret))
	h.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}

// ContentMD5 is the Content-MD5 value MNS clients send for body: base64 of
// the lowercase hex MD5 digest (not of the raw 16 bytes, as RFC 1864 would).
func ContentMD5(body []byte) string {
	sum := md5.Sum(body)
	return base64.StdEncoding.EncodeToString([]byte(hex.EncodeToString(sum[:])))
}

// requestResource is the request URI as it came on the wire. A proxy-style
// absolute URI is cut down to its path and query, which is what a client
// signs.
func requestResource(r *http.Request) string {
	uri := r.RequestURI
	if uri == "" { // a request built in-process rather than read from a connection
		uri = r.URL.RequestURI()
	}
	if i := strings.Index(uri, "://"); i >= 0 && !strings.HasPrefix(uri, "/") {
		rest := uri[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			return rest[j:]
		}
		return "/"
	}
	return uri
}

// authenticate checks, in this order, the version header, the
// Authorization header, the Date (against the real wall clock, because real
// clients sign with real time whatever the emulated clock says), the key,
// the signature, the security token and Content-MD5. The first failure is
// returned; a request that fails here is answered and counted nowhere.
func (s *Service) authenticate(r *http.Request, body []byte) *apiError {
	switch v := r.Header.Get("x-mns-version"); {
	case v == "":
		return errCode("MissingVersionHeader")
	case v != Version:
		return errCode("InvalidVersionHeader")
	}

	auth := r.Header.Get("Authorization")
	if auth == "" {
		return errCode("MissingAuthorizationHeader")
	}
	keyID, signature, ok := parseAuthorization(auth)
	if !ok {
		return errCode("InvalidAuthorizationHeader")
	}

	date := r.Header.Get("Date")
	if date == "" {
		return errCode("MissingDateHeader")
	}
	t, err := http.ParseTime(date)
	if err != nil {
		return errCode("InvalidDateHeader")
	}
	if skew := time.Since(t); skew > maxClockSkew || skew < -maxClockSkew {
		return errCode("TimeExpired")
	}

	creds := s.creds
	if keyID != creds.AccessKeyID {
		return errCode("InvalidAccessKeyId")
	}
	sts := StringToSign(r)
	if !hmac.Equal([]byte(signature), []byte(Signature(creds.AccessKeySecret, sts))) {
		// The string the service signed helps whoever writes a client.
		return errorf("SignatureDoesNotMatch", "%s StringToSign: %q", codes["SignatureDoesNotMatch"].message, sts)
	}

	if creds.SecurityToken != "" {
		switch tok := r.Header.Get("Security-Token"); {
		case tok == "":
			return errorf("AccessDenied", "The security token is required for these STS credentials.")
		case tok != creds.SecurityToken:
			return errorf("AccessDenied", "The security token you provided is invalid.")
		}
	}

	// Content-MD5 is optional; when sent it must match the body.
	if sent := r.Header.Get("Content-MD5"); sent != "" && sent != ContentMD5(body) {
		return errCode("InvalidDegist")
	}
	return nil
}

// parseAuthorization splits "MNS <AccessKeyId>:<Signature>".
func parseAuthorization(h string) (keyID, signature string, ok bool) {
	rest, found := strings.CutPrefix(h, "MNS ")
	if !found {
		return "", "", false
	}
	keyID, signature, found = strings.Cut(strings.TrimSpace(rest), ":")
	if !found || keyID == "" || signature == "" {
		return "", "", false
	}
	return keyID, signature, true
}
