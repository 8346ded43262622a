package ledger

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/retry"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/signer"
)

// objects makes the ledger's three object requests to OSS: a write that
// must not overwrite, a HEAD and a DELETE.
//
// Why not the SDK's oss.Client: linking it added 0.7 ms to every cold start
// (measured against a hello-world function, docs/results.md), more than all
// the rest of the function over the other SDKs. The client's two hundred
// operations stay in the binary whole: a dependency of the MNS SDK uses
// text/template, whose reflection stops the linker from pruning unused
// methods. What is easy to get subtly wrong stays the SDK's own: requests
// are signed by its V4 signer (oss/signer) and retried by its standard
// retryer (oss/retry), and TestRequestsMatchTheSDK holds the requests sent
// here to those of oss.Client. What is left here is what the client does
// around them, following its source (v1.6.1): the endpoint and address
// style, the error document, and the clock-skew correction.
type objects struct {
	hc      *http.Client
	base    *url.URL // scheme and host of the endpoint
	path    bool     // path-style addressing: the endpoint is an IP address
	bucket  string
	region  string
	creds   credentials.Credentials
	retryer *retry.Standard

	mu sync.Mutex
	// skew is the service's clock less this one, learnt from a
	// RequestTimeTooSkewed refusal (the SDK's FeatureCorrectClockSkew).
	skew time.Duration
}

// userAgent names the caller in the service's access logs.
const userAgent = "ecs-image-share-ledger"

// emptyMD5 is the base64 MD5 digest of no bytes.
const emptyMD5 = "1B2M2Y8AsgTpgAmY7PhCfg=="

// maxErrorDocument bounds the error document read from a response.
const maxErrorDocument = 64 << 10

func newObjects(cfg OSSConfig) (*objects, error) {
	endpoint := cfg.Endpoint
	switch {
	case endpoint == "":
		// The region's public endpoint, as the SDK builds it.
		endpoint = "https://oss-" + cfg.Region + ".aliyuncs.com"
	case !strings.Contains(endpoint, "://"):
		endpoint = "https://" + endpoint
	}
	base, err := url.Parse(endpoint)
	if err != nil || base.Host == "" {
		return nil, fmt.Errorf("ledger: endpoint %q is not a URL", cfg.Endpoint)
	}
	dialer := &net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}
	return &objects{
		hc: &http.Client{
			Timeout: cfg.Timeout,
			Transport: &http.Transport{
				DialContext:         dialer.DialContext,
				TLSHandshakeTimeout: cfg.Timeout,
				MaxIdleConnsPerHost: 8,
				IdleConnTimeout:     50 * time.Second,
			},
		},
		base:   base,
		path:   net.ParseIP(base.Hostname()) != nil,
		bucket: cfg.Bucket,
		region: cfg.Region,
		creds: credentials.Credentials{
			AccessKeyID:     cfg.AccessKeyID,
			AccessKeySecret: cfg.AccessKeySecret,
			SecurityToken:   cfg.SecurityToken,
		},
		retryer: retry.NewStandard(),
	}, nil
}

// url is where key lives: virtual-hosted (bucket.host/key), or path-style
// (host/bucket/key) when the endpoint is an IP address, as the SDK does.
func (o *objects) url(key string) string {
	if o.path {
		return o.base.Scheme + "://" + o.base.Host + "/" + o.bucket + "/" + escapeKey(key)
	}
	return o.base.Scheme + "://" + o.bucket + "." + o.base.Host + "/" + escapeKey(key)
}

