package ecs

import (
	"net/http"
	"strings"
	"time"

	"github.com/imageshare/ecs-image-share/internal/emulator/acs3"
	"github.com/imageshare/ecs-image-share/internal/emulator/rpcv1"
)

// timestampLayout is the RPC protocol's only Timestamp format, which the
// service also answers times in.
const timestampLayout = rpcv1.TimestampLayout

// authenticate checks the common parameters and the signature with the RPC
// V1 verifier every emulated RPC endpoint shares (package rpcv1), and
// renders a refusal through this service's error table.
//
// The timestamp window is checked against the REAL clock, not the emulated
// one: real clients sign with real time.
func (s *Service) authenticate(method string, p params) *apiError {
	cred := s.world.Credentials
	err := rpcv1.Verify(method, p, rpcv1.Credentials{
		AccessKeyID:     cred.AccessKeyID,
		AccessKeySecret: cred.AccessKeySecret,
		SecurityToken:   cred.SecurityToken,
	}, s.nonces.Use, time.Now())
	if err == nil {
		return nil
	}
	return fromRPC(err)
}

// fromRPC renders a verifier's refusal with this service's messages.
func fromRPC(err *rpcv1.Error) *apiError {
	switch {
	case err.Code == "MissingParameter" && err.Param != "":
		return missingParameter(err.Param)
	case err.Code == "InvalidParameter" && err.Param != "":
		return invalidParameter(err.Param, err.Message)
	}
	e := newError(err.Code)
	if err.Message != "" {
		e.Message = err.Message
	}
	if err.StringToSign != "" {
		e.Message += " server string to sign is:" + err.StringToSign
	}
	return e
}

// UseNonce records a nonce (V1 SignatureNonce or V3 x-acs-signature-nonce)
// for every RPC endpoint of the emulator: the ResourceManager endpoint shares
// this cache, as one gateway would.
func (s *Service) UseNonce(nonce string, expires, now time.Time) bool {
	return s.nonces.Use(nonce, expires, now)
}

// authenticateV3 verifies a V3 (ACS3-HMAC-SHA256) request with the same
// credentials and nonce store as V1 (package acs3, shared with every emulated
// endpoint), then gives p the Action and Version the headers name, so
// routing is the same for both schemes.
func (s *Service) authenticateV3(r *http.Request, body []byte, p params) *apiError {
	cred := s.world.Credentials
	c, err := acs3.Verify(r, body, acs3.Credentials{
		AccessKeyID:     cred.AccessKeyID,
		AccessKeySecret: cred.AccessKeySecret,
		SecurityToken:   cred.SecurityToken,
	}, s.UseNonce, time.Now())
	if err != nil {
		return newError(err.Code, err.Message)
	}
	for _, kv := range [][2]string{{"Action", c.Action}, {"Version", c.Version}} {
		name, v := kv[0], kv[1]
		if p[name] != "" && p[name] != v {
			return invalidParameter(name, "It disagrees with the request header x-acs-"+strings.ToLower(name)+".")
		}
		p[name] = v
	}
	return nil
}
