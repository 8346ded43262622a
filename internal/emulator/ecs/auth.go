package ecs

import (
	"time"
)

// timestampLayout is the only Timestamp format the RPC protocol accepts (UTC).
const timestampLayout = "2006-01-02T15:04:05Z"

// skew is how far a request's Timestamp may be from the real clock.
const skew = 15 * time.Minute

// authenticate checks the common parameters and the signature, in the order
// the answer is most useful to a client: missing parameters, unknown key,
// malformed values, clock skew, signature, security token, then replay.
//
// The timestamp window is checked against the REAL clock, not the emulated
// one: real clients sign with real time.
func (s *Service) authenticate(method string, p params) *apiError {
	// The common parameters every signed call carries.
	if err := p.require("Action", "AccessKeyId", "Signature", "SignatureMethod",
		"SignatureVersion", "SignatureNonce", "Timestamp", "Version"); err != nil {
		return err
	}
	cred := s.world.Credentials
	if p["AccessKeyId"] != cred.AccessKeyID {
		return newError("InvalidAccessKeyId.NotFound")
	}
	if p["SignatureMethod"] != "HMAC-SHA1" {
		return invalidParameter("SignatureMethod", "Valid value: HMAC-SHA1.")
	}
	if p["SignatureVersion"] != "1.0" {
		return invalidParameter("SignatureVersion", "Valid value: 1.0.")
	}
	ts, err := time.Parse(timestampLayout, p["Timestamp"])
	if err != nil {
		return newError("InvalidTimeStamp.Format")
	}
	now := time.Now()
	if ts.Before(now.Add(-skew)) || ts.After(now.Add(skew)) {
		return newError("InvalidTimeStamp.Expired")
	}
	sts := stringToSign(method, p)
	if !signatureMatches(p["Signature"], signature(sts, cred.AccessKeySecret)) {
		// The SDK compares the server's string to sign with its own to tell
		// a wrong secret from a signing bug; it finds it after this marker.
		e := newError("SignatureDoesNotMatch")
		e.Message += " server string to sign is:" + sts
		return e
	}
	switch token := p["SecurityToken"]; {
	case cred.SecurityToken != "" && token == "":
		return newError("InvalidSecurityToken.Malformed")
	case token != cred.SecurityToken:
		return newError("InvalidSecurityToken.MismatchWithAccessKey")
	}
	if !s.nonces.use(p["SignatureNonce"], ts.Add(skew), now) {
		return newError("SignatureNonceUsed")
	}
	return nil
}
