package engine

import (
	"slices"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"github.com/imageshare/ecs-image-share/outcome"
)

// applyResult is what applying a plan did.
type applyResult struct {
	added, removed []string
	failures       []*outcome.Error
	// stop is the error that ended the run early, if any: every account not
	// yet applied has a failure with its code.
	stop *outcome.Error
	// unsure are accounts whose call failed ambiguously (it may have been
	// applied) and could not be read back; verification settles them.
	unsure map[string]bool
	// unverified is set when the final read-back failed.
	unverified *outcome.Error
}

// apply runs the plan's batches in order. An error that is not about one
// account stops the remaining batches: it is about the image, the caller or
// the service (encryption, permissions, throttling that outlasted the
// retries), and would only fail them again.
func (r *run) apply(p *SharePlan) *applyResult {
	res := &applyResult{unsure: map[string]bool{}}
	for i, b := range p.Batches {
		if res.stop != nil {
			res.failAll(b, res.stop)
			continue
		}
		r.batch = i + 1
		r.log.Debug("applying batch", "batch", r.batch, "of", len(p.Batches), "add", len(b.Add), "remove", len(b.Remove))
		r.applyBatch(b, res)
	}
	r.batch = 0
	return res
}

// applyBatch makes one call for b, reading back after ambiguous failures,
// and splits it when one account in it fails the whole call.
func (r *run) applyBatch(b Batch, res *applyResult) {
	pending := b
	settle := func() (bool, *outcome.Error) {
		shared, err := r.sharedWith()
		if err != nil {
			return false, err
		}
		pending = res.confirm(pending, setOf(shared))
		r.log.Info("read back after an ambiguous failure", "stillAdd", len(pending.Add), "stillRemove", len(pending.Remove))
		return pending.size() == 0, nil
	}
	oe, info := r.callInfo(apiModify, func() error { return r.modify(pending) }, settle)
	var named []string
	if oe != nil && info.perAccount && pending.size() > 1 {
		named = namedAccounts(oe, slices.Concat(pending.Add, pending.Remove))
	}
	switch {
	case oe == nil:
		res.added = append(res.added, pending.Add...)
		res.removed = append(res.removed, pending.Remove...)
	case info.perAccount && pending.size() == 1:
		res.failAll(pending, oe)
	case len(named) > 0:
		// The message names the bad account (the current reference's
		// wording): fail it and send the rest, without bisecting.
		bad, rest := pending.split(named)
		r.log.Info("dropping the account the service named", "code", oe.ECSCode, "accounts", named)
		res.failAll(bad, oe)
		if rest.size() > 0 {
			r.applyBatch(rest, res)
		}
	case info.perAccount, oe.ECSCode == "QuotaExceed.ShareImageUser" && len(pending.Add) > 0 && len(pending.Remove) > 0:
		// Isolate the bad account (the service does not say which one), or
		// retry a paired call with its removals first in case the service
		// counts additions before removals.
		first, second := pending.halves()
		r.log.Info("splitting batch", "code", oe.Code, "size", pending.size())
		r.applyBatch(first, res)
		if res.stop == nil {
			r.applyBatch(second, res)
		} else {
			res.failAll(second, res.stop)
		}
	case oe.Code == outcome.ShareQuotaExceeded && len(pending.Remove) == 0:
		// The plan kept within the quota as observed, so another writer
		// used the room meanwhile (or the account's quota is below the
		// configured one). It is about these accounts, not the image: they
		// fail, and the rest of the plan (removals, other batches) goes on.
		// Retryable: the room may free again (the other writer's
		// removals), and a redelivery that finds it free is not a
		// contradiction of this answer.
		oe.Message = "the image reached its share quota while this request ran (another writer used the room): " + oe.Message
		oe.Retryable = true
		res.failAll(pending, oe)
	default:
		if info.ambiguous {
			for _, id := range slices.Concat(pending.Add, pending.Remove) {
				res.unsure[id] = true
			}
		}
		res.failAll(pending, oe)
		res.stop = oe
	}
}

// modify makes one ModifyImageSharePermission call for b, with a fresh
// request: a reused one keeps stale list entries from the previous call.
func (r *run) modify(b Batch) error {
	req := ecs.CreateModifyImageSharePermissionRequest()
	req.RegionId = r.region
	req.ImageId = r.imageID
	if len(b.Add) > 0 {
		add := slices.Clone(b.Add)
		req.AddAccount = &add
	}
	if len(b.Remove) > 0 {
		remove := slices.Clone(b.Remove)
		req.RemoveAccount = &remove
	}
	r.prepare(req)
	resp, err := r.e.client.ModifyImageSharePermission(req)
	if err == nil {
		r.log.Debug("modified share list", "batch", r.batch, "requestId", resp.RequestId, "add", b.Add, "remove", b.Remove)
	}
	return err
}

// confirm records the accounts of b that the share list shows applied and
// returns what is still to do.
func (res *applyResult) confirm(b Batch, shared map[string]bool) Batch {
	var left Batch
	for _, a := range b.Add {
		if shared[a] {
			res.added = append(res.added, a)
		} else {
			left.Add = append(left.Add, a)
		}
	}
	for _, x := range b.Remove {
		if shared[x] {
			left.Remove = append(left.Remove, x)
		} else {
			res.removed = append(res.removed, x)
		}
	}
	return left
}

// failAll gives every account of b a failure with err's code.
func (res *applyResult) failAll(b Batch, err *outcome.Error) {
	for _, id := range slices.Concat(b.Add, b.Remove) {
		res.failures = append(res.failures, err.ForAccount(id))
	}
}
