package engine

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"slices"
	"syscall"
	"testing"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"

	"github.com/imageshare/ecs-image-share/outcome"
)

// serverError builds the error the SDK returns for an ECS error answer.
func serverError(status int, code string) error {
	body := fmt.Sprintf(`{"RequestId":"req-1","HostId":"ecs.aliyuncs.com","Code":%q,"Message":"service says","Recommend":""}`, code)
	return sdkerrors.NewServerError(status, body, "")
}

// TestCodeTable covers every documented ECS code of the three APIs and the
// common ones (reference/ecs-rpc.md and the seed document), with the status
// the service answers it with.
func TestCodeTable(t *testing.T) {
	const (
		retry     = 1 << iota // retryable
		ambiguous             // may have been applied
		perAcct               // isolated by splitting the batch
	)
	tests := []struct {
		ecsCode string
		status  int
		want    outcome.Code
		flags   int
	}{
		// ModifyImageSharePermission, 400
		{"MissingParameter", 400, outcome.Internal, 0},
		{"InvalidGroup.Malformed", 400, outcome.Internal, 0},
		{"UnnecessaryParameter.LaunchPermission", 400, outcome.Internal, 0},
		{"InvalidParameter.LaunchPermission", 400, outcome.Internal, 0},
		{"ForbiddenParameter.LaunchPermission", 400, outcome.Internal, 0},
		// 403
		{"AssumeRoleError", 403, outcome.PermissionDenied, 0},
		{"ImageDescription.ContainsSensitiveWords", 403, outcome.ImageUnavailable, 0},
		{"ImageName.ContainsSensitiveWords", 403, outcome.ImageUnavailable, 0},
		{"Image.Public", 403, outcome.ImageUnavailable, 0},
		{"CurrentRegion.NotSupportPublicImage", 403, outcome.Internal, 0},
		{"Image.NotPublic", 403, outcome.Internal, 0},
		{"OperationDeined.FullImage", 403, outcome.EncryptedImageUnsupported, 0},
		{"QuotaExceed.ShareImage", 403, outcome.ShareQuotaExceeded, 0},
		{"QuotaExceed.ShareImageUser", 403, outcome.ShareQuotaExceeded, 0},
		{"InvalidImageId.BidMismatch", 403, outcome.AccountNotFound, perAcct},
		{"OperationDeined.EncryptedSnapshot", 403, outcome.EncryptedImageUnsupported, 0},
		{"OperationDenied.InvalidImageStatus", 403, outcome.ImageUnavailable, 0},
		{"PublicImageAgreement.NotSigned", 403, outcome.Internal, 0},
		{"InvalidParameter.IsPublic", 403, outcome.Internal, 0},
		{"InvalidParameter.KMSKeyId.CMKUnauthorized", 403, outcome.PermissionDenied, 0},
		{"InvalidParameter.KMSKeyId.CMKNotEnabled", 403, outcome.EncryptedImageUnsupported, 0},
		{"InvalidOperation.ServiceKeyEncryptedImageUnsupported", 403, outcome.EncryptedImageUnsupported, 0},
		// 404 (the seed document says 403 for InvalidImageId.NotFound)
		{"InvalidImageId.NotFound", 404, outcome.ImageNotFound, 0},
		{"InvalidImageId.NotFound", 403, outcome.ImageNotFound, 0},
		{"InvalidAccount.NotFound", 404, outcome.AccountNotFound, perAcct},
		{"InvalidAccount.Forbbiden", 404, outcome.InvalidAccountID, perAcct},
		{"InvalidAccount.Forbidden", 404, outcome.InvalidAccountID, perAcct},
		{"OperationConflict", 409, outcome.CloudUnavailable, retry},
		// older editions
		{"IncorrectImageStatus", 400, outcome.ImageNotReady, retry},
		{"InvalidRegionId.NotFound", 400, outcome.RegionNotFound, 0},
		// common to every API
		{"Throttling", 400, outcome.Throttled, retry},
		{"Throttling.User", 400, outcome.Throttled, retry},
		{"Throttling.Api", 400, outcome.Throttled, retry},
		{"InvalidParameter", 400, outcome.Internal, 0},
		{"InvalidAccessKeyId.NotFound", 400, outcome.PermissionDenied, 0},
		{"InvalidTimeStamp.Expired", 400, outcome.Internal, 0},
		{"SignatureNonceUsed", 400, outcome.CloudUnavailable, retry | ambiguous},
		{"Forbidden", 403, outcome.PermissionDenied, 0},
		{"Forbidden.RAM", 403, outcome.PermissionDenied, 0},
		{"NoPermission", 403, outcome.PermissionDenied, 0},
		{"SignatureDoesNotMatch", 400, outcome.PermissionDenied, 0},
		{"InternalError", 500, outcome.CloudUnavailable, retry | ambiguous},
		{"ServiceUnavailable", 503, outcome.CloudUnavailable, retry | ambiguous},
		// undocumented codes, by status
		{"Something.New", 502, outcome.CloudUnavailable, retry | ambiguous},
		{"", 504, outcome.CloudUnavailable, retry | ambiguous},
		{"Something.New", 429, outcome.Throttled, retry},
		{"Something.New", 403, outcome.PermissionDenied, 0},
		{"Something.New", 400, outcome.Internal, 0},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s_%d", tt.ecsCode, tt.status), func(t *testing.T) {
			err := serverError(tt.status, tt.ecsCode)
			oe, info := classify(err)
			if oe.Code != tt.want || oe.Retryable != (tt.flags&retry != 0) ||
				info.ambiguous != (tt.flags&ambiguous != 0) || info.perAccount != (tt.flags&perAcct != 0) {
				t.Errorf("classify = %s retryable=%v ambiguous=%v perAccount=%v, want %s flags %03b",
					oe.Code, oe.Retryable, info.ambiguous, info.perAccount, tt.want, tt.flags)
			}
			if oe.ECSCode != tt.ecsCode || oe.RequestID != "req-1" || oe.Message == "" {
				t.Errorf("classify lost the service's details: %+v", oe)
			}
			if !errors.Is(oe, err) {
				t.Error("the SDK error is not kept as the cause")
			}
			if got := FromSDK(err); got.Code != tt.want {
				t.Errorf("FromSDK = %s, want %s", got.Code, tt.want)
			}
			var typed *outcome.Error
			if !errors.As(error(FromSDK(err)), &typed) {
				t.Error("FromSDK's result is not usable with errors.As")
			}
		})
	}
}

