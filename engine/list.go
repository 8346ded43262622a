package engine

import (
	"context"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"github.com/imageshare/ecs-image-share/outcome"
)

// imagePageSize is DescribeImages' largest page.
const imagePageSize = 100

// ListImages returns the ids of every custom image the caller owns in
// region, whatever its status (a sweep must see Creating images too), every
// page, in the order the service lists them. Calls are retried as in Run;
// calls counts them per API, retries included, for the caller's apiCalls.
func (e *Engine) ListImages(ctx context.Context, region string) (ids []string, calls map[string]int, _ *outcome.Error) {
	r := &run{e: e, ctx: ctx, region: region, calls: map[string]int{}, log: e.log.With("regionId", region)}
	// The page bound only stops a misbehaving server from looping us.
	for page := 1; page <= 10000; page++ {
		var resp *ecs.DescribeImagesResponse
		err := r.call(apiDescribeImages, func() (err error) {
			req := ecs.CreateDescribeImagesRequest()
			req.RegionId = region
			req.ImageOwnerAlias = "self"
			req.Status = allStatuses
			req.PageNumber = requests.NewInteger(page)
			req.PageSize = requests.NewInteger(imagePageSize)
			r.prepare(req)
			resp, err = e.client.DescribeImages(req)
			return err
		}, nil)
		if err != nil {
			return nil, r.calls, err
		}
		for _, im := range resp.Images.Image {
			ids = append(ids, im.ImageId)
		}
		if len(resp.Images.Image) == 0 || len(ids) >= resp.TotalCount {
			break
		}
	}
	return ids, r.calls, nil
}
