// Package mns emulates the Alibaba Cloud MNS (Message Service) REST API
// (version 2015-06-06) for one account: queues and topics, served at
// /queues/... and /topics/... under any Host name.
//
// The emulator is a product feature: users run it for their own integration
// tests, from any language. It follows the documented protocol, not merely
// what the Go SDK tolerates, so code that passes against it works against
// the service.
//
// # Requests
//
// Every request is authenticated before anything else, in this order:
// x-mns-version must be 2015-06-06 (MissingVersionHeader,
// InvalidVersionHeader); Authorization must be "MNS <AccessKeyId>:<Signature>"
// (MissingAuthorizationHeader, InvalidAuthorizationHeader); Date must parse
// and be within 15 minutes of the real wall clock, since real clients sign
// with real time (MissingDateHeader, InvalidDateHeader, TimeExpired 408); the
// key must be the world's (InvalidAccessKeyId 403); the signature must match
// (SignatureDoesNotMatch 403, whose message quotes the string the emulator
// signed); when the world's credentials carry a security token, the
// Security-Token header must equal it (AccessDenied 403); and Content-MD5,
// when sent, must be base64 of the lowercase hex MD5 of the body, the form
// every MNS SDK sends (InvalidDegist 400, the service's own spelling; the
// RFC 1864 form is rejected too). See StringToSign, Signature and ContentMD5.
//
// Only then is the call counted and shown to the fault injector: requests
// that fail authentication, and paths that name no operation
// (InvalidRequestURL, or NotImplemented for subscriptions), are answered
// and counted nowhere and never consume a fault. Operation names for faults
// are SendMessage, BatchSendMessage, ReceiveMessage, BatchReceiveMessage,
// PeekMessage, BatchPeekMessage, DeleteMessage, BatchDeleteMessage,
// ChangeMessageVisibility, PublishMessage, CreateQueue, SetQueueAttributes,
// GetQueueAttributes, DeleteQueue, ListQueue and the Topic equivalents.
// An injected code is answered with its status from the one error table
// (errors.go) unless the fault sets one; a code the table does not know is
// answered with 500. Rate-limited calls get QpsLimitExceeded with 400, the
// status in the error code reference (the newer flow-limiting page's 429
// TooManyRequests can be injected by name).
//
// # Queues
//
// Messages follow the documented semantics on the injected clock:
//   - DelaySeconds 0..604800; absent, the queue's DelaySeconds applies.
//   - Priority 1..16, 1 the highest; absent, 8. Priority 0 is
//     InvalidArgument, as the service answers the Go SDK's default.
//   - The body must be 1..MaximumMessageSize bytes; otherwise
//     InvalidArgument ("The value of MessageBody should between 1 and N
//     bytes."), which is how the service names every range error.
//   - Visible messages are delivered by priority, then enqueue order. A
//     receive hides a message for the queue's VisibilityTimeout, counts the
//     dequeue and issues a new receipt handle; unless deleted it reappears
//     with DequeueCount+1.
//   - A receipt handle is valid while its receive holds the message. A
//     handle that is not one the service issues is ReceiptHandleError 400;
//     one that no longer holds its message (deleted, received again,
//     visibility changed, or visibility expired) is MessageNotExist 404, as
//     the service documents for expired handles.
//   - An empty receive is MessageNotExist 404. waitseconds (0..30, default
//     the queue's PollingWaitSeconds) waits on real time and returns as soon
//     as a message is visible: on a send, a publish to a subscribed topic,
//     Wake, an advance of a clock.Manual or, with a clock that moves with
//     real time, when a hidden message is due.
//   - Messages older than MessageRetentionPeriod (default 4 days) are dropped.
//   - BatchSendMessage takes 1..16 messages of at most 64 KiB together. If
//     some are invalid, the valid ones are enqueued and the answer lists
//     every message's MessageId or ErrorCode/ErrorMessage with status 500;
//     that status is not documented and was chosen here. BatchDeleteMessage
//     deletes what it can and answers the documented 404 with an
//     <Errors><Error><ErrorCode/><ErrorMessage/><ReceiptHandle/></Error>
//     list when any handle fails.
//   - DeleteQueue and DeleteTopic answer 204 whether or not the resource
//     exists: the reference lists no operation-specific error for them.
//
// # Topics
//
// PublishMessage keeps every message (Published) and enqueues a copy on
// each subscriber queue the world file declares, carrying the body only, as
// a queue subscription with NotifyContentFormat SIMPLIFIED delivers it:
// priority 8, the queue's own DelaySeconds, regardless of the queue's
// MaximumMessageSize. MessageTag is at most 16 characters. The Subscribe
// API is not emulated.
//
// # Answers
//
// Bodies are XML with xmlns="http://mns.aliyuncs.com/doc/v1/", every answer
// carries x-mns-request-id, successes use the statuses the SDK expects (201
// created or sent, 200 read, 204 deleted or unchanged), and errors are
// <Error><Code/><Message/><RequestId/><HostId/></Error>. Message ids, receipt
// handles and request ids are deterministic, so a seeded run repeats.
package mns
