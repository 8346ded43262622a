package oss

import (
	"crypto/hmac"
	"crypto/md5"
	"encoding/base64"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// maxClockSkew is how far a request's signing time may be from the server's.
const maxClockSkew = 15 * time.Minute

// signed is what a verified request was signed with.
type signed struct {
	// region is the V4 scope's region; "" for V1, which names none.
	region string
}

// v4Authorization is a parsed "OSS4-HMAC-SHA256 Credential=...,
// AdditionalHeaders=...,Signature=..." header.
type v4Authorization struct {
	keyID, date, region, product string
	additional                   []string
	signature                    string
}

// verify authenticates r, addressed to bucket/key, the way OSS does for a
// signature in the Authorization header, in this order: a presigned URL
// (not emulated), the Authorization header's form, the signing time against
// now, the AccessKey id, the STS token, the signature, then Content-MD5.
// It never panics on any input (see FuzzVerify).
func verify(r *http.Request, bucket, key string, body []byte, cred world.Credentials, now time.Time) (signed, *apiError) {
	q := r.URL.Query()
	if q.Has("OSSAccessKeyId") || q.Has("x-oss-signature") || q.Has("x-oss-credential") {
		return signed{}, errorf("NotImplemented", "Signatures in the URL (presigned URLs) are not emulated; sign the Authorization header.")
	}
	auth := r.Header.Get("Authorization")
	if auth == "" {
		// An anonymous request: every emulated bucket is private.
		return signed{}, errCode("AccessDenied")
	}

	var (
		keyID, provided, sts, canonical string
		out                             signed
		v4                              v4Authorization
	)
	switch scheme, rest, _ := strings.Cut(auth, " "); scheme {
	case schemeV4:
		var e *apiError
		if v4, e = parseV4(rest); e != nil {
			return signed{}, e
		}
		dt := r.Header.Get("x-oss-date")
		t, err := time.Parse(v4DateTime, dt)
		if err != nil {
			return signed{}, errorf("AccessDenied", "The x-oss-date header %q is missing or not in the form 20060102T150405Z.", dt)
		}
		if e := checkSkew(t, dt, now); e != nil {
			return signed{}, e
		}
		if v4.date != dt[:8] {
			return signed{}, errorf("InvalidArgument", "Invalid signing date in Authorization header: %s is not the date of x-oss-date %s.", v4.date, dt)
		}
		keyID, provided, out.region = v4.keyID, v4.signature, v4.region
		canonical = CanonicalRequestV4(r, bucket, key, v4.additional)
		sts = StringToSignV4(dt, strings.Join([]string{v4.date, v4.region, v4.product, v4Terminator}, "/"), canonical)
	case schemeV1:
		var ok bool
		if keyID, provided, ok = parseV1(rest); !ok {
			return signed{}, errorf("InvalidArgument", "Authorization header is invalid: want \"OSS <AccessKeyId>:<Signature>\".")
		}
		d := r.Header.Get("Date")
		t, err := time.Parse(http.TimeFormat, d)
		if err != nil {
			return signed{}, errorf("AccessDenied", "The Date header %q is missing or not an HTTP date (GMT).", d)
		}
		if e := checkSkew(t, d, now); e != nil {
			return signed{}, e
		}
		sts = StringToSignV1(r, bucket, key)
	default:
		return signed{}, errorf("InvalidArgument", "Authorization header is invalid: the scheme must be OSS4-HMAC-SHA256 or OSS.")
	}

	if keyID != cred.AccessKeyID {
		return signed{}, errCode("InvalidAccessKeyId").with("OSSAccessKeyId", keyID)
	}
	if e := checkToken(r.Header.Get("x-oss-security-token"), cred.SecurityToken, keyID); e != nil {
		return signed{}, e
	}

	var want string
	if canonical != "" {
		want = SignatureV4(cred.AccessKeySecret, v4.date, v4.region, v4.product, sts)
	} else {
		want = SignatureV1(cred.AccessKeySecret, sts)
	}
	if !hmac.Equal([]byte(provided), []byte(want)) {
		// OSS shows the string it signed, so whoever writes a client can compare.
		e := errCode("SignatureDoesNotMatch").with("StringToSign", sts).with("SignatureProvided", provided).with("OSSAccessKeyId", keyID)
		if canonical != "" {
			e.with("CanonicalRequest", canonical)
		}
		return signed{}, e
	}

	if sent := r.Header.Get("Content-MD5"); sent != "" {
		sum := md5.Sum(body)
		if sent != base64.StdEncoding.EncodeToString(sum[:]) {
			return signed{}, errCode("InvalidDigest")
		}
	}
	return out, nil
}

// checkSkew refuses a signing time more than maxClockSkew from now; the
// answer carries both times, from which the SDK corrects its clock.
func checkSkew(t time.Time, sent string, now time.Time) *apiError {
	if d := now.Sub(t); d <= maxClockSkew && d >= -maxClockSkew {
		return nil
	}
	return errCode("RequestTimeTooSkewed").
		with("RequestTime", sent).
		with("ServerTime", now.UTC().Format(time.RFC3339)).
		with("MaxAllowedSkewMilliseconds", strconv.FormatInt(maxClockSkew.Milliseconds(), 10))
}

// checkToken compares the request's x-oss-security-token with the world's.
// OSS treats a request carrying a token as STS, and an STS key id whose
// token is missing as unknown: both cases are InvalidAccessKeyId; a token
// that is not the one issued with the key is InvalidSecurityToken.
func checkToken(sent, want, keyID string) *apiError {
	switch {
	case sent == want:
		return nil
	case sent == "" || want == "":
		return errCode("InvalidAccessKeyId").with("OSSAccessKeyId", keyID)
	default:
		return errCode("InvalidSecurityToken")
	}
}

// parseV4 reads "Credential=<id>/<date>/<region>/oss/aliyun_v4_request,
// [AdditionalHeaders=<a;b>,]Signature=<hex>", with or without spaces after
// the commas (the reference shows spaces, the SDK sends none).
func parseV4(s string) (v4Authorization, *apiError) {
	bad := func(why string) (v4Authorization, *apiError) {
		return v4Authorization{}, errorf("InvalidArgument", "Authorization header is invalid: %s.", why)
	}
	var a v4Authorization
	seen := map[string]bool{}
	for _, field := range strings.Split(s, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(field), "=")
		if !ok || seen[name] {
			return bad("each field must be Name=Value, once")
		}
		seen[name] = true
		switch name {
		case "Credential":
			parts := strings.Split(value, "/")
			if len(parts) != 5 || parts[0] == "" || len(parts[1]) != 8 || parts[2] == "" || parts[3] == "" || parts[4] != v4Terminator {
				return bad("Credential must be <AccessKeyId>/<yyyymmdd>/<region>/oss/aliyun_v4_request")
			}
			if parts[3] != "oss" {
				return bad("the product in Credential must be oss")
			}
			a.keyID, a.date, a.region, a.product = parts[0], parts[1], parts[2], parts[3]
		case "AdditionalHeaders":
			if value == "" {
				return bad("AdditionalHeaders must not be empty when present")
			}
			a.additional = strings.Split(value, ";")
		case "Signature":
			a.signature = value
		default:
			return bad("unknown field " + strconv.Quote(name))
		}
	}
	if a.keyID == "" || a.signature == "" {
		return bad("Credential and Signature are required")
	}
	return a, nil
}

// parseV1 splits "<AccessKeyId>:<Signature>".
func parseV1(s string) (keyID, signature string, ok bool) {
	keyID, signature, ok = strings.Cut(strings.TrimSpace(s), ":")
	return keyID, signature, ok && keyID != "" && signature != ""
}
