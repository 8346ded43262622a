package ecs

import (
	"crypto/rand"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// CopyImage, after the current API reference (ECS 2014-05-26, CopyImage,
// error codes as of its 2026-01-06 change; the table is kept in
// docs/copyimage-errors.md). The emulator checks, in order:
//
//   - MissingParameter (RegionId, ImageId); SourceRegion.NotFound and
//     DestinationRegion.NotFound for a region the world does not know
//     (DestinationRegionId defaults to RegionId);
//   - DestinationImageName (InvalidImageName.Malformed: 2 to 128 characters,
//     starting with a letter, no http:// or https://, not starting with acs:
//     or aliyun, letters, digits, '.', ':', '_', '-'), DestinationDescription
//     (InvalidDescription.Malformed: 2 to 256 characters, not starting with
//     http:// or https://), Tag.N (N from 1 to 20, a key for every value, no
//     key starting with aliyun or acs:: InvalidParameter);
//   - KMSKeyId without Encrypted=true: InvalidParameter.EncryptedIllegal;
//   - ClientToken (at most 64 ASCII characters): a token seen before with the
//     same parameters answers the image it made then, and makes nothing; with
//     other parameters it is InvalidOperation.Conflict (409). Tokens are kept
//     for the emulator's lifetime (the reference does not say for how long
//     the service keeps them);
//   - the image: InvalidImageId.NotFound unless the caller's own in RegionId,
//     or shared with the caller (then only within its region:
//     OperationDenied.SameRegionOnly); IncorrectImageStatus unless Available;
//   - the same region without Encrypted=true is IncorrectDestinationRegion
//     (a copy in its own region exists to change the encryption, inferred);
//     an encrypted image copied without Encrypted=true is
//     OperationDeined.EncryptedSnapshot (sic);
//   - KMSKeyId must be one of the world's kmsKeys in the destination region
//     (InvalidParameter.KMSKeyId.NotFound, 404), enabled
//     (InvalidParameter.KMSKeyId.CMKNotEnabled) and usable by ECS
//     (InvalidParameter.KMSKeyId.KMSUnauthorized); Encrypted=true without a
//     key encrypts the copy with the service key;
//   - a copy of the same image still Creating refuses another:
//     OperationDenied.ImageCopyConflict ("the same image cannot be copied
//     concurrently"); InvalidImageName.Duplicated when an image of that name
//     exists in the destination region.
//
// The copy is the caller's, Creating for the world's copyTakes on the
// emulated clock, then Available, with the tags of Tag.N (not the source's:
// the service copies no tags by itself), the name and description given (the
// service's defaults otherwise: empty description, the name the emulator
// shows for nameless images), and the encryption asked for. Quotas
// (QuotaExceed.Image, QuotaExceed.Snapshot) and the service-side refusals
// (RegionNotSupportCopy, SizeExceed.Image, ...) are not modelled: a world
// injects them as faults.
func (s *Service) copyImage(c *call) (response, *apiError) {
	if err := c.p.require("RegionId", "ImageId"); err != nil {
		return nil, err
	}
	region, dest := c.p["RegionId"], c.p["DestinationRegionId"]
	if dest == "" {
		dest = region
	}
	name, desc := c.p["DestinationImageName"], c.p["DestinationDescription"]
	if name != "" && !validImageName(name) {
		return nil, newError("InvalidImageName.Malformed")
	}
	if desc != "" && !validDescription(desc) {
		return nil, newError("InvalidDescription.Malformed")
	}
	tags, aerr := copyTags(c.p)
	if aerr != nil {
		return nil, aerr
	}
	encrypted := false
	switch strings.ToLower(c.p["Encrypted"]) {
	case "", "false":
	case "true":
		encrypted = true
	default:
		return nil, invalidParameter("Encrypted", "Valid values: true, false.")
	}
	keyID := c.p["KMSKeyId"]
	if keyID != "" && !encrypted {
		return nil, newError("InvalidParameter.EncryptedIllegal")
	}
	token := c.p["ClientToken"]
	if len(token) > 64 || !isASCII(token) {
		return nil, invalidParameter("ClientToken", "It must be at most 64 ASCII characters.")
	}
	// What the token stands for: every parameter that shapes the copy.
	fingerprint := strings.Join([]string{region, dest, c.p["ImageId"], name, desc, strconv.FormatBool(encrypted), keyID,
		tagString(tags)}, "\x00")

	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.regions[region] {
		return nil, newError("SourceRegion.NotFound")
	}
	if !s.regions[dest] {
		return nil, newError("DestinationRegion.NotFound")
	}
	if token != "" {
		if prev, ok := s.tokens[token]; ok {
			if prev.fingerprint != fingerprint {
				return nil, newError("InvalidOperation.Conflict")
			}
			return &copyImageResponse{ImageID: prev.imageID}, nil
		}
	}
	src, ok := s.images[c.p["ImageId"]]
	switch {
	case !ok || src.Region != region:
		return nil, newError("InvalidImageId.NotFound")
	case src.Owner != s.world.Owner && !slices.Contains(src.SharedWith, s.world.Owner):
		return nil, newError("InvalidImageId.NotFound")
	case src.Owner != s.world.Owner && dest != region:
		return nil, newError("OperationDenied.SameRegionOnly")
	}
	if status, _ := src.statusAt(c.now); status != "Available" {
		return nil, newError("IncorrectImageStatus")
	}
	if dest == region && !encrypted {
		return nil, newError("IncorrectDestinationRegion")
	}
	if src.encrypted() && !encrypted {
		return nil, newError("OperationDeined.EncryptedSnapshot",
			"The image contains encrypted snapshots, which do not support copying to non-encrypted ones.")
	}
	encryption := "none"
	if encrypted {
		encryption = "service-key"
	}
	if keyID != "" {
		k, found := s.kmsKey(keyID, dest)
		switch {
		case !found:
			return nil, newError("InvalidParameter.KMSKeyId.NotFound")
		case k.Disabled:
			return nil, newError("InvalidParameter.KMSKeyId.CMKNotEnabled")
		case k.Unauthorized:
			return nil, newError("InvalidParameter.KMSKeyId.KMSUnauthorized")
		}
		encryption = "cmk"
	}
	for _, id := range s.order {
		im := s.images[id]
		if im.copyOf == src.ID {
			if status, _ := im.statusAt(c.now); status == "Creating" {
				return nil, newError("OperationDenied.ImageCopyConflict")
			}
		}
		if name != "" && im.Region == dest && im.Owner == s.world.Owner && im.Name == name {
			return nil, newError("InvalidImageName.Duplicated")
		}
	}

	copyTakes := s.world.CopyTakes
	if copyTakes == 0 {
		copyTakes = world.DefaultCopyTakes
	}
	st := newImage(world.Image{
		ID: newImageID(), Name: name, Description: desc, Region: dest, Owner: s.world.Owner,
		Status: "Available", AvailableAfter: copyTakes, Tags: tags, Encryption: encryption, KMSKeyID: keyID,
	}, s.world, c.now)
	st.copyOf = src.ID
	s.images[st.ID] = st
	s.order = append(s.order, st.ID)
	if token != "" {
		s.tokens[token] = tokenRecord{fingerprint: fingerprint, imageID: st.ID}
	}
	return &copyImageResponse{ImageID: st.ID}, nil
}

type copyImageResponse struct {
	requestIDField
	ImageID string `json:"ImageId" xml:"ImageId"`
}

// tokenRecord is what a ClientToken made.
type tokenRecord struct {
	fingerprint string
	imageID     string
}

// kmsKey finds a key usable in region. The caller holds s.mu.
func (s *Service) kmsKey(id, region string) (world.KMSKey, bool) {
	for _, k := range s.world.KMSKeys {
		if k.ID == id && (k.Region == "" || k.Region == region) {
			return k, true
		}
	}
	return world.KMSKey{}, false
}

// copyTags reads Tag.N.Key / Tag.N.Value as CopyImage takes them.
func copyTags(p params) (map[string]string, *apiError) {
	tags := map[string]string{}
	for _, t := range p.tags() {
		n := strconv.Itoa(t.n)
		switch {
		case t.n > 20:
			return nil, invalidParameter("Tag."+n+".Key", "N ranges from 1 to 20.")
		case t.key == "":
			return nil, invalidParameter("Tag."+n+".Key", "A tag value needs its key.")
		case len(t.key) > 128 || strings.HasPrefix(t.key, "aliyun") || strings.HasPrefix(t.key, "acs:") ||
			strings.Contains(t.key, "http://") || strings.Contains(t.key, "https://"):
			return nil, invalidParameter("Tag."+n+".Key", "A tag key has at most 128 characters, does not start with aliyun or acs:, and contains no http:// or https://.")
		case len(t.value) > 128 || strings.HasPrefix(t.value, "acs:"):
			return nil, invalidParameter("Tag."+n+".Value", "A tag value has at most 128 characters and does not start with acs:.")
		}
		tags[t.key] = t.value
	}
	return tags, nil
}

func tagString(tags map[string]string) string {
	var b strings.Builder
	for _, k := range slices.Sorted(maps.Keys(tags)) {
		b.WriteString(k + "=" + tags[k] + "\x01")
	}
	return b.String()
}

// imageNameRE compiles on first use, not at package initialisation (cold start).
var imageNameRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\p{L}][\p{L}0-9.:_-]{1,127}$`) })

func validImageName(s string) bool {
	return imageNameRE().MatchString(s) && utf8.RuneCountInString(s) <= 128 &&
		!strings.HasPrefix(s, "acs:") && !strings.HasPrefix(s, "aliyun") &&
		!strings.Contains(s, "http://") && !strings.Contains(s, "https://")
}

func validDescription(s string) bool {
	n := utf8.RuneCountInString(s)
	return n >= 2 && n <= 256 && !strings.HasPrefix(s, "http://") && !strings.HasPrefix(s, "https://")
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// newImageID returns a fresh image id shaped like the service's.
func newImageID() string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	var b [20]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "m-" + string(b[:])
}