// TestRemedies: codes whose service message does not say what to do get a
// message of their own, distinct from each other's.
func TestRemedies(t *testing.T) {
	seen := map[string]string{}
	for _, code := range []string{
		"OperationDeined.FullImage", "InvalidParameter.KMSKeyId.CMKUnauthorized", "AssumeRoleError",
		"QuotaExceed.ShareImage", "QuotaExceed.ShareImageUser", "InvalidImageId.BidMismatch",
		"InvalidOperation.ServiceKeyEncryptedImageUnsupported",
	} {
		info, ok := ecsCodes(code)
		if !ok || info.message == "" {
			t.Errorf("%s: no remedy message", code)
			continue
		}
		if other, dup := seen[info.message]; dup {
			t.Errorf("%s and %s share the message %q", code, other, info.message)
		}
		seen[info.message] = code
	}
}

// TestNamedAccounts reads the account out of both wordings of the
// per-account errors (current reference: named; seed: not).
func TestNamedAccounts(t *testing.T) {
	batch := []string{"2000000000000001", "2000000000000002", "2999999999999999"}
	tests := []struct {
		name, msg string
		want      []string
	}{
		{"current NotFound", `The specified account 2999999999999999 in parameter "AddAccount.n" or "RemoveAccount.n" does not exist.`, []string{"2999999999999999"}},
		{"seed NotFound", `The specified parameter "AddAccount.n" or "RemoveAccount.n" does not exist.`, nil},
		{"current BidMismatch", "Cannot share the image with users 2000000000000002 of other sites.", []string{"2000000000000002"}},
		{"older BidMismatch", "Cannot share image with other bid user.", nil},
		{"two named", "Cannot share the image with users 2000000000000001,2000000000000002 of other sites.", []string{"2000000000000001", "2000000000000002"}},
		{"named twice", "account 2000000000000001 ... 2000000000000001", []string{"2000000000000001"}},
		{"an id not in the batch", "The specified account 2000000000000009 in parameter does not exist.", nil},
		{"a longer number", "The specified account 120000000000000012 does not exist.", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := fmt.Sprintf(`{"RequestId":"r","HostId":"h","Code":"InvalidAccount.NotFound","Message":%q,"Recommend":""}`, tt.msg)
			oe, _ := classify(sdkerrors.NewServerError(404, body, ""))
			if got := namedAccounts(oe, batch); !slices.Equal(got, tt.want) {
				t.Errorf("namedAccounts = %v, want %v", got, tt.want)
			}
		})
	}
	if got := namedAccounts(&outcome.Error{Message: "2000000000000001"}, batch); got != nil {
		t.Errorf("an error without the service's answer named %v", got)
	}
}

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

