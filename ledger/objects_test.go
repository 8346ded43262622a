package ledger

import (
	"context"
	"encoding/base64"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
)

// wire is what a recorder saw of one request, less what changes from one
// request to the next (the time, and the signature over it).
type wire struct {
	Method, Host, Path string
	Headers            []string // "name: value", sorted
	Authorization      string   // up to the signature
}

// recorder answers like OSS (a write, a missing record, a delete) and
// records every request.
type recorder struct {
	mu   sync.Mutex
	seen []wire
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	var headers []string
	for name, vs := range req.Header {
		switch strings.ToLower(name) {
		case "x-oss-date", "date", "user-agent", "accept-encoding", "authorization":
			continue // the time, and what each client calls itself
		}
		headers = append(headers, strings.ToLower(name)+": "+strings.Join(vs, ","))
	}
	slices.Sort(headers)
	auth, _, _ := strings.Cut(req.Header.Get("Authorization"), "Signature=")
	r.mu.Lock()
	r.seen = append(r.seen, wire{req.Method, req.Host, req.URL.EscapedPath(), headers, auth})
	r.mu.Unlock()
	w.Header().Set("x-oss-request-id", "REQ-1")
	switch req.Method {
	case http.MethodHead:
		doc := `<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>`
		w.Header().Set("x-oss-err", base64.StdEncoding.EncodeToString([]byte(doc)))
		w.WriteHeader(http.StatusNotFound)
	case http.MethodDelete:
		w.WriteHeader(http.StatusNoContent)
	}
}

// TestRequestsMatchTheSDK sends the ledger's three requests with its own
// client and with the SDK's oss.Client, to the same recorder, and wants
// the same requests on the wire: the same address (virtual-hosted, or
// path-style for an IP endpoint), the same signed headers and the same
// signature scope. Both are signed by the SDK's signer; this holds what is
// written around it to what the SDK does.
func TestRequestsMatchTheSDK(t *testing.T) {
	rec := &recorder{}
	srv := httptest.NewServer(rec)
	t.Cleanup(srv.Close)
	// Every host resolves to the recorder, so that a virtual-hosted
	// address (bucket.endpoint) reaches it too.
	toRecorder := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, network, srv.Listener.Addr().String())
		},
	}}
	const key = "ecs-image-share/steps/0a1b+c=d"
	for _, endpoint := range []string{"http://oss-cn-hangzhou.aliyuncs.com", srv.URL} {
		t.Run(endpoint, func(t *testing.T) {
			cfg := OSSConfig{Bucket: "ledger-bucket", Region: "cn-hangzhou", Endpoint: endpoint,
				AccessKeyID: "AK", AccessKeySecret: "SK", SecurityToken: "STS-TOKEN", Timeout: 5 * time.Second}
			ours, err := newObjects(cfg)
			if err != nil {
				t.Fatal(err)
			}
			ours.hc = toRecorder
			sdk := oss.NewClient(oss.LoadDefaultConfig().
				WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AK", "SK", "STS-TOKEN")).
				WithRegion("cn-hangzhou").WithEndpoint(endpoint).WithHttpClient(toRecorder))
			o := &OSS{objects: ours, prefix: DefaultPrefix}
			ctx := context.Background()

			rec.seen = nil
			if won, err := o.put(ctx, key); err != nil || !won {
				t.Fatalf("put: %v, %v", won, err)
			}
			if _, err := o.age(ctx, key); err != nil {
				t.Fatalf("head: %v", err)
			}
			if err := o.delete(ctx, key); err != nil {
				t.Fatalf("delete: %v", err)
			}
			mine := rec.seen

			rec.seen = nil
			if _, err := sdk.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr(cfg.Bucket), Key: oss.Ptr(key),
				ForbidOverwrite: oss.Ptr("true"), ContentType: oss.Ptr("text/plain"),
				Body: strings.NewReader("claimed\n")}); err != nil {
				t.Fatalf("SDK put: %v", err)
			}
			if _, err := sdk.HeadObject(ctx, &oss.HeadObjectRequest{Bucket: oss.Ptr(cfg.Bucket), Key: oss.Ptr(key)}); err == nil {
				t.Fatal("SDK head: the recorder answers 404")
			}
			if _, err := sdk.DeleteObject(ctx, &oss.DeleteObjectRequest{Bucket: oss.Ptr(cfg.Bucket), Key: oss.Ptr(key)}); err != nil {
				t.Fatalf("SDK delete: %v", err)
			}
			theirs := rec.seen

			if len(mine) != 3 || len(theirs) != 3 {
				t.Fatalf("requests: ours %d, the SDK's %d; want 3 each", len(mine), len(theirs))
			}
			for i := range mine {
				// The SDK checks a write's CRC-64 (it asks for it in no
				// header) and nothing else differs.
				if !equalWire(mine[i], theirs[i]) {
					t.Errorf("request %d:\nours:    %+v\nthe SDK: %+v", i, mine[i], theirs[i])
				}
			}
			if !strings.HasPrefix(mine[0].Authorization, "OSS4-HMAC-SHA256 Credential=AK/") {
				t.Errorf("not signed with V4: %q", mine[0].Authorization)
			}
		})
	}
}

