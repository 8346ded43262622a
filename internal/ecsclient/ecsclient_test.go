package ecsclient_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"github.com/imageshare/ecs-image-share/internal/ecsclient"
)

func valid() ecsclient.Config {
	return ecsclient.Config{Region: "cn-hangzhou", AccessKeyID: "id", AccessKeySecret: "secret"}
}

func TestNewRejectsBadConfig(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*ecsclient.Config)
		inErr string
	}{
		{"no region", func(c *ecsclient.Config) { c.Region = "" }, "region"},
		{"bad region", func(c *ecsclient.Config) { c.Region = "cn hangzhou" }, "region"},
		{"no key id", func(c *ecsclient.Config) { c.AccessKeyID = "" }, "access key"},
		{"no secret", func(c *ecsclient.Config) { c.AccessKeySecret = "" }, "access key"},
		{"negative timeout", func(c *ecsclient.Config) { c.Timeout = -time.Second }, "timeout"},
		{"ftp scheme", func(c *ecsclient.Config) { c.Endpoint = "ftp://host" }, "scheme"},
		{"a path", func(c *ecsclient.Config) { c.Endpoint = "http://host:1/ecs" }, "path"},
		{"a query", func(c *ecsclient.Config) { c.Endpoint = "http://host:1/?a=b" }, "path"},
		{"no host", func(c *ecsclient.Config) { c.Endpoint = "http://" }, "host"},
		{"user info", func(c *ecsclient.Config) { c.Endpoint = "https://u:p@host" }, "host"},
		{"garbage", func(c *ecsclient.Config) { c.Endpoint = "http://[::1" }, "endpoint"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid()
			tt.edit(&cfg)
			c, err := ecsclient.New(cfg)
			if err == nil || c != nil {
				t.Fatalf("want an error, got client %v", c)
			}
			if !strings.Contains(err.Error(), tt.inErr) {
				t.Errorf("error %q does not mention %q", err, tt.inErr)
			}
		})
	}
}

func TestNewEndpoint(t *testing.T) {
	tests := []struct {
		endpoint, scheme, domain string
	}{
		{"", "HTTPS", ""},
		{"http://127.0.0.1:1234", "HTTP", "127.0.0.1:1234"},
		{"http://127.0.0.1:1234/", "HTTP", "127.0.0.1:1234"},
		{"https://ecs.example.com", "HTTPS", "ecs.example.com"},
		{"ecs-vpc.cn-hangzhou.aliyuncs.com", "HTTPS", "ecs-vpc.cn-hangzhou.aliyuncs.com"},
		{"localhost:8080", "HTTPS", "localhost:8080"},
	}
	for _, tt := range tests {
		t.Run(tt.endpoint, func(t *testing.T) {
			cfg := valid()
			cfg.Endpoint = tt.endpoint
			c, err := ecsclient.New(cfg)
			if err != nil {
				t.Fatal(err)
			}
			if c.GetConfig().Scheme != tt.scheme || c.Domain != tt.domain {
				t.Errorf("scheme %s domain %q, want %s %q", c.GetConfig().Scheme, c.Domain, tt.scheme, tt.domain)
			}
			if tt.endpoint == "" {
				ep, err := c.GetEndpointRules("cn-hangzhou", "Ecs")
				if err != nil || ep != "ecs.cn-hangzhou.aliyuncs.com" || c.EndpointMap != nil {
					t.Errorf("default endpoint %q %v (map %v)", ep, err, c.EndpointMap)
				}
			}
		})
	}
}

func TestNewTimeout(t *testing.T) {
	for _, tt := range []struct{ set, want time.Duration }{
		{0, ecsclient.DefaultTimeout},
		{3 * time.Second, 3 * time.Second},
	} {
		cfg := valid()
		cfg.Timeout = tt.set
		c, err := ecsclient.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if c.GetReadTimeout() != tt.want || c.GetConnectTimeout() != tt.want || c.GetConfig().AutoRetry {
			t.Errorf("timeout %v: read %v connect %v retry %v", tt.set, c.GetReadTimeout(), c.GetConnectTimeout(), c.GetConfig().AutoRetry)
		}
	}
}

// TestNewCredentials checks what goes on the wire: the key id, and the
// security token exactly when one is configured.
func TestNewCredentials(t *testing.T) {
	var mu sync.Mutex
	var got url.Values
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = r.URL.Query()
		mu.Unlock()
		_, _ = w.Write([]byte(`{"RequestId":"R"}`))
	}))
	defer srv.Close()
	for _, token := range []string{"", "sts-token"} {
		cfg := valid()
		cfg.Endpoint = srv.URL
		cfg.SecurityToken = token
		c, err := ecsclient.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.DescribeRegions(ecs.CreateDescribeRegionsRequest()); err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		if got.Get("AccessKeyId") != "id" || got.Get("SecurityToken") != token || got.Has("SecurityToken") != (token != "") {
			t.Errorf("token %q: sent %v", token, got)
		}
		mu.Unlock()
	}
}

// TestNewConcurrently builds clients from many goroutines; -race would flag
// a write to the SDK's global endpoint map.
func TestNewConcurrently(t *testing.T) {
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if _, err := ecsclient.New(valid()); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
}
