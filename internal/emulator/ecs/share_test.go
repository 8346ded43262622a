package ecs_test

import (
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	sdkecs "github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"github.com/imageshare/ecs-image-share/internal/ecsclient"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// modify calls ModifyImageSharePermission with a fresh request, as the
// product must (a reused request keeps stale list entries).
func modify(c *sdkecs.Client, imageID string, add, remove []string) error {
	req := sdkecs.CreateModifyImageSharePermissionRequest()
	req.RegionId = region
	req.ImageId = imageID
	if add != nil {
		req.AddAccount = &add
	}
	if remove != nil {
		req.RemoveAccount = &remove
	}
	_, err := c.ModifyImageSharePermission(req)
	return err
}

func TestDescribeImageSharePermissionPaging(t *testing.T) {
	e := newEnv(t, nil)
	e.svc.PutImage(world.Image{ID: "m-many", SharedWith: accts(1, 23)})
	c := e.client(t)
	var seen []string
	for page := 1; page <= 3; page++ {
		req := sdkecs.CreateDescribeImageSharePermissionRequest()
		req.ImageId = "m-many"
		req.PageNumber = requests.NewInteger(page)
		req.PageSize = requests.NewInteger(10)
		resp, err := c.DescribeImageSharePermission(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.TotalCount != 23 || resp.PageNumber != page || resp.PageSize != 10 ||
			resp.ImageId != "m-many" || resp.RegionId != region || len(resp.ShareGroups.ShareGroup) != 0 {
			t.Errorf("page %d envelope: %+v", page, resp)
		}
		for _, a := range resp.Accounts.Account {
			if a.SharedTime != "2026-01-01T00:00:00Z" {
				t.Errorf("SharedTime %q", a.SharedTime)
			}
			seen = append(seen, a.AliyunId)
		}
	}
	if !slices.Equal(seen, accts(1, 23)) {
		t.Errorf("accounts %v, want the order shared", seen)
	}

	// Default page size 10; a share made later carries its time.
	e.clk.Advance(time.Hour)
	if err := modify(c, "m-golden", []string{acct(9)}, nil); err != nil {
		t.Fatal(err)
	}
	req := sdkecs.CreateDescribeImageSharePermissionRequest()
	req.ImageId = "m-golden"
	resp, err := c.DescribeImageSharePermission(req)
	if err != nil {
		t.Fatal(err)
	}
	want := []sdkecs.Account{{AliyunId: acct(2), SharedTime: "2026-01-01T00:00:00Z"}, {AliyunId: acct(9), SharedTime: "2026-01-01T01:00:00Z"}}
	if resp.PageSize != 10 || !slices.Equal(resp.Accounts.Account, want) {
		t.Errorf("got %d %+v", resp.PageSize, resp.Accounts.Account)
	}
}

func TestDescribeImageSharePermissionErrors(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client(t)
	tests := []struct {
		name, imageID string
		page          int
		status        int
		code          string
	}{
		{"missing image id", "", 0, 400, "MissingParameter"},
		{"unknown image", "m-nope", 0, 404, "InvalidImageId.NotFound"},
		{"image of another owner", "m-theirs-shared", 0, 404, "InvalidImageId.NotFound"},
		{"image of another region", "m-beijing", 0, 404, "InvalidImageId.NotFound"},
		{"page size above 100", "m-golden", 101, 400, "InvalidParameter"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := sdkecs.CreateDescribeImageSharePermissionRequest()
			req.ImageId = tt.imageID
			if tt.page != 0 {
				req.PageSize = requests.NewInteger(tt.page)
			}
			_, err := c.DescribeImageSharePermission(req)
			serverError(t, err, tt.status, tt.code)
		})
	}
}

// TestModifyRules covers every rule ModifyImageSharePermission enforces,
// each documented code with its documented status, and that a failed call
// changes nothing.
func TestModifyRules(t *testing.T) {
	tests := []struct {
		name        string
		imageID     string
		add, remove []string
		status      int
		code        string // "" for success
		want        []string
	}{
		{"share", "m-golden", []string{acct(3), acct(4)}, nil, 200, "", []string{acct(2), acct(3), acct(4)}},
		{"unshare", "m-golden", nil, []string{acct(2)}, 200, "", nil},
		{"add and remove in one call", "m-golden", []string{acct(3)}, []string{acct(2)}, 200, "", []string{acct(3)}},
		{"adding a shared account is a no-op", "m-golden", []string{acct(2)}, nil, 200, "", []string{acct(2)}},
		{"removing an unshared account is a no-op", "m-golden", nil, []string{acct(5)}, 200, "", []string{acct(2)}},
		{"duplicates in a list count once", "m-golden", []string{acct(3), acct(3)}, nil, 200, "", []string{acct(2), acct(3)}},
		{"cmk-encrypted images can be shared", "m-cmk", []string{acct(3)}, nil, 200, "", []string{acct(3)}},
		{"service-key images cannot", "m-svckey", []string{acct(3)}, nil, 403, "InvalidOperation.ServiceKeyEncryptedImageUnsupported", nil},
		{"unknown account fails the whole call", "m-golden", []string{acct(3), "2999999999999999"}, []string{acct(2)}, 404, "InvalidAccount.NotFound", []string{acct(2)}},
		{"unknown account to remove", "m-golden", nil, []string{"2999999999999999"}, 404, "InvalidAccount.NotFound", []string{acct(2)}},
		{"sharing with oneself", "m-golden", []string{owner}, nil, 404, "InvalidAccount.Forbbiden", []string{acct(2)}},
		{"unknown image", "m-nope", []string{acct(3)}, nil, 404, "InvalidImageId.NotFound", nil},
		{"image of another owner", "m-theirs-shared", []string{acct(3)}, nil, 404, "InvalidImageId.NotFound", []string{owner}},
		{"image of another region", "m-beijing", []string{acct(3)}, nil, 404, "InvalidImageId.NotFound", nil},
		{"missing image id", "", []string{acct(3)}, nil, 400, "MissingParameter", nil},
		{"creating", "m-creating", []string{acct(3)}, nil, 400, "IncorrectImageStatus", nil},
		{"waiting", "m-waiting", []string{acct(3)}, nil, 400, "IncorrectImageStatus", nil},
		{"unavailable", "m-unavailable", []string{acct(3)}, nil, 400, "IncorrectImageStatus", nil},
		{"create failed", "m-failed", []string{acct(3)}, nil, 400, "IncorrectImageStatus", nil},
		{"deprecated", "m-deprecated", []string{acct(3)}, nil, 403, "OperationDenied.InvalidImageStatus", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, nil)
			err := modify(e.client(t), tt.imageID, tt.add, tt.remove)
			if tt.code == "" {
				if err != nil {
					t.Fatal(err)
				}
			} else {
				serverError(t, err, tt.status, tt.code)
			}
			if got := e.svc.SharedWith(tt.imageID); !slices.Equal(got, tt.want) {
				t.Errorf("shared with %v, want %v", got, tt.want)
			}
			if n := len(e.svc.ModifyLog()); (tt.code == "") != (n == 1) {
				t.Errorf("modify log has %d records", n)
			}
		})
	}
}

