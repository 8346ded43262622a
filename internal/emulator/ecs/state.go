package ecs

import (
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// image is the stored state of one custom image. Image.Status is the status
// the image ends in; until created+AvailableAfter on the emulated clock it
// reads Creating (and with status Creating it ends Available: the status
// says what the image is while AvailableAfter runs). Image.SharedWith keeps the order accounts were shared in.
type image struct {
	world.Image
	created  time.Time
	sharedAt map[string]time.Time
	copyOf   string // the source image of a CopyImage copy
}

// newImage copies im (no aliasing of the caller's slices and maps) and fills
// the world file's defaults, so PutImage and the world file agree.
func newImage(im world.Image, w *world.World, created time.Time) *image {
	im.Tags = maps.Clone(im.Tags)
	if im.Tags == nil {
		im.Tags = map[string]string{}
	}
	im.SharedWith = slices.Clone(im.SharedWith)
	if im.Region == "" {
		im.Region = w.Region
	}
	if im.Owner == "" {
		im.Owner = w.Owner
	}
	if im.Status == "" {
		im.Status = "Available"
	}
	if im.Encryption == "" {
		im.Encryption = "none"
	}
	st := &image{Image: im, created: created, sharedAt: map[string]time.Time{}}
	for _, a := range im.SharedWith {
		st.sharedAt[a] = created
	}
	return st
}

// statusAt returns the status and progress the service reports at now.
func (im *image) statusAt(now time.Time) (status, progress string) {
	if d := im.AvailableAfter.D(); d > 0 {
		if elapsed := now.Sub(im.created); elapsed < d {
			pct := min(max(int(elapsed*100/d), 0), 99)
			return "Creating", strconv.Itoa(pct) + "%"
		}
	}
	if im.AvailableAfter.D() > 0 && im.Status == "Creating" {
		// "status: Creating, availableAfter: 7m" reads as an image being
		// created for 7 minutes: Creating until then, then Available.
		return "Available", "100%"
	}
	switch im.Status {
	case "Creating", "Waiting", "CreateFailed":
		return im.Status, "0%"
	}
	return im.Status, "100%"
}

// view returns a copy of the image as the service sees it at now.
func (im *image) view(now time.Time) world.Image {
	v := im.Image
	v.Status, _ = im.statusAt(now)
	v.Tags = maps.Clone(im.Tags)
	v.SharedWith = slices.Clone(im.SharedWith)
	return v
}

// encrypted reports whether the image's snapshots are encrypted (by any key).
func (im *image) encrypted() bool { return im.Encryption != "none" }

// ModifyRecord is one ModifyImageSharePermission call the emulator applied.
type ModifyRecord struct {
	RequestID string
	RegionID  string
	ImageID   string
	// Add and Remove are the ids the call carried, by position, including
	// any the more-than-10 rule left unprocessed.
	Add, Remove []string
	// Added and Removed are the shares the call actually changed.
	Added, Removed []string
	// Time is the emulated clock's time of the call.
	Time time.Time
}

// SharedWith returns the accounts an image is shared with, in the order
// they were shared, or nil for an unknown image.
func (s *Service) SharedWith(imageID string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if im, ok := s.images[imageID]; ok {
		return slices.Clone(im.SharedWith)
	}
	return nil
}

// Image returns an image's current state, its status computed for now on
// the emulated clock.
func (s *Service) Image(imageID string) (world.Image, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	im, ok := s.images[imageID]
	if !ok {
		return world.Image{}, false
	}
	return im.view(s.clk.Now()), true
}

// PutImage adds an image, or replaces one with the same id. A new image is
// created now on the emulated clock (its AvailableAfter counts from then); a
// replaced one keeps its creation time. Empty fields get the world file's
// defaults. Its owner becomes a known account and its region a known region.
func (s *Service) PutImage(im world.Image) {
	s.mu.Lock()
	defer s.mu.Unlock()
	created := s.clk.Now()
	if old, ok := s.images[im.ID]; ok {
		created = old.created
	} else {
		s.order = append(s.order, im.ID)
	}
	st := newImage(im, s.world, created)
	s.images[im.ID] = st
	s.accounts[st.Owner] = true
	s.regions[st.Region] = true
}

// DeleteImage removes an image, as DeleteImage would (a test's way of
// deleting a copy behind the function's back). It reports whether the image
// existed.
func (s *Service) DeleteImage(imageID string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.images[imageID]; !ok {
		return false
	}
	delete(s.images, imageID)
	s.order = slices.DeleteFunc(s.order, func(id string) bool { return id == imageID })
	return true
}

// Images returns every image in region, as the service sees them now, in
// the order they were added.
func (s *Service) Images(region string) []world.Image {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []world.Image
	for _, id := range s.order {
		if im := s.images[id]; im.Region == region {
			out = append(out, im.view(s.clk.Now()))
		}
	}
	return out
}

// SetTags replaces an image's tags (as TagResources and UntagResources
// would); an unknown image is ignored.
func (s *Service) SetTags(imageID string, tags map[string]string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if im, ok := s.images[imageID]; ok {
		im.Tags = maps.Clone(tags)
		if im.Tags == nil {
			im.Tags = map[string]string{}
		}
	}
}

// ModifyLog returns every ModifyImageSharePermission call applied so far.
func (s *Service) ModifyLog() []ModifyRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ModifyRecord, len(s.log))
	for i, r := range s.log {
		r.Add, r.Remove = slices.Clone(r.Add), slices.Clone(r.Remove)
		r.Added, r.Removed = slices.Clone(r.Added), slices.Clone(r.Removed)
		out[i] = r
	}
	return out
}