func TestNetworkErrors(t *testing.T) {
	post := func(err error) error { return &url.Error{Op: "Post", URL: "http://127.0.0.1/", Err: err} }
	tests := []struct {
		name string
		err  error
		want outcome.Code
		amb  bool
	}{
		{"client timeout", post(timeoutErr{}), outcome.CloudUnavailable, true},
		{"connection reset", post(&net.OpError{Op: "read", Net: "tcp", Err: os.NewSyscallError("read", syscall.ECONNRESET)}), outcome.CloudUnavailable, true},
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, outcome.CloudUnavailable, true},
		{"cut-off answer", post(io.ErrUnexpectedEOF), outcome.CloudUnavailable, true},
		{"bare EOF", io.EOF, outcome.CloudUnavailable, true},
		{"SDK timeout", sdkerrors.NewClientError(sdkerrors.TimeoutErrorCode, "timed out", timeoutErr{}), outcome.CloudUnavailable, true},
		{"SDK unreadable 2xx", sdkerrors.NewClientError(sdkerrors.JsonUnmarshalErrorCode, "bad json", errors.New("x")), outcome.CloudUnavailable, true},
		{"SDK client error caused by a reset", sdkerrors.NewClientError("SDK.Other", "x", syscall.ECONNRESET), outcome.CloudUnavailable, true},
		{"SDK configuration error", sdkerrors.NewClientError(sdkerrors.CanNotResolveEndpointErrorCode, "no endpoint", nil), outcome.Internal, false},
		{"anything else", errors.New("boom"), outcome.Internal, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			oe, info := classify(tt.err)
			if oe.Code != tt.want || info.ambiguous != tt.amb || oe.Retryable != tt.amb {
				t.Errorf("classify = %s retryable=%v ambiguous=%v, want %s %v", oe.Code, oe.Retryable, info.ambiguous, tt.want, tt.amb)
			}
		})
	}
	if FromSDK(nil) != nil {
		t.Error("FromSDK(nil) is not nil")
	}
}

// FuzzNamedAccounts: whatever the service's message says, only accounts of
// the call come back, each once, and nothing panics.
func FuzzNamedAccounts(f *testing.F) {
	f.Add(`The specified account 2999999999999999 in parameter "AddAccount.n" or "RemoveAccount.n" does not exist.`)
	f.Add(`The specified parameter "AddAccount.n" or "RemoveAccount.n" does not exist.`)
	f.Add("Cannot share the image with users 2000000000000001,2000000000000002 of other sites.")
	f.Add("\x002000000000000001\xff20000000000000012")
	batch := []string{"2000000000000001", "2000000000000002", "2999999999999999"}
	f.Fuzz(func(t *testing.T, msg string) {
		body, err := json.Marshal(map[string]string{"RequestId": "r", "HostId": "h", "Code": "InvalidAccount.NotFound", "Message": msg, "Recommend": ""})
		if err != nil {
			t.Skip()
		}
		oe, _ := classify(sdkerrors.NewServerError(404, string(body), ""))
		got := namedAccounts(oe, batch)
		seen := map[string]bool{}
		for _, a := range got {
			if !slices.Contains(batch, a) || seen[a] {
				t.Fatalf("namedAccounts(%q) = %v", msg, got)
			}
			seen[a] = true
		}
	})
}
