package oss

import (
	"crypto/hmac"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// The two header signatures OSS accepts, rebuilt on the server side exactly
// as the OSS Go SDK v2 (oss/signer v4.go and v1.go) and the references in
// doc.go build them. The resource is always "/<bucket>/<key>" with the key
// decoded, whatever the URL style: OSS signs the bucket, not the Host.

const (
	schemeV4 = "OSS4-HMAC-SHA256"
	schemeV1 = "OSS"
	// unsignedPayload is the x-oss-content-sha256 the SDKs send: the body is
	// not part of a V4 signature.
	unsignedPayload = "UNSIGNED-PAYLOAD"
	v4Terminator    = "aliyun_v4_request"
	// v4DateTime is the layout of x-oss-date.
	v4DateTime = "20060102T150405Z"
)

// resource is "/<bucket>/<key>", "/<bucket>/" for a bucket, "/" for none.
func resource(bucket, key string) string {
	if bucket == "" {
		return "/"
	}
	return "/" + bucket + "/" + key
}

// unreserved bytes stay as they are in a V4 canonical URI; every other byte
// but '/' is %XX with upper-case hex (RFC 3986).
func escapePath(p string) string {
	var b strings.Builder
	const hexUpper = "0123456789ABCDEF"
	for i := 0; i < len(p); i++ {
		c := p[i]
		switch {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~', c == '/':
			b.WriteByte(c)
		default:
			b.WriteByte('%')
			b.WriteByte(hexUpper[c>>4])
			b.WriteByte(hexUpper[c&15])
		}
	}
	return b.String()
}

// v4SignedByDefault: every x-oss-* header, Content-Type and Content-MD5 are
// signed whether or not AdditionalHeaders names them.
func v4SignedByDefault(lower string) bool {
	return strings.HasPrefix(lower, "x-oss-") || lower == "content-type" || lower == "content-md5"
}

// CanonicalRequestV4 is the V4 canonical request of r for the resource
// bucket/key and the AdditionalHeaders the Authorization header lists:
//
//	METHOD \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n AdditionalHeaders \n HashedPayload
//
// The query is taken as sent (raw, '+' read as %20), sorted by name, a
// name without a value written without '='; a repeated name takes its last
// value, as the SDK's signer does.
func CanonicalRequestV4(r *http.Request, bucket, key string, additional []string) string {
	query := strings.ReplaceAll(r.URL.RawQuery, "+", "%20")
	values := map[string]string{}
	var names []string
	for query != "" {
		var pair string
		pair, query, _ = strings.Cut(query, "&")
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		values[k] = v
		names = append(names, k)
	}
	sort.Strings(names)
	var q strings.Builder
	for _, k := range names {
		if q.Len() > 0 {
			q.WriteByte('&')
		}
		q.WriteString(k)
		if values[k] != "" {
			q.WriteByte('=')
			q.WriteString(values[k])
		}
	}

	extra := map[string]bool{}
	for _, h := range additional {
		extra[strings.ToLower(h)] = true
	}
	var headers []string
	for name := range r.Header {
		lower := strings.ToLower(name)
		if v4SignedByDefault(lower) || extra[lower] {
			headers = append(headers, lower)
		}
	}
	sort.Strings(headers)
	var h strings.Builder
	for _, name := range headers {
		vs := r.Header.Values(name)
		trimmed := make([]string, len(vs))
		for i, v := range vs {
			trimmed[i] = strings.TrimSpace(v)
		}
		h.WriteString(name + ":" + strings.Join(trimmed, ",") + "\n")
	}

	payload := unsignedPayload
	if v := r.Header.Get("x-oss-content-sha256"); v != "" {
		payload = v
	}
	return r.Method + "\n" +
		escapePath(resource(bucket, key)) + "\n" +
		q.String() + "\n" +
		h.String() + "\n" +
		strings.Join(additional, ";") + "\n" +
		payload
}

// StringToSignV4 is "OSS4-HMAC-SHA256\n<x-oss-date>\n<scope>\n<hex sha256 of canonical>".
func StringToSignV4(dateTime, scope, canonical string) string {
	sum := sha256.Sum256([]byte(canonical))
	return schemeV4 + "\n" + dateTime + "\n" + scope + "\n" + hex.EncodeToString(sum[:])
}

// SignatureV4 is the hex HMAC-SHA256 of stringToSign under the key derived
// from the secret and the scope's date, region and product.
func SignatureV4(secret, date, region, product, stringToSign string) string {
	key := []byte("aliyun_v4" + secret)
	for _, part := range []string{date, region, product, v4Terminator, stringToSign} {
		h := hmac.New(sha256.New, key)
		h.Write([]byte(part))
		key = h.Sum(nil)
	}
	return hex.EncodeToString(key)
}

// v1SubResources are the query parameters a V1 signature covers (besides
// every x-oss-* parameter), as the SDK's signer lists them.
var v1SubResources = map[string]bool{
	"acl": true, "bucketInfo": true, "location": true, "stat": true, "delete": true, "append": true,
	"tagging": true, "objectMeta": true, "uploads": true, "uploadId": true, "partNumber": true,
	"security-token": true, "position": true, "response-content-type": true,
	"response-content-language": true, "response-expires": true, "response-cache-control": true,
	"response-content-disposition": true, "response-content-encoding": true, "restore": true,
	"callback": true, "callback-var": true, "versions": true, "versioning": true, "versionId": true,
	"sequential": true, "continuation-token": true, "regionList": true, "cloudboxes": true, "symlink": true,
}

// StringToSignV1 is the documented V1 string to sign of r for bucket/key:
//
//	VERB \n Content-MD5 \n Content-Type \n Date \n CanonicalizedOSSHeaders CanonicalizedResource
func StringToSignV1(r *http.Request, bucket, key string) string {
	var ossHeaders []string
	for name := range r.Header {
		if lower := strings.ToLower(name); strings.HasPrefix(lower, "x-oss-") {
			ossHeaders = append(ossHeaders, lower)
		}
	}
	sort.Strings(ossHeaders)
	var h strings.Builder
	for _, name := range ossHeaders {
		vs := r.Header.Values(name)
		trimmed := make([]string, len(vs))
		for i, v := range vs {
			trimmed[i] = strings.TrimSpace(v)
		}
		h.WriteString(name + ":" + strings.Join(trimmed, ",") + "\n")
	}

	query, _ := url.ParseQuery(r.URL.RawQuery) // what parses is what a client could have signed
	var params []string
	for k := range query {
		if v1SubResources[k] || strings.HasPrefix(k, "x-oss-") {
			params = append(params, k)
		}
	}
	sort.Strings(params)
	for i, k := range params {
		if v := query.Get(k); v != "" {
			params[i] = k + "=" + v
		}
	}
	res := resource(bucket, key)
	if len(params) > 0 {
		res += "?" + strings.Join(params, "&")
	}
	return r.Method + "\n" +
		r.Header.Get("Content-MD5") + "\n" +
		r.Header.Get("Content-Type") + "\n" +
		r.Header.Get("Date") + "\n" +
		h.String() + res
}

// SignatureV1 is base64(HMAC-SHA1(secret, stringToSign)).
func SignatureV1(secret, stringToSign string) string {
	h := hmac.New(sha1.New, []byte(secret))
	h.Write([]byte(stringToSign))
	return base64.StdEncoding.EncodeToString(h.Sum(nil))
}
