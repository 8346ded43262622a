// Package rpcerr is the table of error codes that Alibaba Cloud's RPC
// gateway answers for every RPC API, whatever the service (signature,
// timestamp, nonce, token, throttling, server errors), with the status and
// message the emulated endpoints give them. Each service's own table (ecs,
// resourcemanager) answers its documented codes and falls back to this one,
// so a common code carries the same status on every endpoint.
package rpcerr

import (
	"fmt"
	"net/http"
)

// Error is an answer in the RPC error format: a documented code, its HTTP
// status and a message.
type Error struct {
	Code    string
	Status  int
	Message string
}

func (e *Error) Error() string { return fmt.Sprintf("%s (%d): %s", e.Code, e.Status, e.Message) }

// Body is the RPC error answer on the wire, in JSON or XML. All five fields
// are strings: the Go SDK type-asserts them and panics on anything else.
type Body struct {
	RequestID string `json:"RequestId" xml:"RequestId"`
	HostID    string `json:"HostId" xml:"HostId"`
	Code      string `json:"Code" xml:"Code"`
	Message   string `json:"Message" xml:"Message"`
	Recommend string `json:"Recommend" xml:"Recommend"`
}

// New returns the error for code with the status and message table gives it;
// msg, when given, replaces the message (one naming the parameter at fault,
// say). A code the table does not know is answered with 400, so a world
// file can still inject it.
func New(table func(code string) (status int, message string, ok bool), code string, msg ...string) *Error {
	status, message, ok := table(code)
	if !ok {
		status, message = http.StatusBadRequest, "Injected fault "+code+"."
	}
	if len(msg) > 0 {
		message = msg[0]
	}
	return &Error{Code: code, Status: status, Message: message}
}

// Common returns the status and message of a code common to every RPC API,
// and whether code is one.
func Common(code string) (status int, message string, ok bool) {
	const bad = http.StatusBadRequest
	switch code {
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
		// 400, not the 403 of ECS's common error list: the SDKs turn it into
		// InvalidAccessKeySecret only at 400, and their tests against the
		// live service expect that (docs/conflicts.md).
		return bad, "Specified signature is not matched with our calculation.", true
	case "IncompleteSignature":
		return bad, "The request signature does not conform to Aliyun standards.", true
	case "InvalidSecurityToken.Malformed":
		return bad, "Specified SecurityToken is malformed or missing.", true
	case "InvalidSecurityToken.MismatchWithAccessKey":
		return bad, "Specified SecurityToken mismatch with the AccessKey.", true
	case "InvalidAction.NotFound":
		return http.StatusNotFound, "Specified api is not found, please check your url and method.", true
	case "Throttling":
		return bad, "Request was denied due to request throttling.", true
	case "Throttling.User":
		return bad, "Request was denied due to user flow control.", true
	case "Forbidden.RAM":
		return http.StatusForbidden, "User not authorized to operate on the specified resource, or this API doesn't support RAM.", true
	case "InternalError":
		return http.StatusInternalServerError, "The request processing has failed due to some unknown error, exception or failure.", true
	case "ServiceUnavailable":
		return http.StatusServiceUnavailable, "The request has failed due to a temporary failure of the server.", true
	}
	return 0, "", false
}
