package oss

import (
	"encoding/xml"
	"fmt"
	"net/http"
)

// codes is the one table of error codes the emulator answers with: the
// documented HTTP status and message of each (OSS "Error responses" and the
// per-code troubleshooting pages cited in doc.go).
var codes = map[string]struct {
	status  int
	message string
}{
	"AccessDenied":          {http.StatusForbidden, "You have no right to access this object because of bucket acl."},
	"EntityTooLarge":        {http.StatusBadRequest, "Your proposed upload exceeds the maximum allowed size."},
	"FileAlreadyExists":     {http.StatusConflict, "The object you specified already exists and can not be overwritten."},
	"InternalError":         {http.StatusInternalServerError, "We encountered an internal error. Please try again."},
	"InvalidAccessKeyId":    {http.StatusForbidden, "The OSS Access Key Id you provided does not exist in our records."},
	"InvalidArgument":       {http.StatusBadRequest, "Invalid argument."},
	"InvalidDigest":         {http.StatusBadRequest, "The Content-MD5 you specified is not valid."},
	"InvalidObjectName":     {http.StatusBadRequest, "The Specified object name is not valid."},
	"InvalidSecurityToken":  {http.StatusForbidden, "The security token you provided is invalid."},
	"MethodNotAllowed":      {http.StatusMethodNotAllowed, "The specified method is not allowed against this resource."},
	"NoSuchBucket":          {http.StatusNotFound, "The specified bucket does not exist."},
	"NoSuchKey":             {http.StatusNotFound, "The specified key does not exist."},
	"RequestTimeTooSkewed":  {http.StatusForbidden, "The difference between the request time and the current time is too large."},
	"SignatureDoesNotMatch": {http.StatusForbidden, "The request signature we calculated does not match the signature you provided. Check your key and signing method."},
	// Throttling: the 429 page names QpsLimitExceeded, the 503 page
	// TotalQpsLimitExceeded; both are kept so a world can inject either
	// (the SDK retries both statuses).
	"QpsLimitExceeded":      {http.StatusTooManyRequests, "Please reduce your request rate."},
	"TotalQpsLimitExceeded": {http.StatusServiceUnavailable, "Max total qps limit is exceeded"},
	"ServiceUnavailable":    {http.StatusServiceUnavailable, "Thread pool is almost full, please retry later"},
	// Not answered by OSS for these requests: what the emulator says for
	// real operations it does not model (bucket operations, presigned URLs).
	"NotImplemented": {http.StatusNotImplemented, "This operation is not emulated."},
}

// throttleCode is what a rate-limited call gets (see codes for its status).
const throttleCode = "QpsLimitExceeded"

// apiError is a service error before rendering: a code from codes, an
// optional more precise message, a status that overrides the table's, and
// the extra elements OSS adds to some errors (Key, BucketName, StringToSign...).
type apiError struct {
	code    string
	message string
	status  int
	extra   []element
}

// element is one extra child of <Error>.
type element struct {
	XMLName xml.Name
	Value   string `xml:",chardata"`
}

func (e *apiError) Error() string { return e.code + ": " + e.text() }

// with adds an extra element and returns e.
func (e *apiError) with(name, value string) *apiError {
	e.extra = append(e.extra, element{XMLName: xml.Name{Local: name}, Value: value})
	return e
}

func errCode(code string) *apiError { return &apiError{code: code} }

func errorf(code, format string, args ...any) *apiError {
	return &apiError{code: code, message: fmt.Sprintf(format, args...)}
}

// httpStatus is the override, the table's status, or 500 for a code the
// table does not know (an injected fault naming another code).
func (e *apiError) httpStatus() int {
	if e.status != 0 {
		return e.status
	}
	if c, ok := codes[e.code]; ok {
		return c.status
	}
	return http.StatusInternalServerError
}

func (e *apiError) text() string {
	if e.message != "" {
		return e.message
	}
	if c, ok := codes[e.code]; ok {
		return c.message
	}
	return e.code
}

// errorBody is the documented error document:
// <Error><Code/><Message/><RequestId/><HostId/>...</Error>.
type errorBody struct {
	XMLName   xml.Name  `xml:"Error"`
	Code      string    `xml:"Code"`
	Message   string    `xml:"Message"`
	RequestID string    `xml:"RequestId"`
	HostID    string    `xml:"HostId"`
	Extra     []element `xml:",any"`
}

// Codes returns the codes the emulator can answer with and their statuses,
// for tests and fuzzing.
func Codes() map[string]int {
	out := make(map[string]int, len(codes))
	for c, v := range codes {
		out[c] = v.status
	}
	return out
}
