// Package acs3 verifies Alibaba Cloud's signature method V3
// (ACS3-HMAC-SHA256), the one every current Alibaba Cloud SDK sends by
// default, for any emulated endpoint: RPC (ECS) and, by the same function,
// any other product the emulator serves.
//
// The reference is "Request syntax and signature method V3"
// (https://www.alibabacloud.com/help/en/sdk/product-overview/v3-request-structure-and-signature,
// its Chinese edition https://help.aliyun.com/document_detail/2593177.html),
// and the signer the SDKs run, darabonba-openapi v2 (utils.GetAuthorization,
// getCanonicalQueryString, getCanonicalHeaders, v2.1.14 as pulled by
// github.com/alibabacloud-go/ecs-20140526/v7 v7.7.0):
//
//	CanonicalRequest = METHOD \n CanonicalURI \n CanonicalQueryString \n
//	                   CanonicalHeaders \n SignedHeaders \n HashedRequestPayload
//	StringToSign     = "ACS3-HMAC-SHA256" \n hex(sha256(CanonicalRequest))
//	Signature        = hex(HMAC-SHA256(AccessKeySecret, StringToSign))
//	Authorization: ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<h1;h2>,Signature=<hex>
//
// where CanonicalHeaders is one "name:value\n" line per signed header (so the
// request has an empty line before SignedHeaders), names lower-case and
// sorted, values trimmed; HashedRequestPayload is hex(sha256(body)), the
// empty body included; the query keeps every parameter, sorted by name, each
// name and value percent-encoded (RFC 3986: space %20, * %2A, ~ kept).
//
// The checks, in the order a client learns most from them, are those of the
// RPC V1 verifier (package rpcv1): the Authorization header's form, the common headers, the
// AccessKey, the date's form and 15-minute window, the body hash, the
// signature, the STS token, then nonce reuse. Verify is one function taking
// the request, the credentials and a nonce store so every emulated endpoint
// calls the same code.
package acs3

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/imageshare/ecs-image-share/internal/emulator/rpcv1"
)

// Algorithm is the only signature algorithm the emulator verifies. The SDKs
// also offer ACS3-HMAC-SM3 and ACS3-RSA-SHA256; neither is the default.
const Algorithm = "ACS3-HMAC-SHA256"

// Window is how far x-acs-date may be from the real clock, either way.
const Window = 15 * time.Minute

// dateLayout is the x-acs-date form: ISO 8601, UTC, seconds.
const dateLayout = "2006-01-02T15:04:05Z"

// The common request headers of V3.
const (
	HeaderAction        = "x-acs-action"
	HeaderVersion       = "x-acs-version"
	HeaderDate          = "x-acs-date"
	HeaderNonce         = "x-acs-signature-nonce"
	HeaderContentSHA256 = "x-acs-content-sha256"
	HeaderSecurityToken = "x-acs-security-token"
)

// Credentials are what the endpoint accepts: one AccessKey pair, and the
// STS token when the world is set up with one.
type Credentials struct {
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string
}

// UseNonce records a nonce as used until expires and reports whether it was
// fresh: the same hook as rpcv1.UseNonce (nonce.Cache's Use method is one),
// so an endpoint hands both verifiers one store and a nonce replayed under
// the other scheme is refused too.
type UseNonce func(nonce string, expires, now time.Time) bool

// Call is what a verified request asks for.
type Call struct {
	Action  string // x-acs-action
	Version string // x-acs-version
}