func TestModifyRawErrors(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		name   string
		edit   func(p map[string][]string)
		status int
		code   string
	}{
		{"missing region", func(p map[string][]string) { delete(p, "RegionId") }, 400, "MissingParameter"},
		{"unknown region", func(p map[string][]string) { p["RegionId"] = []string{"xx-nowhere-1"} }, 400, "InvalidRegionId.NotFound"},
		{"IsPublic true", func(p map[string][]string) { p["IsPublic"] = []string{"true"} }, 403, "InvalidParameter.IsPublic"},
		{"LaunchPermission", func(p map[string][]string) { p["LaunchPermission"] = []string{"x"} }, 400, "ForbiddenParameter.LaunchPermission"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := commonParams("ModifyImageSharePermission")
			p.Set("ImageId", "m-golden")
			p.Set("AddAccount.1", acct(3))
			tt.edit(p)
			r := e.raw(t, http.MethodPost, p)
			wantRawError(t, r, tt.status, tt.code)
		})
	}
	if got := e.svc.SharedWith("m-golden"); !slices.Equal(got, []string{acct(2)}) {
		t.Errorf("failed calls changed the shares: %v", got)
	}
	// IsPublic=false is accepted (and changes nothing public).
	p := commonParams("ModifyImageSharePermission")
	p.Set("ImageId", "m-golden")
	p.Set("IsPublic", "false")
	if r := e.raw(t, http.MethodPost, p); r.status != 200 {
		t.Errorf("IsPublic=false: %d %s", r.status, r.body)
	}
}

