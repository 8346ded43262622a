// Package ecs emulates the ECS RPC API (version 2014-05-26) for the calls
// the product makes: DescribeImages, DescribeImageSharePermission,
// ModifyImageSharePermission, ListTagResources and CopyImage (copy_image.go).
//
// It is a product feature, used by the function's own tests and by anyone's
// integration tests through the emulate command, from any language. It
// therefore follows the documented protocol rather than what the Go SDK
// happens to tolerate: GET or POST, parameters in the query string or a form
// body, signatures checked against the world's credentials (RPC V1
// HMAC-SHA1, and V3 ACS3-HMAC-SHA256, the default of every current SDK, by
// package acs3), timestamps against the real clock, nonces against replay
// (one store for both schemes), and the
// documented error codes with their documented HTTP statuses.
//
// Every other notion of time (image creation, share times) runs on the
// injected clock, so tests move it at will.
//
// Where the documentation is silent or contradicts itself, the emulator
// decides as follows:
//
//   - InvalidImageId.NotFound is 404 (current reference; the seed says 403).
//     InvalidRegionId.NotFound and IncorrectImageStatus are 400 (older
//     editions). Each code has one status whatever the call.
//   - Common parameters: a missing one is MissingParameter naming it; a bad
//     SignatureMethod, SignatureVersion, Version or Format is InvalidParameter
//     naming it; a Timestamp not in 2006-01-02T15:04:05Z form is
//     InvalidTimeStamp.Format, one more than 15 minutes off real time
//     InvalidTimeStamp.Expired. An unknown Action (or a path other than "/")
//     is InvalidAction.NotFound, 404. A parameter given twice is
//     InvalidParameter. SignatureDoesNotMatch is 400, as the SDKs' tests
//     against the live service expect (the reference says 403; see
//     docs/conflicts.md).
//   - A V3 request (an ACS3 Authorization header, or x-acs-action without a
//     V1 Signature parameter: the V1 Go SDK sends x-acs-action too) is
//     verified by acs3.Verify and never as V1; its Action and Version come
//     from x-acs-action and x-acs-version, and an Action or Version parameter
//     that disagrees with them is InvalidParameter.
//   - With a securityToken in the world, a request without one is
//     InvalidSecurityToken.Malformed and one with another token (or any token
//     when the world has none) InvalidSecurityToken.MismatchWithAccessKey,
//     both 400.
//   - Calls that fail authentication are not counted, delayed or throttled:
//     the fault injector only sees authenticated calls.
//   - ModifyImageSharePermission checks, in order: MissingParameter
//     (RegionId, ImageId), InvalidRegionId.NotFound, LaunchPermission (refused,
//     ForbiddenParameter.LaunchPermission) and IsPublic=true (refused,
//     InvalidParameter.IsPublic: the emulator never publishes), the image
//     (InvalidImageId.NotFound unless the caller's and in the region), its
//     status (Deprecated: OperationDenied.InvalidImageStatus; any other
//     non-Available: IncorrectImageStatus), service-key encryption (only when
//     adding), each account (the owner: InvalidAccount.Forbbiden; unknown:
//     InvalidAccount.NotFound, failing the whole call), then the 50 quota on
//     the result of removes-then-adds. A list with more than 10 ids or a
//     position beyond 10 takes no effect ("ignore") or has its first 10 by
//     position processed ("first10"). Re-adding a shared account or removing
//     an unshared one is a silent no-op (inferred).
//   - DescribeImages filters it does not model (ImageName, OSType, Usage,
//     ImageOwnerId, ...) are ignored; a recipient does not see the owner's
//     tags on a shared image; Encrypted never says which key.
//   - ListTagResources answers ResourceType image; the other documented
//     types list nothing. Pages hold 50 entries; MaxResults (1..50) is an
//     emulator extension that the real service would ignore.
package ecs

