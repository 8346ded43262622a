package engine

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"regexp"
	"slices"
	"sync"
	"syscall"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"

	"github.com/imageshare/ecs-image-share/internal/redact"
	"github.com/imageshare/ecs-image-share/outcome"
)

// codeInfo is what the product makes of one documented ECS error code.
type codeInfo struct {
	code outcome.Code
	// retryable: a later attempt may succeed, so the engine retries it with
	// backoff and reports it retryable when it runs out of attempts.
	retryable bool
	// ambiguous: the call may have been applied although it failed, so a
	// ModifyImageSharePermission is read back before it is repeated.
	ambiguous bool
	// perAccount: the error is about one of the accounts in the call, which
	// the engine isolates by splitting the batch.
	perAccount bool
	// message replaces the service's message with one that says what to do.
	message string
}

// ecsCodes maps every documented error code of DescribeImages,
// DescribeImageSharePermission and ModifyImageSharePermission, and the codes
// common to every ECS API (reference/ecs-rpc.md, seed document, and the
// current ModifyImageSharePermission reference: ECS API 2014-05-26, error
// codes as of its 2025-04-29 change), to a product code. Codes about parameters the engine never sends (IsPublic,
// LaunchPermission, groups) or about malformed requests are Internal: they
// mean a bug here, not a state of the cloud.
func ecsCodes(code string) (codeInfo, bool) {
	const (
		remedyEncrypted = "the image is encrypted with the service key, which cannot be shared: copy it with CopyImage, re-encrypted under a customer-managed KMS key (Encrypted=true, KMSKeyId), and share the copy"
		remedyRole      = "sharing a CMK-encrypted image needs the role AliyunECSShareEncryptImageDefaultRole and its authorization on the key"
		// "The CMK lacks authorization to add tags to the ECS service."
		remedyCMKAuth = "the image's customer-managed KMS key does not authorize ECS to use it (ECS could not tag the key): in KMS, let the ECS service (through AliyunECSShareEncryptImageDefaultRole) use and tag the key, then share again"
		// "The encrypted image contains multiple snapshots, which do not support share."
		remedyFullImage = "the image is encrypted and has several snapshots (data disks included), which ECS cannot share: create the image from the system disk only, or copy it without the data disks, and share that image"
	)
	switch code {
	// Parameters the engine never sends, or sends always: a bug here.
	case "MissingParameter", "InvalidParameter", "InvalidGroup.Malformed",
		"UnnecessaryParameter.LaunchPermission", "InvalidParameter.LaunchPermission",
		"ForbiddenParameter.LaunchPermission", "InvalidParameter.IsPublic",
		"CurrentRegion.NotSupportPublicImage", "Image.NotPublic", "PublicImageAgreement.NotSigned":
		return codeInfo{code: outcome.Internal}, true

	// The image cannot be shared in its present form.
	case "ImageDescription.ContainsSensitiveWords", "ImageName.ContainsSensitiveWords",
		"Image.Public", "OperationDenied.InvalidImageStatus":
		return codeInfo{code: outcome.ImageUnavailable}, true
	case "OperationDeined.EncryptedSnapshot", "InvalidOperation.ServiceKeyEncryptedImageUnsupported":
		return codeInfo{code: outcome.EncryptedImageUnsupported, message: remedyEncrypted}, true
	case "OperationDeined.FullImage": // sic: an encryption limit, not an unavailable image
		return codeInfo{code: outcome.EncryptedImageUnsupported, message: remedyFullImage}, true
	case "InvalidParameter.KMSKeyId.CMKNotEnabled":
		return codeInfo{code: outcome.EncryptedImageUnsupported,
			message: "the image's customer-managed KMS key is not enabled: enable the key, then share again"}, true
	case "AssumeRoleError":
		return codeInfo{code: outcome.PermissionDenied, message: remedyRole}, true
	case "InvalidParameter.KMSKeyId.CMKUnauthorized":
		return codeInfo{code: outcome.PermissionDenied, message: remedyCMKAuth}, true
	case "IncorrectImageStatus":
		// Older editions: the image is still being created.
		return codeInfo{code: outcome.ImageNotReady, retryable: true}, true
	case "InvalidImageId.NotFound":
		return codeInfo{code: outcome.ImageNotFound}, true

	// Quotas.
	case "QuotaExceed.ShareImageUser":
		return codeInfo{code: outcome.ShareQuotaExceeded,
			message: "the image is shared with the most accounts allowed (50 unless raised by a ticket; see maxSharesPerImage)"}, true
	case "QuotaExceed.ShareImage":
		// The account-level limit on how many images may be shared, not the
		// per-image one: no split or reordering of the call can help.
		return codeInfo{code: outcome.ShareQuotaExceeded,
			message: "the account has shared as many images as its quota allows (an account-level limit, not this image's): unshare images that no longer need sharing, or ask for a higher quota by ticket"}, true

	// One account in the call is wrong: isolate it.
	case "InvalidAccount.NotFound":
		return codeInfo{code: outcome.AccountNotFound, perAccount: true, message: "the account does not exist"}, true
	case "InvalidImageId.BidMismatch":
		// "Cannot share the image with users %s of other sites": a target
		// account of the other site (China vs international), not the image.
		return codeInfo{code: outcome.AccountNotFound, perAccount: true,
			message: "the account belongs to the other site (China vs international): images cannot be shared across sites"}, true
	case "InvalidAccount.Forbbiden", // sic: the service's spelling
		"InvalidAccount.Forbidden": // and the correct one, also reported
		return codeInfo{code: outcome.InvalidAccountID, perAccount: true, message: "an account cannot share an image with itself"}, true

	case "OperationConflict":
		// 409, "try again later": another operation holds the resource; the
		// call was refused, not applied.
		return codeInfo{code: outcome.CloudUnavailable, retryable: true}, true

	case "InvalidRegionId.NotFound":
		return codeInfo{code: outcome.RegionNotFound}, true

	// Common to every API.
	case "Throttling", "Throttling.User", "Throttling.Api":
		// Answered with 400 before the call is acted on: not ambiguous.
		return codeInfo{code: outcome.Throttled, retryable: true}, true
	case "SignatureNonceUsed":
		// The SDK signs every attempt with a fresh nonce, so this means a
		// request was delivered twice on the way: the first copy may have
		// been applied.
		return codeInfo{code: outcome.CloudUnavailable, retryable: true, ambiguous: true}, true
	case "InvalidAccessKeyId.NotFound", "Forbidden", "Forbidden.RAM", "NoPermission":
		return codeInfo{code: outcome.PermissionDenied}, true
	case "SignatureDoesNotMatch":
		// The service's message quotes the string it signed, which holds
		// the STS token: it is replaced, never passed on.
		return codeInfo{code: outcome.PermissionDenied,
			message: "the request signature does not match: the AccessKey secret or STS token is wrong or expired"}, true
	case "InvalidTimeStamp.Expired":
		return codeInfo{code: outcome.Internal, message: "the local clock is more than 15 minutes off"}, true
	case "InternalError", "ServiceUnavailable":
		return codeInfo{code: outcome.CloudUnavailable, retryable: true, ambiguous: true}, true
	}
	return codeInfo{}, false
}

