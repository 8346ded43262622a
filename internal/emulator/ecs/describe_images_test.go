package ecs_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	sdkecs "github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"github.com/imageshare/ecs-image-share/internal/clock"
	"github.com/imageshare/ecs-image-share/internal/ecsclient"
	"github.com/imageshare/ecs-image-share/internal/emulator/ecs"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

const allStatuses = "Creating,Waiting,Available,UnAvailable,CreateFailed,Deprecated"

// describe calls DescribeImages with the SDK; edit sets the request's fields.
func describe(t *testing.T, c *sdkecs.Client, edit func(*sdkecs.DescribeImagesRequest)) (*sdkecs.DescribeImagesResponse, error) {
	t.Helper()
	req := sdkecs.CreateDescribeImagesRequest()
	req.RegionId = region
	req.PageSize = requests.NewInteger(100)
	if edit != nil {
		edit(req)
	}
	return c.DescribeImages(req)
}

func imageIDs(resp *sdkecs.DescribeImagesResponse) []string {
	var ids []string
	for _, im := range resp.Images.Image {
		ids = append(ids, im.ImageId)
	}
	slices.Sort(ids)
	return ids
}

func TestDescribeImagesFilters(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client(t)
	tests := []struct {
		name string
		edit func(*sdkecs.DescribeImagesRequest)
		want []string
	}{
		{"default status is Available only", nil,
			[]string{"m-cmk", "m-golden", "m-staging", "m-svckey", "m-theirs-shared"}},
		{"every status", func(r *sdkecs.DescribeImagesRequest) { r.Status = allStatuses },
			[]string{"m-cmk", "m-creating", "m-deprecated", "m-failed", "m-golden", "m-staging", "m-svckey", "m-theirs-shared", "m-unavailable", "m-waiting"}},
		{"status list", func(r *sdkecs.DescribeImagesRequest) { r.Status = "Creating,Deprecated" },
			[]string{"m-creating", "m-deprecated"}},
		{"image ids, default status", func(r *sdkecs.DescribeImagesRequest) { r.ImageId = "m-golden,m-creating,m-nope" },
			[]string{"m-golden"}},
		{"image ids with status", func(r *sdkecs.DescribeImagesRequest) {
			r.ImageId = "m-golden,m-creating"
			r.Status = allStatuses
		}, []string{"m-creating", "m-golden"}},
		{"an unshared image of another owner is invisible", func(r *sdkecs.DescribeImagesRequest) {
			r.ImageId = "m-theirs-hidden"
			r.Status = allStatuses
		}, nil},
		{"owner alias self", func(r *sdkecs.DescribeImagesRequest) { r.ImageOwnerAlias = "self" },
			[]string{"m-cmk", "m-golden", "m-staging", "m-svckey"}},
		{"owner alias others: shared with the caller", func(r *sdkecs.DescribeImagesRequest) { r.ImageOwnerAlias = "others" },
			[]string{"m-theirs-shared"}},
		{"owner alias system", func(r *sdkecs.DescribeImagesRequest) { r.ImageOwnerAlias = "system" }, nil},
		{"owner alias marketplace", func(r *sdkecs.DescribeImagesRequest) { r.ImageOwnerAlias = "marketplace" }, nil},
		{"tags AND", func(r *sdkecs.DescribeImagesRequest) {
			r.Tag = &[]sdkecs.DescribeImagesTag{{Key: "env", Value: "prod"}, {Key: "team", Value: "web"}}
		}, []string{"m-golden"}},
		{"tag key only matches any value", func(r *sdkecs.DescribeImagesRequest) {
			r.Tag = &[]sdkecs.DescribeImagesTag{{Key: "team"}}
		}, []string{"m-golden", "m-staging"}},
		{"tag with status", func(r *sdkecs.DescribeImagesRequest) {
			r.Tag = &[]sdkecs.DescribeImagesTag{{Key: "env", Value: "prod"}}
			r.ImageOwnerAlias = "self"
			r.Status = allStatuses
		}, []string{"m-creating", "m-golden"}},
		{"another region", func(r *sdkecs.DescribeImagesRequest) { r.RegionId = "cn-beijing" },
			[]string{"m-beijing"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := describe(t, c, tt.edit)
			if err != nil {
				t.Fatal(err)
			}
			if got := imageIDs(resp); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if resp.TotalCount != len(tt.want) {
				t.Errorf("TotalCount %d, want %d", resp.TotalCount, len(tt.want))
			}
		})
	}
}