import (
	"crypto/rand"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/imageshare/ecs-image-share/internal/clock"
	"github.com/imageshare/ecs-image-share/internal/emulator/acs3"
	"github.com/imageshare/ecs-image-share/internal/emulator/fault"
	"github.com/imageshare/ecs-image-share/internal/emulator/nonce"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// APIVersion is the only Version the emulator serves.
const APIVersion = "2014-05-26"

// Service is the emulated ECS RPC endpoint. It is an http.Handler for
// "/?Action=..." and is safe for concurrent use.
type Service struct {
	world  *world.World // a copy: credentials, owner, defaults; read only
	clk    clock.Clock
	inj    *fault.Injector
	stop   <-chan struct{}
	nonces *nonce.Cache // shared by the V1 and V3 verifiers

	mu         sync.Mutex
	regions    map[string]bool
	images     map[string]*image
	order      []string // ids in the order they were added
	accounts   map[string]bool
	moreThan10 string
	log        []ModifyRecord
	tokens     map[string]tokenRecord // CopyImage's ClientTokens
}

// maxNonces bounds the replay cache (see nonce.Cache).
const maxNonces = 1 << 16

// New returns the service seeded from w. Its images are copied, so w is not
// changed by calls. inj decides faults for every authenticated call (nil:
// none); stop, when closed, releases calls held by a timeout fault.
func New(w *world.World, clk clock.Clock, inj *fault.Injector, stop <-chan struct{}) *Service {
	if inj == nil {
		inj = fault.New(&world.World{})
	}
	wc := *w // later changes to the caller's world do not leak in
	s := &Service{
		world:      &wc,
		clk:        clk,
		inj:        inj,
		stop:       stop,
		nonces:     nonce.New(maxNonces),
		regions:    map[string]bool{},
		images:     map[string]*image{},
		accounts:   map[string]bool{w.Owner: true},
		moreThan10: w.MoreThan10,
		tokens:     map[string]tokenRecord{},
	}
	if s.moreThan10 == "" {
		s.moreThan10 = world.MoreThan10Ignore
	}
	regions := w.Regions
	if len(regions) == 0 { // a world not built by world.Parse
		regions = append(slices.Clone(world.DefaultRegions), w.Region)
	}
	for _, r := range regions {
		s.regions[r] = true
	}
	created := w.StartTime
	if created.IsZero() {
		created = clk.Now()
	}
	for _, a := range w.Accounts {
		s.accounts[a] = true
	}
	for _, im := range w.Images {
		s.images[im.ID] = newImage(im, w, created)
		s.order = append(s.order, im.ID)
		s.accounts[s.images[im.ID].Owner] = true
		s.regions[s.images[im.ID].Region] = true
	}
	return s
}

// SetMoreThan10 switches, at run time, how ModifyImageSharePermission treats
// more than 10 ids in AddAccount.N or RemoveAccount.N: world.MoreThan10Ignore
// or world.MoreThan10First10.
func (s *Service) SetMoreThan10(mode string) error {
	if mode != world.MoreThan10Ignore && mode != world.MoreThan10First10 {
		return fmt.Errorf("ecs: more-than-10 mode must be %q or %q, not %q",
			world.MoreThan10Ignore, world.MoreThan10First10, mode)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.moreThan10 = mode
	return nil
}

// call is one authenticated request on its way to an action.
type call struct {
	action    string
	p         params
	requestID string
	now       time.Time // emulated clock
}

// handler serves one action. It returns the response body (without the
// RequestId, which ServeHTTP fills) or an error in the service's format.
type handler func(*call) (response, *apiError)

// response is a success body; each sets its RequestId.
type response interface{ setRequestID(string) }

// handlerFor routes an Action; a switch keeps the routing table immutable.
func (s *Service) handlerFor(action string) handler {
	switch action {
	case "DescribeImages":
		return s.describeImages
	case "DescribeImageSharePermission":
		return s.describeImageSharePermission
	case "ModifyImageSharePermission":
		return s.modifyImageSharePermission
	case "ListTagResources":
		return s.listTagResources
	case "CopyImage":
		return s.copyImage
	}
	return nil
}

// ServeHTTP answers one RPC call: read parameters, authenticate, route, ask
// the fault injector, act, answer. Calls that fail authentication never
// reach the injector, so they are neither counted nor throttled.
func (s *Service) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	out := writer{w: w, r: r, requestID: newRequestID(), format: "JSON"}
	if r.URL.Path != "/" {
		out.fail(newError("InvalidAction.NotFound"))
		return
	}
	body, err := readBody(w, r)
	if err != nil {
		out.fail(err)
		return
	}
	p, err := readParams(w, r)
	if err != nil {
		out.fail(err)
		return
	}
	if f := p["Format"]; f != "" {
		if !strings.EqualFold(f, "JSON") && !strings.EqualFold(f, "XML") {
			out.fail(invalidParameter("Format", "Valid values: JSON, XML."))
			return
		}
		out.format = strings.ToUpper(f)
	}
	if acs3.Is(r) || (r.Header.Get(acs3.HeaderAction) != "" && p["Signature"] == "") {
		err = s.authenticateV3(r, body, p)
	} else {
		err = s.authenticate(r.Method, p)
	}
	if err != nil {
		out.fail(err)
		return
	}
	if p["Version"] != APIVersion {
		out.fail(invalidParameter("Version", "This endpoint serves "+APIVersion+"."))
		return
	}
	h := s.handlerFor(p["Action"])
	if h == nil {
		out.fail(newError("InvalidAction.NotFound"))
		return
	}
	out.action = p["Action"]
	c := &call{action: out.action, p: p, requestID: out.requestID, now: s.clk.Now()}

	d := s.inj.Decide(r.Context(), fault.Call{API: c.action, ImageID: p["ImageId"], Throttle: "Throttling"})
	if d.Kind == fault.Error {
		e := newError(d.Code)
		if d.Status != 0 {
			e.Status = d.Status
		}
		out.fail(e)
		return
	}
	if fault.Drop(d, w, r, s.stop, func() { _, _ = h(c) }) {
		return
	}
	resp, aerr := h(c)
	if aerr != nil {
		out.fail(aerr)
		return
	}
	resp.setRequestID(out.requestID)
	out.ok(resp)
}

// region returns the call's RegionId, which every action requires and which
// must be a region the world knows.
func (s *Service) region(p params) (string, *apiError) {
	r := p["RegionId"]
	if r == "" {
		return "", missingParameter("RegionId")
	}
	s.mu.Lock()
	known := s.regions[r]
	s.mu.Unlock()
	if !known {
		return "", newError("InvalidRegionId.NotFound")
	}
	return r, nil
}

// sortedImages returns the stored images newest first (as the service lists
// them), ties in the order they were added. The caller holds s.mu.
func (s *Service) sortedImages() []*image {
	out := make([]*image, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.images[id])
	}
	slices.SortStableFunc(out, func(a, b *image) int { return b.created.Compare(a.created) })
	return out
}

// newRequestID returns a fresh upper-case UUID-like id, as the service's.
func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40 // version 4
	b[8] = b[8]&0x3f | 0x80 // RFC 4122 variant
	return strings.ToUpper(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]))
}

// recommend is the troubleshooting link the service puts in Recommend.
func recommend(code, requestID string) string {
	return "https://api.aliyun.com/troubleshoot?q=" + url.QueryEscape(code) +
		"&product=Ecs&requestId=" + url.QueryEscape(requestID)
}
