// Package outcome defines what the product reports: the typed error codes, the
// typed error carried through the engine, and the per-request, per-image outcome
// message published to MNS. It is pure data: no cloud calls.
package outcome

import (
	"errors"
	"fmt"
)

// Code is a product error code. It is stable: consumers of the outcome queue
// switch on it, so codes are only ever added, never renamed.
type Code string

// The product's typed codes. Every documented ECS error code of the calls the
// product makes maps to one of them (see engine's code table).
const (
	ImageNotFound             Code = "ImageNotFound"
	ImageNotReady             Code = "ImageNotReady"
	ImageUnavailable          Code = "ImageUnavailable"
	ImageNotOwned             Code = "ImageNotOwned"
	EncryptedImageUnsupported Code = "EncryptedImageUnsupported"
	ShareQuotaExceeded        Code = "ShareQuotaExceeded"
	AccountNotFound           Code = "AccountNotFound"
	InvalidAccountID          Code = "InvalidAccountId"
	PolicyDenied              Code = "PolicyDenied"
	RemovalLimitExceeded      Code = "RemovalLimitExceeded"
	ProtectedAccount          Code = "ProtectedAccount"
	InvalidEvent              Code = "InvalidEvent"
	InvalidRequest            Code = "InvalidRequest"
	InvalidPolicy             Code = "InvalidPolicy"
	Throttled                 Code = "Throttled"
	PermissionDenied          Code = "PermissionDenied"
	RegionNotFound            Code = "RegionNotFound"
	CloudUnavailable          Code = "CloudUnavailable"
	VerificationFailed        Code = "VerificationFailed"
	Internal                  Code = "Internal"
	// DirectoryUnavailable: the Resource Directory could not be read (the
	// function runs outside the management account or a delegated
	// administrator, lacks the two read actions, or the service refused or
	// throttled past the retries), so the rules sharing with its groups did
	// nothing, and nothing was removed for them.
	DirectoryUnavailable Code = "DirectoryUnavailable"
	// Codes of the copy step (CopyImage).
	ImageQuotaExceeded Code = "ImageQuotaExceeded" // the region holds the most custom images (or snapshots) allowed
	CopyInProgress     Code = "CopyInProgress"     // the image is being copied already; it is copied again later
	KMSKeyUnusable     Code = "KMSKeyUnusable"     // the KMS key is missing, disabled, or not usable by ECS
	CopyUnsupported    Code = "CopyUnsupported"    // this image cannot be copied there (region, size, kind, encryption)
)

// Codes lists every product code, for schemas, documentation and tests.
var Codes = []Code{
	ImageNotFound, ImageNotReady, ImageUnavailable, ImageNotOwned,
	EncryptedImageUnsupported, ShareQuotaExceeded, AccountNotFound,
	InvalidAccountID, PolicyDenied, RemovalLimitExceeded, ProtectedAccount,
	InvalidEvent, InvalidRequest, InvalidPolicy, Throttled, PermissionDenied,
	RegionNotFound, CloudUnavailable, VerificationFailed, Internal,
	DirectoryUnavailable,
	ImageQuotaExceeded, CopyInProgress, KMSKeyUnusable, CopyUnsupported,
}

// Error is the product's typed error. It is what the engine, the policy and the
// handler return for anything that reaches an outcome, and it marshals to the
// outcome's "error" and "failures" entries unchanged.
//
// Use errors.As to recover it:
//
//	var e *outcome.Error
//	if errors.As(err, &e) && e.Code == outcome.ImageNotReady { ... }
type Error struct {
	// Account is set when the failure concerns one account (a "failures" entry).
	Account   string `json:"account,omitempty"`
	Code      Code   `json:"code"`
	ECSCode   string `json:"ecsCode,omitempty"`
	Retryable bool   `json:"retryable"`
	Message   string `json:"message"`
	RequestID string `json:"requestId,omitempty"`

	// Err is the underlying cause (an SDK error, say). It is not published.
	Err error `json:"-"`
}

// Errorf returns a non-retryable *Error with a formatted message.
func Errorf(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

func (e *Error) Error() string {
	s := string(e.Code)
	if e.Account != "" {
		s += " (account " + e.Account + ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	if e.ECSCode != "" {
		s += " [ecs " + e.ECSCode
		if e.RequestID != "" {
			s += ", request " + e.RequestID
		}
		s += "]"
	}
	return s
}

// Unwrap exposes the cause to errors.Is and errors.As.
func (e *Error) Unwrap() error { return e.Err }

// ForAccount returns a copy of e attributed to one account.
func (e *Error) ForAccount(account string) *Error {
	c := *e
	c.Account = account
	return &c
}

// CodeOf returns the product code of err: its *Error's code, or Internal for
// any other non-nil error, or "" for nil.
func CodeOf(err error) Code {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}