func TestModifyQuota(t *testing.T) {
	e := newEnv(t, nil)
	e.svc.PutImage(world.Image{ID: "m-full", SharedWith: accts(1, 45)})
	c := e.client(t)

	err := modify(c, "m-full", accts(46, 51), nil)
	serverError(t, err, 403, "QuotaExceed.ShareImageUser")
	if n := len(e.svc.SharedWith("m-full")); n != 45 {
		t.Fatalf("a refused call changed the shares: %d", n)
	}
	if err := modify(c, "m-full", accts(46, 50), nil); err != nil {
		t.Fatalf("up to 50 is allowed: %v", err)
	}
	// Removals are applied before adds, so a swap at the limit fits.
	if err := modify(c, "m-full", []string{acct(51)}, []string{acct(1)}); err != nil {
		t.Fatalf("swap at 50: %v", err)
	}
	got := e.svc.SharedWith("m-full")
	if len(got) != 50 || slices.Contains(got, acct(1)) || !slices.Contains(got, acct(51)) {
		t.Errorf("after swap: %v", got)
	}
	serverError(t, modify(c, "m-full", []string{acct(52)}, nil), 403, "QuotaExceed.ShareImageUser")
}

func TestModifyMoreThan10(t *testing.T) {
	eleven := accts(3, 13)
	tests := []struct {
		name      string
		mode      string // world file reading
		switchTo  string // SetMoreThan10 at run time, if set
		add       []string
		wantAdded []string
	}{
		{"ignore: 11 adds take no effect", world.MoreThan10Ignore, "", eleven, nil},
		{"first10: the first 10 by position", world.MoreThan10First10, "", eleven, accts(3, 12)},
		{"switched at run time to first10", world.MoreThan10Ignore, world.MoreThan10First10, eleven, accts(3, 12)},
		{"switched at run time to ignore", world.MoreThan10First10, world.MoreThan10Ignore, eleven, nil},
		{"10 are fine", world.MoreThan10Ignore, "", accts(3, 12), accts(3, 12)},
		{"gaps keep positions: 1 and 3", world.MoreThan10Ignore, "", []string{acct(3), "", acct(4)}, []string{acct(3), acct(4)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, func(w *world.World) { w.MoreThan10 = tt.mode })
			if tt.switchTo != "" {
				if err := e.svc.SetMoreThan10(tt.switchTo); err != nil {
					t.Fatal(err)
				}
			}
			if err := modify(e.client(t), "m-cmk", tt.add, nil); err != nil {
				t.Fatalf("the call succeeds under both readings: %v", err)
			}
			if got := e.svc.SharedWith("m-cmk"); !slices.Equal(got, tt.wantAdded) {
				t.Errorf("shared with %v, want %v", got, tt.wantAdded)
			}
			log := e.svc.ModifyLog()
			if len(log) != 1 || !slices.Equal(log[0].Added, tt.wantAdded) || log[0].ImageID != "m-cmk" || log[0].RequestID == "" {
				t.Errorf("log %+v", log)
			}
			if sent := slices.DeleteFunc(slices.Clone(tt.add), func(s string) bool { return s == "" }); !slices.Equal(log[0].Add, sent) {
				t.Errorf("log Add %v, want what was sent %v", log[0].Add, sent)
			}
		})
	}
	t.Run("removals follow the same rule", func(t *testing.T) {
		e := newEnv(t, nil)
		e.svc.PutImage(world.Image{ID: "m-x", SharedWith: accts(1, 20)})
		if err := modify(e.client(t), "m-x", nil, accts(1, 11)); err != nil {
			t.Fatal(err)
		}
		if n := len(e.svc.SharedWith("m-x")); n != 20 {
			t.Errorf("11 removals took effect: %d left", n)
		}
	})
	t.Run("a bad mode is refused", func(t *testing.T) {
		e := newEnv(t, nil)
		if err := e.svc.SetMoreThan10("some"); err == nil {
			t.Error("no error")
		}
	})
}

