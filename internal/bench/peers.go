package bench

import (
	"context"
	"io"
	"log/slog"
	"slices"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"github.com/imageshare/ecs-image-share/engine"
)

// A strategy brings one image from its share list to the wanted one through
// a real ECS SDK client, and returns the accounts it saw fail (an error
// answered to a call that carried them). add and remove are the difference,
// handed to every strategy for free: the peers get it from their state or
// their parameters, and only ModifyImageSharePermission calls are compared.
type strategy func(c *ecs.Client, w shareWork, add, remove []string) (failed []string)

// Names of the strategies, as the report shows them.
const (
	stratProduct     = "this product (engine: plan, batches of 10, verify)"
	stratPerAccount  = "one call per account (Terraform alicloud_image_share_permission)"
	stratWholeList   = "whole list in one call (OOS public template)"
	modifyAPI        = "ModifyImageSharePermission"
	describeShareAPI = "DescribeImageSharePermission"
	describeImgAPI   = "DescribeImages"
)

// productStrategy runs the product's engine, reconciling with prune so that
// the wanted list is the whole truth, as the peers' runs are.
func productStrategy(ctx context.Context) strategy {
	return func(c *ecs.Client, w shareWork, _, _ []string) []string {
		eng, err := engine.New(engine.Config{Client: c, Logger: discardLogger()})
		if err != nil {
			return slices.Concat(w.before, w.desired)
		}
		res := eng.Run(ctx, engine.ImageRequest{Region: region, ImageID: w.image,
			Decide: func(engine.Observed) (engine.Intent, error) {
				return engine.Intent{Kind: engine.Reconcile, Desired: w.desired, Prune: true, MaxRemovals: -1}, nil
			}})
		var failed []string
		for _, f := range res.Failures {
			failed = append(failed, f.Account)
		}
		if res.Err != nil {
			failed = append(failed, res.Plan.Add...)
			failed = append(failed, res.Plan.Remove...)
		}
		return failed
	}
}

// perAccount is Terraform's alicloud_image_share_permission: one resource,
// so one call, per image and account. Removals go first so that a full
// image has room: kinder than Terraform, which orders unrelated resources
// as it likes.
func perAccount(c *ecs.Client, w shareWork, add, remove []string) []string {
	var failed []string
	for _, r := range remove {
		if modify(c, w.image, nil, []string{r}) != nil {
			failed = append(failed, r)
		}
	}
	for _, a := range add {
		if modify(c, w.image, []string{a}, nil) != nil {
			failed = append(failed, a)
		}
	}
	return failed
}

// wholeList is the OOS public templates' way: the account lists as given, in
// one call, no chunking. Above 10 ids the call succeeds and, under the
// reading the product is built on, that list takes no effect: silently.
func wholeList(c *ecs.Client, w shareWork, add, remove []string) []string {
	if len(add)+len(remove) == 0 {
		return nil
	}
	if modify(c, w.image, add, remove) != nil {
		return slices.Concat(add, remove)
	}
	return nil
}

// modify makes one ModifyImageSharePermission call.
func modify(c *ecs.Client, imageID string, add, remove []string) error {
	req := ecs.CreateModifyImageSharePermissionRequest()
	req.RegionId = region
	req.ImageId = imageID
	if len(add) > 0 {
		a := slices.Clone(add)
		req.AddAccount = &a
	}
	if len(remove) > 0 {
		r := slices.Clone(remove)
		req.RemoveAccount = &r
	}
	_, err := c.ModifyImageSharePermission(req)
	return err
}

func discardLogger() *slog.Logger { return slog.New(slog.NewJSONHandler(io.Discard, nil)) }
