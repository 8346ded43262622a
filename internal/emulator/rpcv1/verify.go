// Package rpcv1 verifies Alibaba Cloud's RPC signature method V1
// (HMAC-SHA1, SignatureVersion 1.0) for every emulated RPC endpoint: ECS
// (2014-05-26) and ResourceManager (2020-03-31) check their callers with the
// same code, so they cannot drift apart.
//
// The reference is the RPC signature documentation ("Request syntax and
// signature method V1", https://www.alibabacloud.com/help/en/sdk/product-overview/rpc-mechanism)
// and the signer of github.com/aliyun/alibaba-cloud-sdk-go (sdk/auth,
// rpc_signature_composer.go).
package rpcv1

import (
	"net/http"
	"time"
)

// TimestampLayout is the only Timestamp format the RPC protocol accepts (UTC).
const TimestampLayout = "2006-01-02T15:04:05Z"

// Skew is how far a request's Timestamp may be from the real clock.
const Skew = 15 * time.Minute

// Credentials are the only ones whose signatures an endpoint accepts.
type Credentials struct {
	AccessKeyID, AccessKeySecret string
	// SecurityToken, when set, must accompany every request (STS).
	SecurityToken string
}

// An Error is a refusal: a documented common error code and, when the
// caller's table message is not enough, a message of its own. Each service
// renders it through its own error table, so a code keeps one HTTP status
// per service.
type Error struct {
	Code    string
	Message string // "" for the service's documented message
	// Param names the parameter at fault for Code InvalidParameter or
	// MissingParameter.
	Param string
	// StringToSign is the server's string to sign, for SignatureDoesNotMatch:
	// the SDK compares it with its own to tell a wrong secret from a signing
	// bug, and finds it after " server string to sign is:" in the message.
	StringToSign string
}

// UseNonce records a SignatureNonce as used until expires and reports
// whether it was fresh; a replayed nonce is refused.
type UseNonce func(nonce string, expires, now time.Time) bool

// Verify checks the common parameters of an RPC call and its signature, in
// the order the answer is most useful to a client: missing parameters,
// unknown key, malformed values, clock skew, signature, security token, then
// replay. method is the request's actual HTTP method; p holds every
// parameter (query and form body merged). now is the REAL time: clients sign
// with real time, whatever an emulator's clock says.
func Verify(method string, p map[string]string, cred Credentials, useNonce UseNonce, now time.Time) *Error {
	for _, name := range []string{"Action", "AccessKeyId", "Signature", "SignatureMethod",
		"SignatureVersion", "SignatureNonce", "Timestamp", "Version"} {
		if p[name] == "" {
			return &Error{Code: "MissingParameter", Param: name}
		}
	}
	if p["AccessKeyId"] != cred.AccessKeyID {
		return &Error{Code: "InvalidAccessKeyId.NotFound"}
	}
	if p["SignatureMethod"] != "HMAC-SHA1" {
		return &Error{Code: "InvalidParameter", Param: "SignatureMethod", Message: "Valid value: HMAC-SHA1."}
	}
	if p["SignatureVersion"] != "1.0" {
		return &Error{Code: "InvalidParameter", Param: "SignatureVersion", Message: "Valid value: 1.0."}
	}
	ts, err := time.Parse(TimestampLayout, p["Timestamp"])
	if err != nil {
		return &Error{Code: "InvalidTimeStamp.Format"}
	}
	if ts.Before(now.Add(-Skew)) || ts.After(now.Add(Skew)) {
		return &Error{Code: "InvalidTimeStamp.Expired"}
	}
	sts := stringToSign(method, p)
	if !signatureMatches(p["Signature"], signature(sts, cred.AccessKeySecret)) {
		return &Error{Code: "SignatureDoesNotMatch", StringToSign: sts}
	}
	switch token := p["SecurityToken"]; {
	case cred.SecurityToken != "" && token == "":
		return &Error{Code: "InvalidSecurityToken.Malformed"}
	case token != cred.SecurityToken:
		return &Error{Code: "InvalidSecurityToken.MismatchWithAccessKey"}
	}
	if !useNonce(p["SignatureNonce"], ts.Add(Skew), now) {
		return &Error{Code: "SignatureNonceUsed"}
	}
	return nil
}

// Sign returns the Signature of an RPC call with parameters p (Signature
// itself left out) sent with method, for clients and tests.
func Sign(method string, p map[string]string, secret string) string {
	return signature(stringToSign(method, p), secret)
}

// MaxBody bounds a form body; RPC requests are small.
const MaxBody = 1 << 20

// ReadParams merges the query string and an application/x-www-form-urlencoded
// body, as RPC endpoints accept either. A parameter given twice (in both, or
// repeated) is refused: which copy was signed and which acted upon would be
// ambiguous.
func ReadParams(w http.ResponseWriter, r *http.Request) (map[string]string, *Error) {
	r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
	if err := r.ParseForm(); err != nil {
		return nil, &Error{Code: "InvalidParameter", Message: "The request's query string or body is malformed: " + err.Error()}
	}
	p := make(map[string]string, len(r.Form))
	for k, vs := range r.Form {
		if len(vs) > 1 {
			return nil, &Error{Code: "InvalidParameter", Param: k, Message: "It is given more than once."}
		}
		p[k] = vs[0]
	}
	return p, nil
}
