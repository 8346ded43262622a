package oss

import (
	"net"
	"net/http"
	"strings"
)

// target is the bucket and key a request addresses.
type target struct {
	bucket, key string
}

// parseTarget reads the bucket and key from a virtual-hosted request
// (Host: <bucket>.oss-<region>[-internal].aliyuncs.com, path /<key>) or a
// path-style one (/<bucket>/<key>, what the SDK sends to an IP endpoint).
// The key is the decoded path, as the client signed it.
func parseTarget(r *http.Request) target {
	path := strings.TrimPrefix(r.URL.Path, "/")
	if b, ok := virtualHostBucket(r.Host); ok {
		return target{bucket: b, key: path}
	}
	b, k, _ := strings.Cut(path, "/")
	return target{bucket: b, key: k}
}

// virtualHostBucket is the bucket named by a host of the form
// <bucket>.oss-<...>.aliyuncs.com.
func virtualHostBucket(hostport string) (string, bool) {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	rest, ok := strings.CutSuffix(host, ".aliyuncs.com")
	if !ok {
		return "", false
	}
	bucket, endpoint, ok := strings.Cut(rest, ".")
	if !ok || bucket == "" || !strings.HasPrefix(endpoint, "oss-") || strings.Contains(endpoint, ".") {
		return "", false
	}
	return bucket, true
}

// IsOSSHost reports whether a Host header names an OSS bucket endpoint
// (<bucket>.oss-<region>.aliyuncs.com) or a regional one
// (oss-<region>.aliyuncs.com), for routing on a shared listener.
func IsOSSHost(hostport string) bool {
	if _, ok := virtualHostBucket(hostport); ok {
		return true
	}
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	return strings.HasPrefix(host, "oss-") && strings.HasSuffix(host, ".aliyuncs.com")
}
