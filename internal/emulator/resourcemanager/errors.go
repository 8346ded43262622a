package resourcemanager

import (
	"fmt"
	"net/http"

	"github.com/imageshare/ecs-image-share/internal/emulator/rpcv1"

	"github.com/imageshare/ecs-image-share/internal/emulator/rpcerr"
)

// apiError is an answer in the service's error format (package rpcerr).
type apiError = rpcerr.Error

// newError returns the error for code from this service's table; msg, when
// given, replaces the message.
func newError(code string, msg ...string) *apiError { return rpcerr.New(lookup, code, msg...) }

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

// lookup is the table of codes: those the ResourceManager reference
// documents for the two list calls and for member accounts, then the RPC
// gateway's common ones (package rpcerr).
func lookup(code string) (status int, message string, ok bool) {
	const (
		bad       = http.StatusBadRequest
		forbidden = http.StatusForbidden
		notFound  = http.StatusNotFound
	)
	switch code {
	case "NoPermission":
		return forbidden, "You are not authorized to perform this operation.", true

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
	return rpcerr.Common(code)
}
