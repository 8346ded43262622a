// Package ecsclient builds the product's ECS SDK client: explicit endpoint
// and scheme, explicit timeouts, static or STS credentials, and no touching of
// the SDK's process-global endpoint tables.
//
// A client is NOT safe for use by several goroutines at once: the SDK
// rewrites its http.Client's timeout and transport on every call. Build one
// client per goroutine (they are cheap) or serialise the calls.
package ecsclient

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk"
	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/auth/credentials"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/resourcemanager"
)

// DefaultTimeout bounds a call (connect and read) when Config.Timeout is zero.
const DefaultTimeout = 10 * time.Second

// Config says where and as whom the client calls ECS.
type Config struct {
	// Region is the region the client calls, e.g. cn-hangzhou.
	Region string
	// Endpoint overrides the endpoint: "" resolves the region's public
	// endpoint (ecs.<region>.aliyuncs.com, the SDK's regional rule) over
	// HTTPS; "http://127.0.0.1:1234" or "https://host" take the scheme from
	// the URL; a bare "host:port" uses HTTPS.
	Endpoint string
	// AccessKeyID and AccessKeySecret are required.
	AccessKeyID     string
	AccessKeySecret string
	// SecurityToken, when set, makes these STS credentials (as Function
	// Compute passes them to each invocation).
	SecurityToken string
	// Timeout bounds each call, connection included; zero is DefaultTimeout.
	Timeout time.Duration
}

// regionPattern is what the SDK accepts as a region id.
// regionPattern compiles on first use, not at package initialisation (cold start).
var regionPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-zA-Z0-9_-]+$`) })

// New returns an ECS client for cfg, or an error saying what in cfg is wrong.
func New(cfg Config) (*ecs.Client, error) {
	s, err := prepare(cfg, cfg.Endpoint)
	if err != nil {
		return nil, fmt.Errorf("ecsclient: %w", err)
	}
	// Built by hand rather than with ecs.NewClientWithOptions, which lazily
	// fills the package-global ecs.EndpointMap (a data race when clients are
	// built concurrently) and copies it into the client.
	c := &ecs.Client{}
	if err := c.InitWithOptions(cfg.Region, s.conf, s.cred); err != nil {
		return nil, fmt.Errorf("ecsclient: %w", err)
	}
	// Set explicitly: otherwise the first call's per-API default sticks.
	c.SetReadTimeout(s.conf.Timeout)
	c.SetConnectTimeout(s.conf.Timeout)
	if s.host != "" {
		c.Domain = s.host
	} else {
		c.EndpointType = "regional" // ecs.<region>.aliyuncs.com
	}
	return c, nil
}

// setup is what every client of this package is built from.
type setup struct {
	conf *sdk.Config
	cred credentials.CredentialsProvider
	host string // "" for the SDK's own endpoint rule
}

// prepare checks cfg (every problem at once) and builds the SDK
// configuration and credentials a client of endpoint needs: explicit scheme
// and timeouts, AutoRetry off (retries are the caller's, paced by its
// budget), a transport of its own, static or STS credentials.
func prepare(cfg Config, endpoint string) (setup, error) {
	var errs []error
	if cfg.Region == "" || !regionPattern().MatchString(cfg.Region) {
		errs = append(errs, fmt.Errorf("region %q is not a region id", cfg.Region))
	}
	if cfg.AccessKeyID == "" || cfg.AccessKeySecret == "" {
		errs = append(errs, errors.New("access key id and secret are required"))
	}
	if cfg.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout %v is negative", cfg.Timeout))
	}
	scheme, host, err := parseEndpoint(endpoint)
	if err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return setup{}, err
	}
	timeout := cfg.Timeout
	if timeout == 0 {
		timeout = DefaultTimeout
	}
	conf := sdk.NewConfig()
	conf.Scheme = scheme // the SDK defaults to plain HTTP
	conf.AutoRetry = false
	conf.MaxRetryTime = 0
	conf.Timeout = timeout
	conf.UserAgent = "ecs-image-share"
	// A transport of its own: the SDK mutates the transport on each call.
	conf.HttpTransport = http.DefaultTransport.(*http.Transport).Clone()
	var cred credentials.CredentialsProvider
	if cfg.SecurityToken != "" {
		cred = credentials.NewStaticSTSCredentialsProvider(cfg.AccessKeyID, cfg.AccessKeySecret, cfg.SecurityToken)
	} else {
		cred = credentials.NewStaticAKCredentialsProvider(cfg.AccessKeyID, cfg.AccessKeySecret)
	}
	return setup{conf: conf, cred: cred, host: host}, nil
}

// parseEndpoint splits an endpoint override into the SDK's scheme ("HTTP" or
// "HTTPS") and host[:port]. An empty endpoint gives HTTPS and no host.
func parseEndpoint(ep string) (scheme, host string, err error) {
	if ep == "" {
		return "HTTPS", "", nil
	}
	raw := ep
	if !strings.Contains(ep, "://") {
		raw = "https://" + ep
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", "", fmt.Errorf("endpoint %q: %v", ep, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", "", fmt.Errorf("endpoint %q: scheme must be http or https", ep)
	case u.Host == "" || u.User != nil:
		return "", "", fmt.Errorf("endpoint %q: want host[:port], optionally with http:// or https://", ep)
	case u.Path != "" && u.Path != "/", u.RawQuery != "", u.Fragment != "":
		return "", "", fmt.Errorf("endpoint %q: ECS RPC is served at the root; drop the path and query", ep)
	}
	return strings.ToUpper(u.Scheme), u.Host, nil
}

// ResourceManagerEndpoint is ResourceManager's central public endpoint: the
// service is global, so one endpoint serves every region.
const ResourceManagerEndpoint = "resourcemanager.aliyuncs.com"

// NewResourceManager returns a ResourceManager client (API 2020-03-31), to
// read the Resource Directory, built as New builds ECS clients: explicit
// endpoint and scheme, timeouts, static or STS credentials, AutoRetry off
// (retries are the caller's, paced by its budget), no global endpoint
// tables. cfg.Endpoint "" is ResourceManagerEndpoint over HTTPS; cfg.Region
// is only the signing region (any valid region id). Like an ECS client, it
// is not safe for concurrent use.
func NewResourceManager(cfg Config) (*resourcemanager.Client, error) {
	endpoint := cfg.Endpoint
	if endpoint == "" {
		endpoint = "https://" + ResourceManagerEndpoint
	}
	s, err := prepare(cfg, endpoint)
	if err != nil {
		return nil, fmt.Errorf("ecsclient: resource manager: %w", err)
	}
	// By hand, as for ECS: resourcemanager.NewClientWithOptions fills the
	// package-global EndpointMap lazily.
	c := &resourcemanager.Client{}
	if err := c.InitWithOptions(cfg.Region, s.conf, s.cred); err != nil {
		return nil, fmt.Errorf("ecsclient: resource manager: %w", err)
	}
	c.SetReadTimeout(s.conf.Timeout)
	c.SetConnectTimeout(s.conf.Timeout)
	c.Domain = s.host
	return c, nil
}