func TestModifyLog(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client(t)
	e.clk.Advance(time.Minute)
	if err := modify(c, "m-golden", []string{acct(3)}, []string{acct(2), acct(7)}); err != nil {
		t.Fatal(err)
	}
	log := e.svc.ModifyLog()
	if len(log) != 1 {
		t.Fatalf("log %+v", log)
	}
	r := log[0]
	if r.ImageID != "m-golden" || r.RegionID != region || !r.Time.Equal(e.w.StartTime.Add(time.Minute)) ||
		!slices.Equal(r.Add, []string{acct(3)}) || !slices.Equal(r.Remove, []string{acct(2), acct(7)}) ||
		!slices.Equal(r.Added, []string{acct(3)}) || !slices.Equal(r.Removed, []string{acct(2)}) {
		t.Errorf("log %+v", r)
	}
	r.Added[0] = "mutated"
	if e.svc.ModifyLog()[0].Added[0] != acct(3) {
		t.Error("ModifyLog returns the service's own slices")
	}
}

func TestInspection(t *testing.T) {
	e := newEnv(t, nil)
	im, ok := e.svc.Image("m-creating")
	if !ok || im.Status != "Creating" || im.Owner != owner || im.Region != region {
		t.Errorf("Image: %+v %v", im, ok)
	}
	if _, ok := e.svc.Image("m-nope"); ok {
		t.Error("unknown image found")
	}
	e.svc.SetTags("m-golden", map[string]string{"env": "dev"})
	if im, _ := e.svc.Image("m-golden"); len(im.Tags) != 1 || im.Tags["env"] != "dev" {
		t.Errorf("SetTags: %v", im.Tags)
	}
	e.svc.SetTags("m-nope", map[string]string{"a": "b"}) // ignored
	// A new image in a new region: its owner and region become known.
	e.svc.PutImage(world.Image{ID: "m-new", Region: "eu-west-9", Owner: "4000000000000001", SharedWith: []string{owner}})
	c := e.client(t, func(cfg *ecsclient.Config) { cfg.Region = "eu-west-9" })
	resp, err := describe(t, c, func(r *sdkecs.DescribeImagesRequest) { r.RegionId = "eu-west-9" })
	if err != nil || len(resp.Images.Image) != 1 || resp.Images.Image[0].ImageOwnerAlias != "others" {
		t.Errorf("new region image: %v %+v", err, resp)
	}
	if err := modify(e.client(t), "m-golden", []string{"4000000000000001"}, nil); err != nil {
		t.Errorf("the new image's owner is a known account: %v", err)
	}
	if e.w.Images[0].SharedWith[0] != acct(2) || len(e.w.Images[0].SharedWith) != 1 {
		t.Error("the world passed to New was changed")
	}
}

// TestConcurrentClients runs calls from several goroutines, each with its own
// client (as the product must); -race checks the emulator's locking.
func TestConcurrentClients(t *testing.T) {
	e := newEnv(t, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for g := range 8 {
		wg.Go(func() {
			c := e.client(t)
			for i := range 5 {
				a := acct(10 + g*5 + i)
				if err := modify(c, "m-cmk", []string{a}, nil); err != nil {
					errs <- err
				}
				req := sdkecs.CreateDescribeImageSharePermissionRequest()
				req.ImageId = "m-cmk"
				if _, err := c.DescribeImageSharePermission(req); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(e.svc.SharedWith("m-cmk")); n != 40 {
		t.Errorf("shared with %d, want 40", n)
	}
	if n := len(e.svc.ModifyLog()); n != 40 {
		t.Errorf("log has %d, want 40", n)
	}
}

// TestModifyPositionBeyond10: "If n is greater than 10, this parameter is
// ignored" (seed) even when fewer than 11 ids are sent; the first-10 reading
// processes the first 10 by position, whatever their numbers.
func TestModifyPositionBeyond10(t *testing.T) {
	for _, tt := range []struct {
		mode string
		want []string
	}{
		{world.MoreThan10Ignore, nil},
		{world.MoreThan10First10, []string{acct(3), acct(4)}},
	} {
		t.Run(tt.mode, func(t *testing.T) {
			e := newEnv(t, func(w *world.World) { w.MoreThan10 = tt.mode })
			p := commonParams("ModifyImageSharePermission")
			p.Set("ImageId", "m-cmk")
			p.Set("AddAccount.2", acct(3))
			p.Set("AddAccount.11", acct(4))
			if r := e.raw(t, http.MethodPost, p); r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			if got := e.svc.SharedWith("m-cmk"); !slices.Equal(got, tt.want) {
				t.Errorf("shared with %v, want %v", got, tt.want)
			}
		})
	}
}
