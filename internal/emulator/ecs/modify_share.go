package ecs

import (
	"fmt"
	"slices"
	"strings"

	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// maxAccountsPerCall is ModifyImageSharePermission's limit per list (seed
// document and current reference). The per-image quota is the world's
// shareQuota (50 unless a ticket raised it).
const maxAccountsPerCall = 10

type modifyShareResponse struct {
	requestIDField
}

// modifyImageSharePermission applies RemoveAccount.N then AddAccount.N to an
// image's shares, all or nothing: any rule it breaks fails the whole call.
//
// Rules, in the order checked: MissingParameter (RegionId, ImageId);
// InvalidRegionId.NotFound; LaunchPermission (a preview feature, refused) and
// IsPublic=true (the emulator never publishes an image); InvalidImageId.NotFound
// (missing, other region, or not the caller's); the image's status
// (Deprecated: OperationDenied.InvalidImageStatus, anything else not
// Available: IncorrectImageStatus); service-key encryption when adding;
// then each account (the owner itself: InvalidAccount.Forbbiden, an account
// of the other site: InvalidImageId.BidMismatch, unknown:
// InvalidAccount.NotFound); then the per-image quota (the world's
// shareQuota, default 50) on the result. The per-account errors name the
// account when the world says accountInMessage, as the current reference's
// messages do (see accountError).
//
// More than 10 ids in a list (or a position beyond 10) follow the
// more-than-10 reading in force: that list takes no effect, or only its
// first 10 by position are processed. Adding an account already shared, or
// removing one that is not, changes nothing (inferred: the documentation is
// silent, and the service is not known to reject it).
func (s *Service) modifyImageSharePermission(c *call) (response, *apiError) {
	if err := c.p.require("RegionId", "ImageId"); err != nil {
		return nil, err
	}
	region, err := s.region(c.p)
	if err != nil {
		return nil, err
	}
	if c.p["LaunchPermission"] != "" {
		return nil, newError("ForbiddenParameter.LaunchPermission")
	}
	switch strings.ToLower(c.p["IsPublic"]) {
	case "", "false":
	case "true":
		return nil, newError("InvalidParameter.IsPublic", "The emulator does not publish images; IsPublic=true is refused.")
	default:
		return nil, invalidParameter("IsPublic", "Valid values: true, false.")
	}
	addItems, removeItems := c.p.list("AddAccount"), c.p.list("RemoveAccount")

	s.mu.Lock()
	defer s.mu.Unlock()
	im, err := s.ownedImage(region, c.p["ImageId"])
	if err != nil {
		return nil, err
	}
	switch status, _ := im.statusAt(c.now); status {
	case "Available":
	case "Deprecated":
		return nil, newError("OperationDenied.InvalidImageStatus")
	default:
		return nil, newError("IncorrectImageStatus")
	}
	add, remove := processed(addItems, s.moreThan10), processed(removeItems, s.moreThan10)
	// Withdrawing a share stays possible whatever the encryption; only new
	// shares of a service-key image are refused (inferred from the reference).
	if len(add) > 0 && im.Encryption == "service-key" {
		return nil, newError("InvalidOperation.ServiceKeyEncryptedImageUnsupported")
	}
	for _, a := range slices.Concat(add, remove) {
		if a == im.Owner {
			return nil, newError("InvalidAccount.Forbbiden")
		}
		if slices.Contains(s.world.OtherSiteAccounts, a) {
			return nil, s.accountError("InvalidImageId.BidMismatch", a)
		}
		if !s.accounts[a] {
			return nil, s.accountError("InvalidAccount.NotFound", a)
		}
	}

	next := slices.DeleteFunc(slices.Clone(im.SharedWith), func(a string) bool { return slices.Contains(remove, a) })
	for _, a := range add {
		if !slices.Contains(next, a) {
			next = append(next, a)
		}
	}
	if len(next) > s.shareQuota() {
		return nil, newError("QuotaExceed.ShareImageUser")
	}

	rec := ModifyRecord{
		RequestID: c.requestID, RegionID: region, ImageID: im.ID,
		Add: values(addItems), Remove: values(removeItems), Time: c.now,
	}
	for _, a := range im.SharedWith {
		if !slices.Contains(next, a) {
			rec.Removed = append(rec.Removed, a)
			delete(im.sharedAt, a)
		}
	}
	for _, a := range next {
		if !slices.Contains(im.SharedWith, a) {
			rec.Added = append(rec.Added, a)
			im.sharedAt[a] = c.now
		}
	}
	im.SharedWith = next
	s.log = append(s.log, rec)
	return &modifyShareResponse{}, nil
}

// shareQuota is the per-image quota in force: the world's, or ECS's default
// for a world not built by world.Parse.
func (s *Service) shareQuota() int {
	if q := s.world.ShareQuota; q > 0 {
		return q
	}
	return world.DefaultShareQuota
}

// accountError is a per-account error of ModifyImageSharePermission in the
// wording the world selects. The current reference (ECS API 2014-05-26,
// ModifyImageSharePermission, error codes as of its 2025-04-29 change) lists
// both wordings of InvalidAccount.NotFound, one naming the account and one
// not; the seed reference has only the second. For BidMismatch the current
// wording names the users, an older one ("Cannot share image with other bid
// user.") does not. The product must work with either (docs/conflicts.md).
func (s *Service) accountError(code, account string) *apiError {
	if !s.world.AccountInMessage {
		return newError(code)
	}
	switch code {
	case "InvalidAccount.NotFound":
		return newError(code, fmt.Sprintf(`The specified account %s in parameter "AddAccount.n" or "RemoveAccount.n" does not exist.`, account))
	case "InvalidImageId.BidMismatch":
		return newError(code, fmt.Sprintf("Cannot share the image with users %s of other sites.", account))
	}
	return newError(code)
}

// processed returns the distinct ids of a repeated account list that the
// call acts on under the given more-than-10 reading.
func processed(items []item, mode string) []string {
	tooMany := len(items) > maxAccountsPerCall ||
		len(items) > 0 && items[len(items)-1].n > maxAccountsPerCall
	switch {
	case tooMany && mode == world.MoreThan10First10:
		items = items[:min(len(items), maxAccountsPerCall)]
	case tooMany:
		return nil // the parameter takes no effect
	}
	var out []string
	for _, it := range items {
		if !slices.Contains(out, it.value) {
			out = append(out, it.value)
		}
	}
	return out
}

// values returns the items' values in position order.
func values(items []item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.value)
	}
	return out
}