// Error is a refusal in the service's terms: a documented error code, its
// HTTP status, and a message for the caller. Every code Verify returns is
// 400 (see Codes).
type Error struct {
	Code    string
	Status  int
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s (%d): %s", e.Code, e.Status, e.Message) }

// Codes are the error codes Verify may return, each with its HTTP status, so
// an endpoint can check its own code table agrees.
func Codes() map[string]int {
	return map[string]int{
		"IncompleteSignature":                        http.StatusBadRequest,
		"MissingParameter":                           http.StatusBadRequest,
		"InvalidAccessKeyId.NotFound":                http.StatusBadRequest,
		"InvalidTimeStamp.Format":                    http.StatusBadRequest,
		"InvalidTimeStamp.Expired":                   http.StatusBadRequest,
		"InvalidParameter":                           http.StatusBadRequest,
		"SignatureDoesNotMatch":                      http.StatusBadRequest,
		"InvalidSecurityToken.Malformed":             http.StatusBadRequest,
		"InvalidSecurityToken.MismatchWithAccessKey": http.StatusBadRequest,
		"SignatureNonceUsed":                         http.StatusBadRequest,
	}
}

func fail(code, format string, a ...any) *Error {
	return &Error{Code: code, Status: Codes()[code], Message: fmt.Sprintf(format, a...)}
}

// StringToSignMarker precedes the server's string to sign in a
// SignatureDoesNotMatch message, as the service words it for V1 and as the
// SDKs look for it (alibaba-cloud-sdk-go's SignatureDostNotMatchWrapper,
// aliyun-python-sdk-core's client).
const StringToSignMarker = "server string to sign is:"

// Is reports whether r is signed with V3: its Authorization header names an
// ACS3 algorithm. (x-acs-action alone does not tell: the V1 Go SDK sends it
// beside its signed Action parameter. An endpoint may also treat a request
// with x-acs-action and no V1 Signature parameter as V3, so that an unsigned
// one is told its Authorization is missing.)
func Is(r *http.Request) bool {
	return strings.HasPrefix(r.Header.Get("Authorization"), "ACS3-")
}

// authorization is the parsed Authorization header.
type authorization struct {
	accessKeyID   string
	signedHeaders []string
	signature     string
}

// parseAuthorization reads "ACS3-HMAC-SHA256 Credential=..,SignedHeaders=..,Signature=..".
func parseAuthorization(h string) (authorization, *Error) {
	var a authorization
	if h == "" {
		return a, fail("MissingParameter", "The Authorization header that is mandatory for processing the request is not supplied.")
	}
	alg, rest, _ := strings.Cut(h, " ")
	if alg != Algorithm {
		return a, fail("IncompleteSignature", "The request signature does not conform to Aliyun standards. Signature algorithm %q is not supported here; use %s.", alg, Algorithm)
	}
	seen := map[string]bool{}
	for part := range strings.SplitSeq(rest, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok || seen[k] {
			return a, fail("IncompleteSignature", "The request signature does not conform to Aliyun standards. The Authorization header is malformed near %q.", part)
		}
		seen[k] = true
		switch k {
		case "Credential":
			a.accessKeyID = v
		case "SignedHeaders":
			if v != "" {
				a.signedHeaders = strings.Split(v, ";")
			}
		case "Signature":
			a.signature = v
		default:
			return a, fail("IncompleteSignature", "The request signature does not conform to Aliyun standards. The Authorization header has an unknown field %q.", k)
		}
	}
	for _, k := range []string{"Credential", "SignedHeaders", "Signature"} {
		if !seen[k] {
			return a, fail("IncompleteSignature", "The request signature does not conform to Aliyun standards. The Authorization header has no %s.", k)
		}
	}
	return a, nil
}

// checkSignedHeaders enforces the documented rules: names lower-case, sorted,
// each once, each present in the request; host and every x-acs-* header the
// request carries signed ("every common request header but Authorization,
// when present, must be signed").
func checkSignedHeaders(r *http.Request, signed []string) *Error {
	bad := func(why string, a ...any) *Error {
		return fail("IncompleteSignature", "The request signature does not conform to Aliyun standards. SignedHeaders: "+why, a...)
	}
	for i, h := range signed {
		if h != strings.ToLower(h) || h == "" {
			return bad("%q is not a lower-case header name.", h)
		}
		if i > 0 && signed[i-1] >= h {
			return bad("names must be sorted and given once (%q after %q).", h, signed[i-1])
		}
		if h != "host" && len(r.Header.Values(h)) == 0 {
			return bad("%q is signed but not sent.", h)
		}
	}
	if !slices.Contains(signed, "host") {
		return bad("host must be signed.")
	}
	for name := range r.Header {
		if l := strings.ToLower(name); strings.HasPrefix(l, "x-acs-") && !slices.Contains(signed, l) {
			return bad("%q is sent but not signed.", l)
		}
	}
	return nil
}

// Verify checks that r, whose body has already been read into body, is a V3
// request signed with cred, fresh at now (the real clock: clients sign with
// real time) and not a replay per useNonce. It returns the action and version
// the request asks for, or the refusal to answer.
func Verify(r *http.Request, body []byte, cred Credentials, useNonce UseNonce, now time.Time) (Call, *Error) {
	auth, err := parseAuthorization(r.Header.Get("Authorization"))
	if err != nil {
		return Call{}, err
	}
	for _, h := range []string{HeaderAction, HeaderVersion, HeaderDate, HeaderNonce, HeaderContentSHA256} {
		if r.Header.Get(h) == "" {
			return Call{}, fail("MissingParameter", "The request header %s that is mandatory for processing the request is not supplied.", h)
		}
	}
	if auth.accessKeyID != cred.AccessKeyID {
		return Call{}, fail("InvalidAccessKeyId.NotFound", "Specified access key is not found.")
	}
	if err := checkSignedHeaders(r, auth.signedHeaders); err != nil {
		return Call{}, err
	}
	date, perr := time.Parse(dateLayout, r.Header.Get(HeaderDate))
	if perr != nil {
		return Call{}, fail("InvalidTimeStamp.Format", "Specified time stamp or date value is not well formatted: %s must look like 2006-01-02T15:04:05Z (UTC).", HeaderDate)
	}
	if date.Before(now.Add(-Window)) || date.After(now.Add(Window)) {
		return Call{}, fail("InvalidTimeStamp.Expired", "Specified time stamp or date value is expired: %s is more than 15 minutes from the server's time.", HeaderDate)
	}
	payload := HashPayload(body)
	if got := r.Header.Get(HeaderContentSHA256); got != payload {
		return Call{}, fail("InvalidParameter", "The specified parameter %q is not valid. It must be the lower-case hex SHA-256 of the request body, %s.", HeaderContentSHA256, payload)
	}
	sts := StringToSign(CanonicalRequest(r, auth.signedHeaders, payload))
	if !hmac.Equal([]byte(auth.signature), []byte(Signature(sts, cred.AccessKeySecret))) {
		return Call{}, fail("SignatureDoesNotMatch", "Specified signature is not matched with our calculation. "+StringToSignMarker+"%s", sts)
	}
	switch token := r.Header.Get(HeaderSecurityToken); {
	case cred.SecurityToken != "" && token == "":
		return Call{}, fail("InvalidSecurityToken.Malformed", "Specified SecurityToken is malformed or missing.")
	case token != cred.SecurityToken:
		return Call{}, fail("InvalidSecurityToken.MismatchWithAccessKey", "Specified SecurityToken mismatch with the AccessKey.")
	}
	if !useNonce(r.Header.Get(HeaderNonce), date.Add(Window), now) {
		return Call{}, fail("SignatureNonceUsed", "Specified signature nonce was used already.")
	}
	return Call{Action: r.Header.Get(HeaderAction), Version: r.Header.Get(HeaderVersion)}, nil
}

// HashPayload is HashedRequestPayload: hex(sha256(body)), lower-case.
func HashPayload(body []byte) string {
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:])
}

