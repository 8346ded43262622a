package engine

import (
	"context"
	"fmt"
	"slices"

	"golang.org/x/time/rate"
)

// APIs are the ECS APIs the engine calls, in the order it first calls them.
func APIs() []string {
	return []string{apiDescribeImages, apiDescribeShare, apiModify}
}

// BudgetConfig sizes a Budget.
type BudgetConfig struct {
	// Rate is the calls per second each API may take, unless PerAPI names
	// the API. It must be positive.
	Rate float64
	// PerAPI overrides Rate for the APIs it names (keys from APIs()).
	PerAPI map[string]float64
	// Shared puts every API in one bucket of Rate calls per second, as the
	// first release did. ECS limits each API on its own (per account, per
	// region, per API: the ECS "API throttling" page of the developer
	// reference, https://help.aliyun.com/zh/ecs/developer-reference/api-throttling),
	// so one shared bucket leaves most of every API's limit unused; it is
	// kept for accounts whose operators want a single knob and for the
	// benchmark's comparison.
	Shared bool
}

// Budget is a Limiter with one token bucket per ECS API, as the service
// throttles each API separately: a sweep that spends its Modify budget does
// not slow its Describe calls, and the other way round. Each bucket holds a
// second's worth of calls (its burst), so a run never sends more than
// rate × (t + 1) calls of one API in t seconds. Safe for concurrent use.
type Budget struct {
	buckets map[string]*rate.Limiter // per API; in Shared mode all are one
	other   *rate.Limiter            // an API outside APIs(): Rate
	rates   map[string]float64
}

// NewBudget returns the budget cfg describes, or an error naming what is wrong.
func NewBudget(cfg BudgetConfig) (*Budget, error) {
	if !(cfg.Rate > 0) {
		return nil, fmt.Errorf("engine: budget rate %v is not a positive number", cfg.Rate)
	}
	apis := APIs()
	for api, r := range cfg.PerAPI {
		if !slices.Contains(apis, api) {
			return nil, fmt.Errorf("engine: budget for %q: not an API the engine calls (%v)", api, apis)
		}
		if !(r > 0) {
			return nil, fmt.Errorf("engine: budget for %s: rate %v is not a positive number", api, r)
		}
		if cfg.Shared {
			return nil, fmt.Errorf("engine: budget for %s: a shared budget has no per-API rates", api)
		}
	}
	bucket := func(r float64) *rate.Limiter { return rate.NewLimiter(rate.Limit(r), max(1, int(r))) }
	b := &Budget{buckets: map[string]*rate.Limiter{}, rates: map[string]float64{}}
	shared := bucket(cfg.Rate)
	b.other = shared
	for _, api := range apis {
		r, ok := cfg.PerAPI[api]
		if !ok {
			r = cfg.Rate
		}
		b.rates[api] = r
		switch {
		case cfg.Shared:
			b.buckets[api] = shared
		default:
			b.buckets[api] = bucket(r)
		}
	}
	if !cfg.Shared {
		b.other = bucket(cfg.Rate)
	}
	return b, nil
}

// Wait blocks until api may be called, or ctx is done (or its deadline
// would pass first).
func (b *Budget) Wait(ctx context.Context, api string) error {
	lim, ok := b.buckets[api]
	if !ok {
		lim = b.other
	}
	return lim.Wait(ctx)
}

// Rate is the calls per second api may take (in Shared mode, the rate every
// API shares).
func (b *Budget) Rate(api string) float64 {
	if r, ok := b.rates[api]; ok {
		return r
	}
	return float64(b.other.Limit())
}