func TestDescribeImagesFields(t *testing.T) {
	e := newEnv(t, nil)
	resp, err := describe(t, e.client(t), func(r *sdkecs.DescribeImagesRequest) { r.Status = allStatuses })
	if err != nil {
		t.Fatal(err)
	}
	if resp.RequestId == "" || resp.RegionId != region || resp.PageNumber != 1 || resp.PageSize != 100 {
		t.Errorf("envelope: %+v", resp)
	}
	got := map[string]sdkecs.Image{}
	for _, im := range resp.Images.Image {
		got[im.ImageId] = im
	}
	g := got["m-golden"]
	if g.ImageOwnerId != 1000000000000001 || g.ImageOwnerAlias != "self" || g.IsPublic || g.Status != "Available" ||
		g.Progress != "100%" || g.ImageName != "golden" || g.CreationTime != "2026-01-01T00:00:00Z" {
		t.Errorf("m-golden: %+v", g)
	}
	wantTags := []sdkecs.Tag{{TagKey: "env", TagValue: "prod"}, {TagKey: "team", TagValue: "web"}}
	if !slices.Equal(g.Tags.Tag, wantTags) {
		t.Errorf("tags %+v", g.Tags.Tag)
	}
	if th := got["m-theirs-shared"]; th.ImageOwnerAlias != "others" || th.ImageOwnerId != 3000000000000001 || len(th.Tags.Tag) != 0 {
		t.Errorf("shared image of another owner: %+v", th)
	}
	for id, want := range map[string]bool{"m-golden": false, "m-cmk": true, "m-svckey": true} {
		m := got[id].DiskDeviceMappings.DiskDeviceMapping
		if len(m) != 1 || m[0].Encrypted != want || m[0].SnapshotId == "" {
			t.Errorf("%s disk mappings %+v, want Encrypted %v", id, m, want)
		}
	}
}

func TestDescribeImagesCreatingBecomesAvailable(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client(t)
	steps := []struct {
		advance          time.Duration
		status, progress string
	}{
		{0, "Creating", "0%"},
		{50 * time.Second, "Creating", "50%"},
		{49 * time.Second, "Creating", "99%"},
		{time.Second, "Available", "100%"},
	}
	for _, s := range steps {
		e.clk.Advance(s.advance)
		resp, err := describe(t, c, func(r *sdkecs.DescribeImagesRequest) {
			r.ImageId = "m-creating"
			r.Status = allStatuses
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Images.Image) != 1 {
			t.Fatalf("got %v", imageIDs(resp))
		}
		im := resp.Images.Image[0]
		if im.Status != s.status || im.Progress != s.progress {
			t.Errorf("at +%v: %s %s, want %s %s", e.clk.Now().Sub(e.w.StartTime), im.Status, im.Progress, s.status, s.progress)
		}
	}
	if im, _ := e.svc.Image("m-creating"); im.Status != "Available" {
		t.Errorf("Image() status %s", im.Status)
	}
}

func TestDescribeImagesPaging(t *testing.T) {
	e := newEnv(t, nil)
	for i := range 21 {
		e.clk.Advance(time.Second) // newer images are listed first
		e.svc.PutImage(world.Image{ID: fmt.Sprintf("m-page-%02d", i), Tags: map[string]string{"paged": "yes"}})
	}
	c := e.client(t)
	var seen []string
	for page := 1; page <= 4; page++ {
		resp, err := describe(t, c, func(r *sdkecs.DescribeImagesRequest) {
			r.Tag = &[]sdkecs.DescribeImagesTag{{Key: "paged"}}
			r.PageNumber = requests.NewInteger(page)
			r.PageSize = requests.NewInteger(10)
		})
		if err != nil {
			t.Fatal(err)
		}
		if resp.TotalCount != 21 || resp.PageNumber != page || resp.PageSize != 10 {
			t.Errorf("page %d envelope: total %d number %d size %d", page, resp.TotalCount, resp.PageNumber, resp.PageSize)
		}
		if want := min(10, max(0, 21-(page-1)*10)); len(resp.Images.Image) != want {
			t.Errorf("page %d has %d images, want %d", page, len(resp.Images.Image), want)
		}
		for _, im := range resp.Images.Image {
			seen = append(seen, im.ImageId)
		}
	}
	if len(seen) != 21 || seen[0] != "m-page-20" || seen[20] != "m-page-00" {
		t.Errorf("pages give %v, want newest first, each once", seen)
	}

	// Default page size is 10.
	resp, err := c.DescribeImages(func() *sdkecs.DescribeImagesRequest {
		r := sdkecs.CreateDescribeImagesRequest()
		r.Tag = &[]sdkecs.DescribeImagesTag{{Key: "paged"}}
		return r
	}())
	if err != nil || len(resp.Images.Image) != 10 || resp.PageSize != 10 {
		t.Errorf("default page: %v %d", err, resp.PageSize)
	}
}

func TestDescribeImagesErrors(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client(t)
	tests := []struct {
		name   string
		edit   func(*sdkecs.DescribeImagesRequest)
		status int
		code   string
	}{
		{"page size above 100", func(r *sdkecs.DescribeImagesRequest) { r.PageSize = requests.NewInteger(101) }, 400, "InvalidParameter"},
		{"page number 0", func(r *sdkecs.DescribeImagesRequest) { r.PageNumber = requests.NewInteger(0) }, 400, "InvalidParameter"},
		{"unknown status", func(r *sdkecs.DescribeImagesRequest) { r.Status = "Available,Gone" }, 400, "InvalidParameter"},
		{"unknown owner alias", func(r *sdkecs.DescribeImagesRequest) { r.ImageOwnerAlias = "friends" }, 400, "InvalidParameter"},
		{"unknown region", func(r *sdkecs.DescribeImagesRequest) { r.RegionId = "xx-nowhere-1" }, 400, "InvalidRegionId.NotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := describe(t, c, tt.edit)
			serverError(t, err, tt.status, tt.code)
		})
	}
	t.Run("missing region", func(t *testing.T) {
		p := commonParams("DescribeImages")
		p.Del("RegionId")
		wantRawError(t, e.raw(t, http.MethodPost, p), 400, "MissingParameter")
	})
	t.Run("a client of an unknown region", func(t *testing.T) {
		c := e.client(t, func(cfg *ecsclient.Config) { cfg.Region = "xx-nowhere-1" })
		_, err := c.DescribeImages(sdkecs.CreateDescribeImagesRequest())
		serverError(t, err, 400, "InvalidRegionId.NotFound")
	})
}

