// Package fcrt emulates the Function Compute runtime API that a function
// written with github.com/aliyun/fc-runtime-go-sdk (runtime go1) talks to.
//
// Inside FC, an instance's process polls
//
//	GET  http://$FC_RUNTIME_API/2020-11-11/runtime/invocation/next
//
// and answers each invocation with
//
//	POST .../invocation/{request-id}/response   (the handler's JSON result)
//	POST .../invocation/{request-id}/error      ({"errorMessage","errorType","stackTrace"})
//
// A Runtime serves those three endpoints and lets Go code play the platform's
// part: Invoke queues an event, hands it to the next poll with the x-fc-*
// headers FC sets (request id, deadline, timeout, STS credentials, function,
// service, region, account, qualifier, retry count, function type) and
// returns what the function posted back. StartProcess runs a compiled function
// binary against a Runtime served over HTTP.
//
// FC does not publish this API; its contract here is the SDK's (v0.3.1) plus
// the AWS Lambda runtime API it was ported from, where the SDK is silent:
//
//   - Completions are answered 200 (the SDK treats any other status as a
//     failure to deliver; Lambda's 202 would break it).
//   - A completion for a request id that is unknown, not yet delivered,
//     already completed, timed out or abandoned by its caller is answered 400
//     with {"errorMessage","errorType":"InvalidRequestID"}, as Lambda does.
//   - The deadline is real wall-clock time: the SDK turns the epoch-ms header
//     into a context deadline against time.Now, so an emulated clock cannot
//     drive it. The timeout starts when a poll receives the invocation (as on
//     FC, where queueing time is not execution time). When it passes without a
//     completion, the invocation ends the way FC reports it: a function error
//     "Function timed out after N seconds", with Result.TimedOut set.
//   - The runtime API is local to an FC instance: it has no signature and no
//     documented errors, so it takes no part in fault injection or call counts.
//   - The SDK calls nothing else (no init-error endpoint, unlike Lambda), so
//     nothing else is served; other paths get 404, other methods 405.
package fcrt
