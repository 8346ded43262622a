package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/imageshare/ecs-image-share/internal/emulator"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// EfficiencyConfig sizes the API-efficiency measurement.
type EfficiencyConfig struct {
	Images int    // images in the workload (default 200)
	Seed   uint64 // the workload's random seed
}

// StrategyResult is what one strategy did to the whole workload.
type StrategyResult struct {
	Strategy   string
	MoreThan10 string // the emulator's reading of more than 10 ids
	Images     int
	Calls      int // ModifyImageSharePermission calls the emulator received
	Minimum    int // sum over images of ceil(max(adds, removes) / 10)
	Changes    int // accounts to add or remove, those that exist
	NotDone    int // of Changes, not in the wanted state at the end
	Silent     int // of NotDone, those no error was answered for
}

// EfficiencyResult holds the clean workload and the same with one account
// that does not exist in every tenth image.
type EfficiencyResult struct {
	Clean, OneUnknown []StrategyResult
}

// shareWork is one image's share list before, and the list wanted.
type shareWork struct {
	image           string
	before, desired []string
}

// unknownAccount does not exist in any world of the harness.
const unknownAccount = "2999999999999999"

// shareWorkload returns n images: half new ones to share with 1..50
// accounts, half drifted ones whose list must change both ways. Every
// unknownEvery-th image (0: none) also wants unknownAccount.
func shareWorkload(n int, seed uint64, unknownEvery int) []shareWork {
	rnd := rand.New(rand.NewPCG(seed, 6))
	pool := accounts(2, 1, 121)
	out := make([]shareWork, 0, n)
	for i := range n {
		perm := rnd.Perm(len(pool))
		pick := func(idx []int) []string {
			ids := make([]string, len(idx))
			for j, k := range idx {
				ids[j] = pool[k]
			}
			return ids
		}
		w := shareWork{image: fmt.Sprintf("m-eff-%05d", i)}
		nd := 1 + rnd.IntN(50)
		if i%2 == 0 {
			w.desired = pick(perm[:nd])
		} else {
			nb := rnd.IntN(51)
			keep := rnd.IntN(min(nb, nd) + 1)
			w.before = pick(perm[:nb])
			w.desired = slices.Concat(w.before[:keep], pick(perm[nb:nb+nd-keep]))
		}
		if unknownEvery > 0 && i%unknownEvery == 0 {
			if len(w.desired) == 50 {
				w.desired = w.desired[1:]
			}
			w.desired = append(w.desired, unknownAccount)
		}
		out = append(out, w)
	}
	return out
}

// diff returns the accounts to add and to remove, sorted.
func diff(before, desired []string) (add, remove []string) {
	for _, d := range desired {
		if !slices.Contains(before, d) {
			add = append(add, d)
		}
	}
	for _, b := range before {
		if !slices.Contains(desired, b) {
			remove = append(remove, b)
		}
	}
	slices.Sort(add)
	slices.Sort(remove)
	return add, remove
}

// Efficiency runs the product and the peers' strategies on the same
// workloads, each against a fresh emulator.
func Efficiency(ctx context.Context, cfg EfficiencyConfig) (*EfficiencyResult, error) {
	if cfg.Images <= 0 {
		cfg.Images = 200
	}
	type variant struct {
		name    string
		reading string
		apply   strategy
	}
	variants := []variant{
		{stratProduct, world.MoreThan10Ignore, productStrategy(ctx)},
		{stratPerAccount, world.MoreThan10Ignore, perAccount},
		{stratWholeList, world.MoreThan10Ignore, wholeList},
		{stratWholeList, world.MoreThan10First10, wholeList},
	}
	res := &EfficiencyResult{}
	for _, mix := range []struct {
		unknownEvery int
		into         *[]StrategyResult
	}{{0, &res.Clean}, {10, &res.OneUnknown}} {
		work := shareWorkload(cfg.Images, cfg.Seed, mix.unknownEvery)
		for _, v := range variants {
			r, err := runStrategy(v.name, v.reading, work, v.apply)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", v.name, err)
			}
			*mix.into = append(*mix.into, r)
		}
	}
	return res, nil
}

// runStrategy applies a strategy to every image of work on a fresh emulator.
func runStrategy(name, reading string, work []shareWork, apply strategy) (StrategyResult, error) {
	w := newWorld(accounts(2, 1, 121))
	w.MoreThan10 = reading
	e, err := startEmu(w, emulator.Options{})
	if err != nil {
		return StrategyResult{}, err
	}
	defer e.Close()
	c, err := e.ecsClient()
	if err != nil {
		return StrategyResult{}, err
	}
	res := StrategyResult{Strategy: name, MoreThan10: reading, Images: len(work)}
	for _, sw := range work {
		e.ECS.PutImage(world.Image{ID: sw.image, SharedWith: sw.before})
		add, remove := diff(sw.before, sw.desired)
		res.Minimum += ceilDiv(max(len(add), len(remove)), 10)
		before := e.Faults.Counts()[modifyAPI]
		failed := apply(c, sw, add, remove)
		res.Calls += e.Faults.Counts()[modifyAPI] - before

		now := e.ECS.SharedWith(sw.image)
		check := func(id string, wantShared bool) {
			if id == unknownAccount { // nobody can share with it; the product reports it
				return
			}
			res.Changes++
			if slices.Contains(now, id) != wantShared {
				res.NotDone++
				if !slices.Contains(failed, id) {
					res.Silent++
				}
			}
		}
		for _, a := range add {
			check(a, true)
		}
		for _, r := range remove {
			check(r, false)
		}
	}
	return res, nil
}

// Rows reports calls per image beside the minimum, for each strategy.
func (r *EfficiencyResult) Rows() []Row {
	var rows []Row
	add := func(mix string, results []StrategyResult) {
		for _, s := range results {
			name := s.Strategy
			if s.Strategy == stratWholeList {
				name += ", moreThan10: " + s.MoreThan10
			}
			note := fmt.Sprintf("%d of %d account changes not made", s.NotDone, s.Changes)
			if s.NotDone > 0 {
				note += fmt.Sprintf(" (%d with no error answered)", s.Silent)
			}
			rows = append(rows, Row{
				Figure:    fmt.Sprintf("%s — %s: Modify calls per image", mix, name),
				Measured:  fmt.Sprintf("%.2f", float64(s.Calls)/float64(s.Images)),
				Reference: fmt.Sprintf("%.2f (minimum)", float64(s.Minimum)/float64(s.Images)),
				Ratio:     ratio(float64(s.Calls), float64(s.Minimum)),
				Target:    targetFor(s.Strategy),
				Note:      note,
			})
		}
	}
	add(fmt.Sprintf("%d images", r.images()), r.Clean)
	add("same, 1 in 10 also wants an account that does not exist", r.OneUnknown)
	return rows
}

func (r *EfficiencyResult) images() int {
	if len(r.Clean) == 0 {
		return 0
	}
	return r.Clean[0].Images
}

func targetFor(strategy string) string {
	if strategy == stratProduct {
		return "1.00, all made"
	}
	return ""
}