// TestHandBuiltWorld: a world not read by world.Parse (no defaults filled)
// still serves its region and images.
func TestHandBuiltWorld(t *testing.T) {
	w := &world.World{
		Region:      region,
		Owner:       owner,
		Credentials: world.Credentials{AccessKeyID: akID, AccessKeySecret: akSecret},
		Images:      []world.Image{{ID: "m-1"}},
	}
	srv := httptest.NewServer(ecs.New(w, clock.NewManual(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC)), nil, nil))
	defer srv.Close()
	c, err := ecsclient.New(ecsclient.Config{Region: region, Endpoint: srv.URL, AccessKeyID: akID, AccessKeySecret: akSecret})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := describe(t, c, nil)
	if err != nil || len(resp.Images.Image) != 1 || resp.Images.Image[0].CreationTime != "2026-02-01T00:00:00Z" {
		t.Fatalf("%v %+v", err, resp)
	}
}

// TestAvailableAfterWithStatus: availableAfter keeps an image Creating for
// that long; then it has its status, except that status Creating (what a
// new user writes for "an image being created for 7 minutes") ends
// Available rather than Creating for ever.
func TestAvailableAfterWithStatus(t *testing.T) {
	tests := []struct {
		status, before, after string
	}{
		{"Creating", "Creating", "Available"},
		{"", "Creating", "Available"},
		{"Available", "Creating", "Available"},
		{"CreateFailed", "Creating", "CreateFailed"},
		{"Waiting", "Creating", "Waiting"},
	}
	for _, tt := range tests {
		t.Run("status "+tt.status, func(t *testing.T) {
			e := newEnv(t, func(w *world.World) {
				w.Images = append(w.Images, world.Image{ID: "m-seven", Status: tt.status, AvailableAfter: world.Duration(7 * time.Minute)})
			})
			c := e.client(t)
			for _, step := range []struct {
				advance time.Duration
				want    string
			}{{7*time.Minute - time.Second, tt.before}, {time.Second, tt.after}, {time.Hour, tt.after}} {
				e.clk.Advance(step.advance)
				resp, err := describe(t, c, func(r *sdkecs.DescribeImagesRequest) { r.ImageId = "m-seven"; r.Status = allStatuses })
				if err != nil {
					t.Fatal(err)
				}
				if len(resp.Images.Image) != 1 || resp.Images.Image[0].Status != step.want {
					t.Fatalf("at +%v: %+v, want status %s", e.clk.Now().Sub(e.w.StartTime), resp.Images.Image, step.want)
				}
			}
		})
	}
}
