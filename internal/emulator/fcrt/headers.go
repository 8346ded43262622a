package fcrt

import (
	"net/http"
	"strconv"
	"time"
)

// Headers of a /next answer, as the SDK reads them.
const (
	hdrRequestID       = "x-fc-request-id"
	hdrDeadline        = "x-fc-function-deadline" // epoch ms; required by the SDK
	hdrTimeout         = "x-fc-function-timeout"  // whole seconds; required by the SDK
	hdrFunctionType    = "x-fc-function-type"
	hdrAccessKeyID     = "x-fc-access-key-id"
	hdrAccessKeySecret = "x-fc-access-key-secret"
	hdrSecurityToken   = "x-fc-security-token"
	hdrFunctionName    = "x-fc-function-name"
	hdrFunctionHandler = "x-fc-function-handler"
	hdrFunctionMemory  = "x-fc-function-memory"
	hdrServiceName     = "x-fc-service-name"
	hdrRegion          = "x-fc-region"
	hdrAccountID       = "x-fc-account-id"
	hdrQualifier       = "x-fc-qualifier"
	hdrRetryCount      = "x-fc-retry-count"
)

// functionType is the x-fc-function-type value: which of the function's
// entry points an invocation is for.
type functionType int

const (
	typeHandler     functionType = 0
	typeInitializer functionType = 1
	typePreStop     functionType = 2
	typePreFreeze   functionType = 3
)

// setInvocationHeaders writes the headers FC sends with an invocation
// delivered now, to expire at deadline.
func setInvocationHeaders(h http.Header, inv *Invocation, typ functionType, deadline time.Time) {
	set := func(k, v string) {
		if v != "" {
			h.Set(k, v)
		}
	}
	set(hdrRequestID, inv.RequestID)
	set(hdrDeadline, strconv.FormatInt(deadline.UnixMilli(), 10))
	set(hdrTimeout, strconv.FormatInt(timeoutSeconds(inv.Timeout), 10))
	set(hdrFunctionType, strconv.Itoa(int(typ)))
	set(hdrAccessKeyID, inv.Credentials.AccessKeyID)
	set(hdrAccessKeySecret, inv.Credentials.AccessKeySecret)
	set(hdrSecurityToken, inv.Credentials.SecurityToken)
	set(hdrFunctionName, inv.FunctionName)
	set(hdrFunctionHandler, inv.Handler)
	if inv.MemoryMB > 0 {
		set(hdrFunctionMemory, strconv.Itoa(inv.MemoryMB))
	}
	set(hdrServiceName, inv.ServiceName)
	set(hdrRegion, inv.Region)
	set(hdrAccountID, inv.AccountID)
	set(hdrQualifier, inv.Qualifier)
	set(hdrRetryCount, strconv.Itoa(inv.RetryCount))
}

// timeoutSeconds rounds a timeout up to whole seconds, at least 1: FC
// timeouts are whole seconds and the SDK parses the header as an integer.
func timeoutSeconds(d time.Duration) int64 {
	s := int64((d + time.Second - 1) / time.Second)
	return max(s, 1)
}
