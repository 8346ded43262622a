// Package mnsclient builds the product's MNS client: the official
// aliyun-mns-go-sdk client, configured so that it never panics on bad
// configuration and can be pointed at the emulator unchanged.
//
// The SDK constructor panics on an endpoint that does not split into exactly
// five dot-separated parts (so on http://127.0.0.1:PORT) and on empty
// credentials; New validates first and returns errors instead.
//
// Objects built on the client (ali_mns.NewMNSQueue, NewMNSTopic) each carry a
// QPS monitor that is not safe for concurrent use: use one queue or topic
// object per goroutine, or guard it with a lock. The client itself may be
// shared.
package mnsclient

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	ali_mns "github.com/aliyun/aliyun-mns-go-sdk"
	"github.com/valyala/fasthttp"
)

// DefaultTimeout is the SDK's own per-request timeout. A long poll
// (ReceiveMessage with waitseconds up to 30) needs a timeout above its wait.
const DefaultTimeout = 35 * time.Second

// Config configures a client.
type Config struct {
	// Endpoint is the account's MNS endpoint, such as
	// https://1234567890123456.mns.cn-hangzhou.aliyuncs.com. Empty means
	// DefaultEndpoint(AccountID, Region). An IP address or localhost (the
	// emulator, http://127.0.0.1:PORT) is reached through a realistic
	// endpoint name, see New.
	Endpoint string
	// AccountID and Region derive the endpoint when Endpoint is empty or an
	// emulator address.
	AccountID string
	Region    string
	// AccessKeyID and AccessKeySecret are required; SecurityToken is the STS
	// token Function Compute passes with a role's temporary credentials.
	AccessKeyID     string
	AccessKeySecret string
	SecurityToken   string
	// Timeout bounds each request; zero is DefaultTimeout. Against a real
	// endpoint the SDK counts whole seconds, so it is rounded up.
	Timeout time.Duration
}

var (
	// Compiled on first use, not at package initialisation (cold start).
	accountIDPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[0-9]+$`) })
	regionPattern    = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z]+(-[a-z0-9]+)+$`) })
)

// DefaultEndpoint is the public HTTPS endpoint of an account's MNS in a
// region. It is also the right default inside Function Compute: the
// -internal endpoint (http://<account>.mns.<region>-internal.aliyuncs.com)
// only saves Internet traffic charges, and a function attached to a VPC
// without Internet access needs the -internal-vpc one instead, so which
// internal name works depends on the deployment; set MNS_ENDPOINT for it.
func DefaultEndpoint(accountID, region string) string {
	return fmt.Sprintf("https://%s.mns.%s.aliyuncs.com", accountID, region)
}

// New validates cfg and returns an SDK client. It never panics.
//
// For an emulator address (an IP literal or localhost) the client is built
// on the realistic endpoint <scheme>://<account>.mns.<region>.aliyuncs.com
// and given a transport that sends every request to the emulator's
// host:port. The Host header then keeps the realistic name, which is not
// signed, so signatures verify as they would in the cloud.
func New(cfg Config) (ali_mns.MNSClient, error) {
	if cfg.AccessKeyID == "" || cfg.AccessKeySecret == "" {
		return nil, errors.New("mnsclient: AccessKeyID and AccessKeySecret are required")
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("mnsclient: negative timeout %v", cfg.Timeout)
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}

	endpoint, dialAddr, err := resolve(cfg)
	if err != nil {
		return nil, err
	}
	client := ali_mns.NewAliMNSClientWithConfig(ali_mns.AliMNSClientConfig{
		EndPoint:        endpoint,
		AccessKeyId:     cfg.AccessKeyID,
		AccessKeySecret: cfg.AccessKeySecret,
		Token:           cfg.SecurityToken,
		TimeoutSecond:   int64((timeout + time.Second - 1) / time.Second),
		MaxConnsPerHost: ali_mns.DefaultMaxConnsPerHost,
	})
	if dialAddr != "" {
		client.SetTransport(&fixedHost{hc: &fasthttp.HostClient{
			Addr:          dialAddr,
			IsTLS:         strings.HasPrefix(endpoint, "https://"),
			DialDualStack: true, // as the SDK dials; localhost may be ::1
			ReadTimeout:   timeout,
			WriteTimeout:  timeout,
			MaxConns:      ali_mns.DefaultMaxConnsPerHost,
		}})
	}
	return client, nil
}

// resolve returns the endpoint to give the SDK and, for an emulator
// address, the host:port to dial instead.
func resolve(cfg Config) (endpoint, dialAddr string, err error) {
	if cfg.Endpoint == "" {
		if err := checkAccountRegion(cfg); err != nil {
			return "", "", fmt.Errorf("mnsclient: no Endpoint: %w", err)
		}
		return DefaultEndpoint(cfg.AccountID, cfg.Region), "", nil
	}

	u, err := url.Parse(cfg.Endpoint)
	if err != nil {
		return "", "", fmt.Errorf("mnsclient: endpoint %q: %w", cfg.Endpoint, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", "", fmt.Errorf("mnsclient: endpoint %q: scheme must be http or https", cfg.Endpoint)
	}
	if u.Host == "" || u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
		// The SDK appends "/queues/..." to the endpoint and signs only that,
		// so any path would break every signature.
		return "", "", fmt.Errorf("mnsclient: endpoint %q must be scheme://host[:port] with no path", cfg.Endpoint)
	}

	host := u.Hostname()
	if host == "localhost" || net.ParseIP(host) != nil {
		if err := checkAccountRegion(cfg); err != nil {
			return "", "", fmt.Errorf("mnsclient: emulator endpoint %q: %w", cfg.Endpoint, err)
		}
		port := u.Port()
		if port == "" {
			port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
		}
		realistic := fmt.Sprintf("%s://%s.mns.%s.aliyuncs.com", u.Scheme, cfg.AccountID, cfg.Region)
		return realistic, net.JoinHostPort(host, port), nil
	}

	endpoint = u.Scheme + "://" + u.Host
	// The SDK splits the whole endpoint on "." and takes the account from
	// the first part and the region from the third; anything else panics.
	if len(strings.Split(endpoint, ".")) != 5 {
		return "", "", fmt.Errorf("mnsclient: endpoint %q is not of the form scheme://<account>.mns.<region>.aliyuncs.com", cfg.Endpoint)
	}
	return endpoint, "", nil
}

func checkAccountRegion(cfg Config) error {
	if !accountIDPattern().MatchString(cfg.AccountID) {
		return fmt.Errorf("account id %q (AccountID) must be numeric", cfg.AccountID)
	}
	if !regionPattern().MatchString(cfg.Region) {
		return fmt.Errorf("region %q (Region) is not a region id such as cn-hangzhou", cfg.Region)
	}
	return nil
}

// fixedHost is a fasthttp transport that sends every request to one
// host:port, whatever host the request URI names.
type fixedHost struct {
	hc *fasthttp.HostClient
}

// RoundTrip hands the request to the fixed host's client, which does its
// own connection handling and idempotent retries, so the caller must not
// retry again.
func (f *fixedHost) RoundTrip(_ *fasthttp.HostClient, req *fasthttp.Request, resp *fasthttp.Response) (bool, error) {
	return false, f.hc.Do(req, resp)
}
