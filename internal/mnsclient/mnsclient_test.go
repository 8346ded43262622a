package mnsclient_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	ali_mns "github.com/aliyun/aliyun-mns-go-sdk"

	"github.com/imageshare/ecs-image-share/internal/mnsclient"
)

func valid() mnsclient.Config {
	return mnsclient.Config{
		AccountID:       "1234567890123456",
		Region:          "cn-hangzhou",
		AccessKeyID:     "id",
		AccessKeySecret: "secret",
	}
}

// Every case would panic inside the SDK if passed through unchecked.
func TestNewRejectsWhatTheSDKPanicsOn(t *testing.T) {
	tests := []struct {
		name string
		edit func(*mnsclient.Config)
	}{
		{"no key id", func(c *mnsclient.Config) { c.AccessKeyID = "" }},
		{"no secret", func(c *mnsclient.Config) { c.AccessKeySecret = "" }},
		{"no endpoint, no account", func(c *mnsclient.Config) { c.AccountID = "" }},
		{"no endpoint, bad region", func(c *mnsclient.Config) { c.Region = "hangzhou" }},
		{"custom domain", func(c *mnsclient.Config) { c.Endpoint = "https://mns.example.com" }},
		{"not a URL scheme", func(c *mnsclient.Config) { c.Endpoint = "1234567890123456.mns.cn-hangzhou.aliyuncs.com" }},
		{"ftp", func(c *mnsclient.Config) { c.Endpoint = "ftp://1234567890123456.mns.cn-hangzhou.aliyuncs.com" }},
		{"path", func(c *mnsclient.Config) { c.Endpoint = "https://1234567890123456.mns.cn-hangzhou.aliyuncs.com/x" }},
		{"query", func(c *mnsclient.Config) { c.Endpoint = "https://1234567890123456.mns.cn-hangzhou.aliyuncs.com?a=b" }},
		{"loopback without account", func(c *mnsclient.Config) { c.Endpoint, c.AccountID = "http://127.0.0.1:9000", "" }},
		{"localhost without region", func(c *mnsclient.Config) { c.Endpoint, c.Region = "http://localhost:9000", "" }},
		{"negative timeout", func(c *mnsclient.Config) { c.Timeout = -time.Second }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := valid()
			tc.edit(&cfg)
			if c, err := mnsclient.New(cfg); err == nil {
				t.Fatalf("New(%+v) = %v, want an error", cfg, c)
			}
		})
	}
}

func TestNewAccepts(t *testing.T) {
	for _, endpoint := range []string{
		"",
		"https://1234567890123456.mns.cn-hangzhou.aliyuncs.com",
		"https://1234567890123456.mns.cn-hangzhou.aliyuncs.com/",
		"http://1234567890123456.mns.cn-hangzhou-internal.aliyuncs.com",
		"https://1234567890123456.mns.cn-hangzhou.aliyuncs.com:443",
		"http://127.0.0.1:9000",
		"http://[::1]:9000",
		"http://localhost:9000",
	} {
		cfg := valid()
		cfg.Endpoint = endpoint
		cfg.SecurityToken = "sts"
		if _, err := mnsclient.New(cfg); err != nil {
			t.Errorf("New with endpoint %q: %v", endpoint, err)
		}
	}
}

func TestDefaultEndpoint(t *testing.T) {
	if got, want := mnsclient.DefaultEndpoint("1234567890123456", "cn-shanghai"), "https://1234567890123456.mns.cn-shanghai.aliyuncs.com"; got != want {
		t.Fatalf("DefaultEndpoint = %q, want %q", got, want)
	}
}

// TestLoopbackKeepsTheRealisticHost checks that an emulator address is
// dialled while the request still names the account's endpoint and carries
// the STS token.
func TestLoopbackKeepsTheRealisticHost(t *testing.T) {
	var mu sync.Mutex
	var seen *http.Request
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen = r.Clone(r.Context())
		mu.Unlock()
		w.Header().Set("x-mns-request-id", "R1")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`<Message xmlns="http://mns.aliyuncs.com/doc/v1/"><MessageId>M1</MessageId><MessageBodyMD5>X</MessageBodyMD5></Message>`))
	}))
	defer srv.Close()

	cfg := valid()
	cfg.Endpoint = srv.URL
	cfg.SecurityToken = "sts-token"
	client, err := mnsclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := ali_mns.NewMNSQueue("work", client).SendMessage(ali_mns.MessageSendRequest{MessageBody: "x", Priority: 8})
	if err != nil {
		t.Fatal(err)
	}
	if resp.MessageId != "M1" || resp.RequestId != "R1" {
		t.Fatalf("response %+v", resp)
	}
	mu.Lock()
	defer mu.Unlock()
	if seen.Host != "1234567890123456.mns.cn-hangzhou.aliyuncs.com" || seen.URL.Path != "/queues/work/messages" {
		t.Fatalf("request to host %q path %q", seen.Host, seen.URL.Path)
	}
	if seen.Header.Get("Security-Token") != "sts-token" || !strings.HasPrefix(seen.Header.Get("Authorization"), "MNS id:") {
		t.Fatalf("headers %v", seen.Header)
	}
}

func TestLoopbackTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	defer srv.Close()
	defer close(release)

	cfg := valid()
	cfg.Endpoint = srv.URL
	cfg.Timeout = 100 * time.Millisecond
	client, err := mnsclient.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, err = ali_mns.NewMNSQueue("work", client).SendMessage(ali_mns.MessageSendRequest{MessageBody: "x", Priority: 8})
	if !ali_mns.ERR_SEND_REQUEST_FAILED.IsEqual(err) {
		t.Fatalf("got %v, want the SDK's send failure after the timeout", err)
	}
}
