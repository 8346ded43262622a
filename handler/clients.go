package handler

import (
	"cmp"
	"fmt"
	"sync"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/resourcemanager"

	"github.com/imageshare/ecs-image-share/internal/ecsclient"
	"github.com/imageshare/ecs-image-share/internal/mnsclient"
	"github.com/imageshare/ecs-image-share/ledger"
	"github.com/imageshare/ecs-image-share/publish"
)

// Credentials are one invocation's STS credentials, as Function Compute
// passes them in the runtime headers.
type Credentials struct {
	AccessKeyID, AccessKeySecret, SecurityToken string
}

// Invocation is what the handler needs to know about the invocation it serves.
type Invocation struct {
	RequestID   string
	AccountID   string // the function's account: images' owner, MNS endpoint
	Region      string // the function's region: default for sweeps and MNS
	Credentials Credentials
}

// clients keeps the SDK clients across invocations. Function Compute hands
// every invocation credentials that rotate from time to time; clients built
// for the current ones are reused, and all are rebuilt when they change.
// ECS clients are pooled rather than shared: the SDK client is not safe for
// concurrent use. The MNS client is shared; the publisher guards its objects.
type clients struct {
	cfg     Config
	timeout time.Duration

	mu  sync.Mutex
	key Invocation
	pub *publish.Publisher
	ecs map[string][]*ecs.Client // idle clients per region
	// shared is the ledger in LEDGER_BUCKET for the current credentials;
	// local is the instance's own, used without a bucket.
	shared ledger.Ledger
	local  *ledger.Local
}

func newClients(cfg Config) *clients {
	return &clients{cfg: cfg, timeout: 10 * time.Second, ecs: map[string][]*ecs.Client{}, local: ledger.NewLocal()}
}

// refresh makes the cache serve inv's credentials.
func (c *clients) refresh(inv Invocation) {
	key := Invocation{AccountID: inv.AccountID, Region: inv.Region, Credentials: inv.Credentials}
	if c.key != key {
		c.key, c.pub, c.ecs, c.shared = key, nil, map[string][]*ecs.Client{}, nil
	}
}

// publisher returns the publisher for inv's credentials.
func (c *clients) publisher(inv Invocation, pcfg publish.Config) (*publish.Publisher, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refresh(inv)
	if c.pub != nil {
		return c.pub, nil
	}
	mc, err := mnsclient.New(mnsclient.Config{
		Endpoint:        c.cfg.MNSEndpoint,
		AccountID:       inv.AccountID,
		Region:          inv.Region,
		AccessKeyID:     inv.Credentials.AccessKeyID,
		AccessKeySecret: inv.Credentials.AccessKeySecret,
		SecurityToken:   inv.Credentials.SecurityToken,
	})
	if err != nil {
		return nil, fmt.Errorf("MNS client: %w", err)
	}
	pcfg.Client = mc
	pcfg.OutcomeQueue, pcfg.OutcomeTopic, pcfg.WorkQueue = c.cfg.OutcomeQueue, c.cfg.OutcomeTopic, c.cfg.WorkQueue
	if c.pub, err = publish.New(pcfg); err != nil {
		return nil, err
	}
	return c.pub, nil
}

// getECS takes an idle ECS client for region, or builds one. Give it back
// with putECS when done; never use it from two goroutines at once.
func (c *clients) getECS(inv Invocation, region string) (*ecs.Client, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refresh(inv)
	if idle := c.ecs[region]; len(idle) > 0 {
		cl := idle[len(idle)-1]
		c.ecs[region] = idle[:len(idle)-1]
		return cl, nil
	}
	return ecsclient.New(ecsclient.Config{
		Region:          region,
		Endpoint:        c.cfg.ECSEndpoint,
		AccessKeyID:     inv.Credentials.AccessKeyID,
		AccessKeySecret: inv.Credentials.AccessKeySecret,
		SecurityToken:   inv.Credentials.SecurityToken,
		Timeout:         c.timeout,
	})
}

// resourceManager builds a ResourceManager client for inv's credentials: one
// per invocation at most (the directory is read once), so it is not pooled.
// The service is global; the function's region is only the signing region.
func (c *clients) resourceManager(inv Invocation) (*resourcemanager.Client, error) {
	return ecsclient.NewResourceManager(ecsclient.Config{
		Region:          cmp.Or(inv.Region, "cn-hangzhou"),
		Endpoint:        c.cfg.RMEndpoint,
		AccessKeyID:     inv.Credentials.AccessKeyID,
		AccessKeySecret: inv.Credentials.AccessKeySecret,
		SecurityToken:   inv.Credentials.SecurityToken,
		Timeout:         c.timeout,
	})
}

// putECS returns a client to the pool, unless the credentials changed meanwhile.
func (c *clients) putECS(inv Invocation, region string, cl *ecs.Client) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.key.Credentials == inv.Credentials {
		c.ecs[region] = append(c.ecs[region], cl)
	}
}

// ledger returns the ledger of deferral steps: the shared one in
// LEDGER_BUCKET for inv's credentials, or the instance's own without one.
func (c *clients) ledger(inv Invocation) (ledger.Ledger, error) {
	if c.cfg.Ledger.Bucket == "" {
		return c.local, nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refresh(inv)
	if c.shared != nil {
		return c.shared, nil
	}
	l, err := ledger.NewOSS(ledger.OSSConfig{
		Bucket:          c.cfg.Ledger.Bucket,
		Prefix:          c.cfg.Ledger.Prefix,
		Region:          cmp.Or(c.cfg.Ledger.Region, inv.Region),
		Endpoint:        c.cfg.Ledger.Endpoint,
		AccessKeyID:     inv.Credentials.AccessKeyID,
		AccessKeySecret: inv.Credentials.AccessKeySecret,
		SecurityToken:   inv.Credentials.SecurityToken,
	})
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	c.shared = l
	return l, nil
}
