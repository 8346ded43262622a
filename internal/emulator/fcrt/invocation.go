package fcrt

import (
	"fmt"
	"time"
)

// DefaultTimeout is the function timeout an Invocation gets when it sets none.
const DefaultTimeout = 60 * time.Second

// Credentials are the STS credentials of the function's role, passed to every
// invocation. Its fields match world.Credentials, so one converts to the other.
type Credentials struct {
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string
}

// Invocation is one event for the function and the context FC sends with it.
// Empty strings and a zero MemoryMB are left out of the headers.
type Invocation struct {
	// Payload is the raw event, delivered as the body of the /next answer.
	Payload []byte
	// RequestID is generated when empty. It must be one URL path segment
	// that needs no escaping, since the function posts it back in the path.
	RequestID string
	// Timeout is the function's timeout; DefaultTimeout when zero. The
	// x-fc-function-timeout header carries it rounded up to whole seconds;
	// the deadline header carries it exactly (to the millisecond), so tests
	// may use sub-second timeouts.
	Timeout      time.Duration
	Credentials  Credentials
	AccountID    string
	Region       string
	FunctionName string
	ServiceName  string
	Handler      string
	Qualifier    string
	MemoryMB     int
	RetryCount   int
}

// Result is the function's answer to one invocation.
type Result struct {
	RequestID string
	// Body is the payload the function posted: the handler's JSON result on
	// success, the error document on failure (as FC's InvokeFunction answers).
	Body []byte
	// Error is set when the function reported an error or timed out.
	Error *InvocationError
	// TimedOut is set when the function did not answer before its deadline.
	TimedOut bool
	// Duration runs from delivery to the function until its answer.
	Duration time.Duration
}

// InvocationError is the error document a function posts to .../error.
type InvocationError struct {
	ErrorMessage string `json:"errorMessage"`
	ErrorType    string `json:"errorType,omitempty"`
	// StackTrace is whatever the runtime sent (the Go SDK: a list of
	// {path, line, label} frames for a panic), decoded generically.
	StackTrace any `json:"stackTrace,omitempty"`
}

// Error makes an InvocationError usable as an error.
func (e *InvocationError) Error() string {
	if e.ErrorType == "" {
		return e.ErrorMessage
	}
	return fmt.Sprintf("%s: %s", e.ErrorType, e.ErrorMessage)
}