// CanonicalRequest builds the canonical request of r as received, over the
// signed header names (lower-case, sorted) and the payload hash.
func CanonicalRequest(r *http.Request, signed []string, hashedPayload string) string {
	var b strings.Builder
	b.WriteString(r.Method)
	b.WriteByte('\n')
	b.WriteString(canonicalURI(r.URL.Path))
	b.WriteByte('\n')
	b.WriteString(CanonicalQuery(r.URL.Query()))
	b.WriteByte('\n')
	for _, h := range signed {
		b.WriteString(h)
		b.WriteByte(':')
		b.WriteString(headerValue(r, h))
		b.WriteByte('\n')
	}
	b.WriteByte('\n')
	b.WriteString(strings.Join(signed, ";"))
	b.WriteByte('\n')
	b.WriteString(hashedPayload)
	return b.String()
}

// headerValue is a signed header's canonical value: each value trimmed, in
// sorted order, joined by commas (as the SDK does for a repeated header).
// Go keeps Host out of the header map, in r.Host.
func headerValue(r *http.Request, name string) string {
	if name == "host" {
		return strings.TrimSpace(r.Host)
	}
	vals := slices.Clone(r.Header.Values(name))
	for i, v := range vals {
		vals[i] = strings.TrimSpace(v)
	}
	slices.Sort(vals)
	return strings.Join(vals, ",")
}

// canonicalURI percent-encodes each segment of the decoded path, keeping the
// slashes; an empty path is "/".
func canonicalURI(path string) string {
	if path == "" {
		return "/"
	}
	segs := strings.Split(path, "/")
	for i, s := range segs {
		segs[i] = rpcv1.PercentEncode(s)
	}
	return strings.Join(segs, "/")
}

// CanonicalQuery sorts the parameters by name (byte order), then by value for
// a repeated name, and joins name=value pairs with &, each percent-encoded.
// An empty value keeps its "name=". The SDK leaves names unencoded; every
// name an API defines is made of unreserved characters, where both agree.
func CanonicalQuery(q url.Values) string {
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var pairs []string
	for _, k := range keys {
		vals := slices.Clone(q[k])
		slices.Sort(vals)
		for _, v := range vals {
			pairs = append(pairs, rpcv1.PercentEncode(k)+"="+rpcv1.PercentEncode(v))
		}
	}
	return strings.Join(pairs, "&")
}

// StringToSign is Algorithm \n hex(sha256(canonicalRequest)).
func StringToSign(canonicalRequest string) string {
	sum := sha256.Sum256([]byte(canonicalRequest))
	return Algorithm + "\n" + hex.EncodeToString(sum[:])
}

// Signature is hex(HMAC-SHA256(secret, stringToSign)).
func Signature(stringToSign, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(stringToSign))
	return hex.EncodeToString(mac.Sum(nil))
}

// Sign signs r (whose body is body) as a V3 client would, for clients that
// are not an SDK (tests, scripts): it sets x-acs-content-sha256 and the
// Authorization header over host, content-type when present, and every
// x-acs-* header. The caller sets x-acs-action, x-acs-version, x-acs-date,
// x-acs-signature-nonce (and x-acs-security-token) first.
func Sign(r *http.Request, body []byte, cred Credentials) {
	payload := HashPayload(body)
	r.Header.Set(HeaderContentSHA256, payload)
	signed := []string{"host"}
	for name := range r.Header {
		if l := strings.ToLower(name); strings.HasPrefix(l, "x-acs-") || l == "content-type" {
			signed = append(signed, l)
		}
	}
	slices.Sort(signed)
	sig := Signature(StringToSign(CanonicalRequest(r, signed, payload)), cred.AccessKeySecret)
	r.Header.Set("Authorization", Algorithm+" Credential="+cred.AccessKeyID+
		",SignedHeaders="+strings.Join(signed, ";")+",Signature="+sig)
}