// classify turns any error from an SDK call into the product's typed error
// and says how the engine must treat it. Every message it builds from the
// SDK's text is scrubbed of credentials (package redact): Go's network errors
// quote the signed URL, token included, and some answers quote the string to
// sign. This is the one place SDK text becomes outcome and log text.
func classify(err error) (*outcome.Error, codeInfo) {
	oe, info := classifyRaw(err)
	oe.Message = redact.Text(oe.Message)
	return oe, info
}

func classifyRaw(err error) (*outcome.Error, codeInfo) {
	var se *sdkerrors.ServerError
	if errors.As(err, &se) {
		info, known := ecsCodes(se.ErrorCode())
		if !known {
			info = byStatus(se.HttpStatus())
		}
		msg := info.message
		if msg == "" {
			msg = se.Message()
		}
		return &outcome.Error{
			Code: info.code, ECSCode: se.ErrorCode(), Retryable: info.retryable,
			Message: msg, RequestID: se.RequestId(), Err: err,
		}, info
	}
	if isNetwork(err) {
		info := codeInfo{code: outcome.CloudUnavailable, retryable: true, ambiguous: true}
		return &outcome.Error{Code: info.code, Retryable: true, Message: "no answer from ECS: " + err.Error(), Err: err}, info
	}
	return &outcome.Error{Code: outcome.Internal, Message: err.Error(), Err: err}, codeInfo{code: outcome.Internal}
}

// byStatus classifies an undocumented code (or a non-JSON error body, whose
// code the SDK leaves empty) by its HTTP status.
func byStatus(status int) codeInfo {
	switch {
	case status >= 500:
		return codeInfo{code: outcome.CloudUnavailable, retryable: true, ambiguous: true}
	case status == 429:
		return codeInfo{code: outcome.Throttled, retryable: true}
	case status == 401 || status == 403:
		return codeInfo{code: outcome.PermissionDenied}
	default:
		return codeInfo{code: outcome.Internal}
	}
}

// isNetwork reports whether err means the call got no (complete) answer:
// timeouts, resets, refused connections, a cut-off body, or an SDK client
// error caused by one of them. Each of these may hide an applied call.
func isNetwork(err error) bool {
	var ce *sdkerrors.ClientError
	if errors.As(err, &ce) {
		switch ce.ErrorCode() {
		case sdkerrors.TimeoutErrorCode:
			return true
		case sdkerrors.JsonUnmarshalErrorCode:
			// A 2xx answer the SDK could not read: the call was acted on.
			return true
		}
		if ce.OriginError() != nil {
			return isNetwork(ce.OriginError())
		}
		return false
	}
	var ne net.Error
	return errors.As(err, &ne) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) ||
		errors.Is(err, syscall.EPIPE) || errors.Is(err, context.DeadlineExceeded)
}

// FromSDK returns the product's typed error for an error returned by an ECS
// SDK call: documented codes through the code table, undocumented ones by
// HTTP status, network failures (timeouts, resets) as a retryable
// CloudUnavailable. It returns nil for nil.
func FromSDK(err error) *outcome.Error {
	if err == nil {
		return nil
	}
	oe, _ := classify(err)
	return oe
}

// accountInMessage finds 16-digit account ids in a service message.
// It compiles on first use: package initialisation runs before the function
// takes its first invocation (cold start).
var accountInMessage = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`\b[0-9]{16}\b`) })

// namedAccounts returns the accounts of ids that a per-account error's
// service message names. The current reference words InvalidAccount.NotFound
// "The specified account %s in parameter ... does not exist" and
// InvalidImageId.BidMismatch "Cannot share the image with users %s of other
// sites"; older wordings name no account, and then this returns nil and the
// caller isolates the account by splitting.
func namedAccounts(err *outcome.Error, ids []string) []string {
	var se *sdkerrors.ServerError
	if !errors.As(err, &se) {
		return nil
	}
	var out []string
	for _, m := range accountInMessage().FindAllString(se.Message(), -1) {
		if slices.Contains(ids, m) && !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// accountError is a failure of one account.
func accountError(account string, code outcome.Code, retryable bool, format string, args ...any) *outcome.Error {
	return &outcome.Error{Account: account, Code: code, Retryable: retryable, Message: fmt.Sprintf(format, args...)}
}
