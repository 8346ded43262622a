package ecs

import (
	"time"

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
	}, s.nonces.use, time.Now())
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

// UseNonce records a SignatureNonce for every RPC endpoint of the emulator:
// the ResourceManager endpoint shares this cache, as one gateway would.
func (s *Service) UseNonce(nonce string, expires, now time.Time) bool {
	return s.nonces.use(nonce, expires, now)
}
