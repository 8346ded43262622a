package engine

import (
	"slices"
	"strconv"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"github.com/imageshare/ecs-image-share/outcome"
)

// Observed is what the engine saw of one image before deciding anything.
type Observed struct {
	ImageID, Region, Status, OwnerID string
	// OwnerAlias is DescribeImages' ImageOwnerAlias: "self" for an image the
	// caller owns, "others" for one shared with it. It decides ownership, so
	// the engine needs no separate look-up of its own account id.
	OwnerAlias string
	// Name and Description are the image's, for its copies.
	Name, Description string
	Tags              map[string]string
	// Encrypted is true when any of the image's disk mappings is encrypted.
	// DescribeImages does not say with which key: a CMK-encrypted image can
	// be shared, a service-key one cannot, and only ModifyImageSharePermission's
	// answer tells them apart.
	Encrypted bool
	// Shared are the accounts the image is shared with, sorted.
	Shared []string
}

// Owned reports whether the caller owns the image.
func (o Observed) Owned() bool { return o.OwnerAlias == "self" }

// allStatuses makes DescribeImages find an image whatever its status: by
// default it returns Available images only, and a Creating image must be
// seen to be waited for.
const allStatuses = "Creating,Waiting,Available,UnAvailable,CreateFailed,Deprecated"

// describeImage reads the image's status, owner, tags and encryption.
// ImageOwnerAlias is left unset so that images shared with the caller but
// owned by someone else are found (and refused as ImageNotOwned rather than
// reported missing).
func (r *run) describeImage() (Observed, *outcome.Error) {
	var resp *ecs.DescribeImagesResponse
	err := r.call(apiDescribeImages, func() (err error) {
		req := ecs.CreateDescribeImagesRequest()
		req.RegionId = r.region
		req.ImageId = r.imageID
		req.Status = allStatuses
		r.prepare(req)
		resp, err = r.e.client.DescribeImages(req)
		return err
	}, nil)
	if err != nil {
		return Observed{}, err
	}
	for _, im := range resp.Images.Image {
		if im.ImageId != r.imageID {
			continue
		}
		obs := Observed{
			ImageID:    im.ImageId,
			Region:     r.region,
			Status:     im.Status,
			OwnerID:    strconv.FormatInt(im.ImageOwnerId, 10),
			OwnerAlias: im.ImageOwnerAlias,
			Name:       im.ImageName, Description: im.Description,
			Tags: map[string]string{},
		}
		for _, t := range im.Tags.Tag {
			k, v := t.TagKey, t.TagValue
			if k == "" { // some editions answer Key/Value
				k, v = t.Key, t.Value
			}
			obs.Tags[k] = v
		}
		for _, d := range im.DiskDeviceMappings.DiskDeviceMapping {
			obs.Encrypted = obs.Encrypted || d.Encrypted
		}
		return obs, nil
	}
	return Observed{}, &outcome.Error{Code: outcome.ImageNotFound, RequestID: resp.RequestId,
		Message: "no image " + r.imageID + " in region " + r.region}
}

// sharePageSize is DescribeImageSharePermission's largest page.
const sharePageSize = 100

// sharedWith reads the image's whole share list, every page.
func (r *run) sharedWith() ([]string, *outcome.Error) {
	var accounts []string
	// The page bound only stops a misbehaving server from looping us: an
	// image has at most a few hundred shares even with a raised quota.
	for page := 1; page <= 100; page++ {
		var resp *ecs.DescribeImageSharePermissionResponse
		err := r.call(apiDescribeShare, func() (err error) {
			req := ecs.CreateDescribeImageSharePermissionRequest()
			req.RegionId = r.region
			req.ImageId = r.imageID
			req.PageNumber = requests.NewInteger(page)
			req.PageSize = requests.NewInteger(sharePageSize)
			r.prepare(req)
			resp, err = r.e.client.DescribeImageSharePermission(req)
			return err
		}, nil)
		if err != nil {
			return nil, err
		}
		for _, a := range resp.Accounts.Account {
			accounts = append(accounts, a.AliyunId)
		}
		if len(resp.Accounts.Account) == 0 || len(accounts) >= resp.TotalCount {
			break
		}
	}
	slices.Sort(accounts)
	return slices.Compact(accounts), nil
}

// observe reads the image and, for an image the caller owns, its share list.
func (r *run) observe() (Observed, *outcome.Error) {
	obs, err := r.describeImage()
	if err != nil || !obs.Owned() {
		return obs, err
	}
	obs.Shared, err = r.sharedWith()
	return obs, err
}