func equalWire(a, b wire) bool {
	return a.Method == b.Method && a.Host == b.Host && a.Path == b.Path &&
		a.Authorization == b.Authorization && slices.Equal(a.Headers, b.Headers)
}

// TestRefusalsAreRead: the error document of a body, of a HEAD's x-oss-err
// header, and of neither.
func TestRefusalsAreRead(t *testing.T) {
	for _, tc := range []struct {
		name     string
		status   int
		header   string
		body     string
		wantCode string
	}{
		{"body", 409, "", `<?xml version="1.0" encoding="UTF-8"?><Error><Code>FileAlreadyExists</Code><Message>exists</Message><RequestId>R1</RequestId></Error>`, "FileAlreadyExists"},
		{"x-oss-err", 404, base64.StdEncoding.EncodeToString([]byte(`<Error><Code>NoSuchBucket</Code></Error>`)), "", "NoSuchBucket"},
		{"neither", 502, "", "<html>bad gateway</html>", "BadErrorResponse"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rw := httptest.NewRecorder()
			rw.Header().Set("x-oss-request-id", "R1")
			if tc.header != "" {
				rw.Header().Set("x-oss-err", tc.header)
			}
			rw.WriteHeader(tc.status)
			_, _ = rw.WriteString(tc.body)
			e := readServiceError(rw.Result())
			if e.Code != tc.wantCode || e.Status != tc.status || e.RequestID != "R1" {
				t.Errorf("got %+v, want code %s, status %d, request id R1", e, tc.wantCode, tc.status)
			}
		})
	}
}

// TestRetriesAsTheSDK: a 503 is tried again; a request refused for a clock
// an hour behind the service's is signed again with the service's time.
func TestRetriesAsTheSDK(t *testing.T) {
	serviceTime := time.Now().Add(time.Hour).UTC()
	var mu sync.Mutex
	var dates []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		dates = append(dates, r.Header.Get("x-oss-date"))
		switch len(dates) {
		case 1:
			w.WriteHeader(http.StatusServiceUnavailable)
		case 2:
			w.Header().Set("Date", serviceTime.Format(http.TimeFormat))
			w.WriteHeader(http.StatusForbidden)
			_, _ = w.Write([]byte(`<Error><Code>RequestTimeTooSkewed</Code></Error>`))
		}
	}))
	t.Cleanup(srv.Close)
	l, err := NewOSS(OSSConfig{Bucket: "b", Region: "cn-hangzhou", Endpoint: srv.URL, AccessKeyID: "AK", AccessKeySecret: "SK"})
	if err != nil {
		t.Fatal(err)
	}
	if won, err := l.Claim(context.Background(), "k", 0); err != nil || !won {
		t.Fatalf("claim: %v, %v; want won on the third attempt", won, err)
	}
	if len(dates) != 3 {
		t.Fatalf("%d attempts, want 3", len(dates))
	}
	signed, err := time.Parse("20060102T150405Z", dates[2])
	if err != nil || signed.Sub(serviceTime).Abs() > time.Minute {
		t.Errorf("third attempt signed at %s (%v), want the service's time %s", dates[2], err, serviceTime)
	}
}