// escapeKey percent-encodes all but unreserved characters and "/", as the
// SDK does (url.PathEscape would leave sub-delimiters such as "+" and "=",
// which the signature's canonical URI encodes).
func escapeKey(key string) string {
	var b strings.Builder
	for i := 0; i < len(key); i++ {
		switch c := key[i]; {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9',
			c == '-', c == '.', c == '_', c == '~', c == '/':
			b.WriteByte(c)
		default:
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// do sends one request, retried as the SDK's standard retryer decides: a
// network error, a 5xx, 401, 408 or 429, RequestTimeTooSkewed or
// BadRequest, at most three attempts with full-jitter backoff. A refusal is
// returned as a *serviceError. The caller closes the response's body.
func (o *objects) do(ctx context.Context, method, key string, header http.Header, body []byte) (*http.Response, error) {
	var err error
	for attempt := 1; ; attempt++ {
		if attempt > 1 {
			delay, _ := o.retryer.RetryDelay(attempt, err)
			t := time.NewTimer(delay)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, fmt.Errorf("%w (after: %w)", ctx.Err(), err)
			case <-t.C:
			}
		}
		var res *http.Response
		if res, err = o.once(ctx, method, key, header, body); err == nil {
			return res, nil
		}
		if ctx.Err() != nil || attempt >= o.retryer.MaxAttempts() || !o.retryer.IsErrorRetryable(err) {
			return nil, err
		}
	}
}

func (o *objects) once(ctx context.Context, method, key string, header http.Header, body []byte) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, o.url(key), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	req.Header.Set("User-Agent", userAgent)
	if len(body) == 0 {
		req.Header.Set("Content-MD5", emptyMD5) // as the SDK sends, and signs, for a HEAD or DELETE
	}
	o.mu.Lock()
	skew := o.skew
	o.mu.Unlock()
	sc := &signer.SigningContext{
		Product:     ptr("oss"),
		Region:      &o.region,
		Bucket:      &o.bucket,
		Key:         &key,
		Request:     req,
		Credentials: &o.creds,
		ClockOffset: skew,
	}
	if err := (&signer.SignerV4{}).Sign(ctx, sc); err != nil {
		return nil, err
	}
	res, err := o.hc.Do(req)
	if err != nil {
		return nil, err
	}
	if res.StatusCode/100 == 2 {
		return res, nil
	}
	se := readServiceError(res)
	if se.Code == "RequestTimeTooSkewed" && !se.ServerTime.IsZero() {
		o.mu.Lock()
		o.skew = se.ServerTime.Sub(sc.Time)
		o.mu.Unlock()
	}
	return nil, se
}

// discard reads what is left of a response and closes it, so that its
// connection can serve the next request.
func discard(res *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, maxErrorDocument))
	_ = res.Body.Close()
}

func ptr[T any](v T) *T { return &v }

// serviceError is a request OSS refused.
type serviceError struct {
	Status     int
	Code       string
	Message    string
	RequestID  string
	ServerTime time.Time // the response's Date
}

func (e *serviceError) Error() string {
	return fmt.Sprintf("oss: %s: %s (HTTP %d, RequestId %s)", e.Code, e.Message, e.Status, e.RequestID)
}

// HttpStatusCode and ErrorCode are what the SDK's retryer reads.
func (e *serviceError) HttpStatusCode() int { return e.Status }
func (e *serviceError) ErrorCode() string   { return e.Code }

// readServiceError reads OSS's error document: the body, or for a HEAD
// (which has none) the x-oss-err header, base64-encoded. A document that
// cannot be read keeps the SDK's code for it, BadErrorResponse.
func readServiceError(res *http.Response) *serviceError {
	defer discard(res)
	e := &serviceError{Status: res.StatusCode, Code: "BadErrorResponse", RequestID: res.Header.Get("x-oss-request-id")}
	e.ServerTime, _ = http.ParseTime(res.Header.Get("Date"))
	doc, _ := io.ReadAll(io.LimitReader(res.Body, maxErrorDocument))
	if len(doc) == 0 {
		doc, _ = base64.StdEncoding.DecodeString(res.Header.Get("x-oss-err"))
	}
	var parsed struct {
		Code      string `xml:"Code"`
		Message   string `xml:"Message"`
		RequestID string `xml:"RequestId"`
	}
	if xml.Unmarshal(doc, &parsed) == nil && parsed.Code != "" {
		e.Code, e.Message = parsed.Code, parsed.Message
		if e.RequestID == "" {
			e.RequestID = parsed.RequestID
		}
	}
	return e
}
