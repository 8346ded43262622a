// Package oss emulates the Alibaba Cloud OSS (Object Storage Service) object
// API for the buckets of a world file: PutObject, GetObject, HeadObject and
// DeleteObject, which is what the function's ledger uses. The real OSS Go SDK
// (github.com/aliyun/alibabacloud-oss-go-sdk-v2) talks to it unchanged.
//
// # Addressing
//
// Path style, /<bucket>/<key> on any Host (what the SDK sends to an IP
// endpoint such as http://127.0.0.1:PORT), and virtual-hosted style,
// Host: <bucket>.oss-<region>[-internal].aliyuncs.com with path /<key>.
// A bucket is one the world declares (key buckets) or NoSuchBucket 404.
//
// # Requests
//
// Every request is authenticated first, with the world's credentials (the
// same ones ECS and MNS check), in this order:
//   - a signature in the URL (presigned: OSSAccessKeyId, x-oss-signature)
//     is NotImplemented; no Authorization header is AccessDenied 403 (every
//     emulated bucket is private);
//   - Authorization is "OSS4-HMAC-SHA256 Credential=<id>/<yyyymmdd>/<region>/oss/aliyun_v4_request,
//     [AdditionalHeaders=<a;b>,]Signature=<hex>" (V4, the SDK's default) or
//     "OSS <id>:<base64>" (V1); any other form is InvalidArgument 400;
//   - the signing time (x-oss-date for V4, Date for V1) must parse
//     (AccessDenied 403) and be within 15 minutes of the real wall clock
//     (RequestTimeTooSkewed 403, with RequestTime and ServerTime, from which
//     the SDK corrects its clock); a V4 scope date other than x-oss-date's is
//     InvalidArgument;
//   - the key id must be the world's (InvalidAccessKeyId 403);
//   - x-oss-security-token must be the world's securityToken: a token sent
//     when the world has none, or none sent when it has one, is
//     InvalidAccessKeyId (OSS takes a request with a token for STS, and an
//     STS key without its token is unknown); another token is
//     InvalidSecurityToken 403;
//   - the signature must match (SignatureDoesNotMatch 403, whose document
//     carries the StringToSign, and for V4 the CanonicalRequest, the emulator
//     computed); the canonical request and strings to sign are built as the
//     SDK's signer builds them (CanonicalRequestV4, StringToSignV1);
//   - Content-MD5, when sent, must be base64 of the body's MD5 (InvalidDigest 400).
//
// Then the bucket must exist (NoSuchBucket 404), a V4 signature must be
// scoped to the bucket's region (InvalidArgument 400: OSS refuses a wrong
// signing region; its exact code is not in the references, this one was
// chosen), and the request must name an emulated operation: bucket and
// service operations and object sub-resources are NotImplemented 501, other
// methods MethodNotAllowed 405. Only then is the call shown to the fault
// injector, under the names PutObject, GetObject, HeadObject and DeleteObject
// (faults may be narrowed with bucket:); rate-limited calls get
// QpsLimitExceeded 429.
//
// Bodies above MaxObjectSize are EntityTooLarge 400: the emulator treats
// every body as untrusted, and the ledger's objects are tiny.
//
// # Operations
//
//   - PutObject stores the body, Content-Type and x-oss-meta-* headers and
//     answers 200 with ETag (quoted upper-case hex MD5), Content-MD5 and
//     x-oss-hash-crc64ecma. With x-oss-forbid-overwrite: true an existing key
//     is FileAlreadyExists 409 and the object is untouched; concurrent puts
//     of one key with the header have exactly one winner. A value other
//     than true or false is InvalidArgument.
//   - GetObject answers the object with its headers; HeadObject the same
//     headers without a body. A missing key is NoSuchKey 404; for HEAD the
//     body is empty and the error document is sent base64-encoded in
//     x-oss-err, as OSS does and the SDK reads.
//   - DeleteObject answers 204 whether or not the key existed.
//
// Range, conditional (If-Match...), versioning, ACLs and storage classes are
// not emulated. Every answer carries x-oss-request-id; errors are
// <Error><Code/><Message/><RequestId/><HostId/>...</Error>.
//
// # References
//
//   - PutObject and x-oss-forbid-overwrite, FileAlreadyExists 409:
//     https://help.aliyun.com/en/oss/user-guide/0026-00000201 and
//     https://www.alibabacloud.com/help/en/object-storage-service/latest/disable-overwriting-object-with-the-same-name;
//     an invalid header value: https://help.aliyun.com/en/oss/user-guide/0017-00000279
//   - V4 signature: https://www.alibabacloud.com/help/en/oss/developer-reference/recommend-to-use-signature-version-4
//     and the SDK's oss/signer/v4.go; malformed Authorization:
//     https://help.aliyun.com/en/oss/user-guide/0002-00000203
//   - V1 signature: https://www.alibabacloud.com/help/en/oss/developer-reference/include-signatures-in-the-authorization-header
//     and the SDK's oss/signer/v1.go
//   - Error responses: https://www.alibabacloud.com/help/en/document_detail/32005.html;
//     403 codes: https://www.alibabacloud.com/help/en/oss/how-to-troubleshoot-403-status-code-when-you-access-oss;
//     skew: https://help.aliyun.com/en/oss/user-guide/0002-00000504;
//     STS: https://help.aliyun.com/zh/oss/support/0002-00000002,
//     https://help.aliyun.com/en/oss/user-guide/0002-00000003,
//     https://help.aliyun.com/en/oss/user-guide/0002-00000008
//   - Throttling: https://help.aliyun.com/en/oss/user-guide/429-error and
//     https://help.aliyun.com/en/oss/user-guide/http-status-code-503
//   - HEAD errors in x-oss-err: the SDK's tryConvertServiceError (oss/client.go).
package oss
