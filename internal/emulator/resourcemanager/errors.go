package resourcemanager

import (
	"fmt"
	"net/http"

	"github.com/imageshare/ecs-image-share/internal/emulator/rpcv1"
)

// apiError is an answer in the service's error format: a documented code,
// its HTTP status and a message.
type apiError struct {
	Code    string
	Status  int
	Message string
}

func (e *apiError) Error() string { return fmt.Sprintf("%s (%d): %s", e.Code, e.Status, e.Message) }

// newError returns the error for code with its documented status and
// message. A code the table does not know is answered with 400, so a world
// file can still inject it.
func newError(code string, msg ...string) *apiError {
	status, message, ok := lookup(code)
	if !ok {
		status, message = http.StatusBadRequest, "Injected fault "+code+"."
	}
	if len(msg) > 0 {
		message = msg[0]
	}
	return &apiError{Code: code, Status: status, Message: message}
}

func invalidParameter(name, why string) *apiError {
	msg := fmt.Sprintf("The specified parameter %q is not valid.", name)
	if why != "" {
		msg += " " + why
	}
	return newError("InvalidParameter", msg)
}

// fromRPC renders the shared verifier's refusal with this service's table.
func fromRPC(err *rpcv1.Error) *apiError {
	switch {
	case err.Code == "MissingParameter" && err.Param != "":
		return newError("MissingParameter", "An input parameter "+err.Param+" that is mandatory for processing the request is not supplied.")
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

// ErrorStatus returns the HTTP status the endpoint answers code with, and
// whether the table knows code.
func ErrorStatus(code string) (int, bool) {
	status, _, ok := lookup(code)
	return status, ok
}

// lookup is the table of codes: the common ones of the RPC gateway (as the
// ECS emulator answers them) and those the ResourceManager reference
// documents for the two list calls and for member accounts.
func lookup(code string) (status int, message string, ok bool) {
	const (
		bad       = http.StatusBadRequest
		forbidden = http.StatusForbidden
		notFound  = http.StatusNotFound
	)
	switch code {
	// Common to every RPC API.
	case "MissingParameter":
		return bad, "The input parameter that is mandatory for processing this request is not supplied.", true
	case "InvalidParameter":
		return bad, "The specified parameter is not valid.", true
	case "InvalidAccessKeyId.NotFound":
		return bad, "Specified access key is not found.", true
	case "InvalidTimeStamp.Expired":
		return bad, "Specified time stamp or date value is expired.", true
	case "InvalidTimeStamp.Format":
		return bad, "Specified time stamp or date value is not well formatted.", true
	case "SignatureNonceUsed":
		return bad, "Specified signature nonce was used already.", true
	case "SignatureDoesNotMatch":
		// 400 as on the ECS endpoint: the SDKs' live-service tests expect it
		// (docs/conflicts.md).
		return bad, "Specified signature is not matched with our calculation.", true
	case "IncompleteSignature":
		return bad, "The request signature does not conform to Aliyun standards.", true
	case "InvalidSecurityToken.Malformed":
		return bad, "Specified SecurityToken is malformed or missing.", true
	case "InvalidSecurityToken.MismatchWithAccessKey":
		return bad, "Specified SecurityToken mismatch with the AccessKey.", true
	case "InvalidAction.NotFound":
		return notFound, "Specified api is not found, please check your url and method.", true
	case "Throttling.User":
		return bad, "Request was denied due to user flow control.", true
	case "Throttling":
		return bad, "Request was denied due to request throttling.", true
	case "NoPermission":
		return forbidden, "You are not authorized to perform this operation.", true
	case "Forbidden.RAM":
		return forbidden, "User not authorized to operate on the specified resource, or this API doesn't support RAM.", true
	case "InternalError":
		return http.StatusInternalServerError, "The request processing has failed due to some unknown error, exception or failure.", true
	case "ServiceUnavailable":
		return http.StatusServiceUnavailable, "The request has failed due to a temporary failure of the server.", true

	// ListAccountsForParent and ListFoldersForParent (2020-03-31).
	case "InvalidParameter.ParentFolderId":
		return bad, "The ParentFolderId is invalid.", true
	case "EntityNotExists.ResourceDirectory":
		return notFound, "The resource directory for the account is not enabled. We recommend that you first enable the resource directory for the account.", true
	case "EntityNotExists.Folder":
		return notFound, "The resource directory folder does not exist.", true
	// Documented for member accounts calling management operations.
	case "MemberAccountAccessDenied":
		return forbidden, "The member account is not allowed to perform the operation.", true
	}
	return 0, "", false
}
