package engine

import (
	"context"
	"os"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"github.com/imageshare/ecs-image-share/internal/ecsclient"
	ecsemu "github.com/imageshare/ecs-image-share/internal/emulator/ecs"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/outcome"
)

// withCopyWorld gives the world a second region and KMS keys.
func withCopyWorld() envOption {
	return func(w *world.World, _ *Config, _ *ecsclient.Config) {
		w.Regions = []string{region, "cn-shanghai", "ap-southeast-1"}
		w.KMSKeys = []world.KMSKey{
			{ID: "key-sh-0001", Region: "cn-shanghai"},
			{ID: "key-hz-0001", Region: region},
			{ID: "key-off-0001", Disabled: true},
			{ID: "key-noecs-0001", Unauthorized: true},
		}
	}
}

// observed reads an image as Run would, for a copy request.
func (e *env) observed(t *testing.T, id string) Observed {
	t.Helper()
	r := &run{e: e.eng, ctx: context.Background(), region: region, imageID: id, calls: map[string]int{}, log: e.eng.log}
	obs, err := r.describeImage()
	if err != nil {
		t.Fatal(err)
	}
	return obs
}

func (e *env) copies(regionID, src string) []world.Image {
	var out []world.Image
	for _, im := range e.svc.Images(regionID) {
		if im.Tags[CopyTagKey] == CopyTagValue(region, src) {
			out = append(out, im)
		}
	}
	return out
}

func TestCopyMakesOneCopyAndFindsItAgain(t *testing.T) {
	e := newEnv(t, withCopyWorld(), withImage(world.Image{ID: "m-golden", Name: "golden", Description: "the golden image",
		Tags: map[string]string{"env": "prod", "acs:system": "x"}}))
	req := CopyRequest{Source: e.observed(t, "m-golden"), Region: "cn-shanghai", KMSKeyID: "key-sh-0001"}
	first := e.eng.Copy(context.Background(), req)
	if first.Err != nil || !first.Created || first.Status != outcome.Succeeded || first.CopyStatus != "Creating" ||
		first.APICalls[apiCopy] != 1 {
		t.Fatalf("first copy %+v", first)
	}
	c, ok := e.svc.Image(first.ImageID)
	if !ok || c.Region != "cn-shanghai" || c.Name != "golden" || c.Description != "the golden image" ||
		c.Tags["env"] != "prod" || c.Tags[CopyTagKey] != "cn-hangzhou/m-golden" || c.Tags["acs:system"] != "" ||
		c.Encryption != "cmk" || c.KMSKeyID != "key-sh-0001" {
		t.Fatalf("copy %+v", c)
	}
	for range 3 {
		again := e.eng.Copy(context.Background(), req)
		if again.Err != nil || again.Created || again.ImageID != first.ImageID || again.Status != outcome.Unchanged ||
			again.APICalls[apiCopy] != 0 {
			t.Fatalf("copy again %+v", again)
		}
	}
	if n := e.inj.Counts()[apiCopy]; n != 1 {
		t.Fatalf("%d CopyImage calls", n)
	}
}

func TestCopyAmbiguousFailureIsSettledNotRepeated(t *testing.T) {
	e := newEnv(t, withCopyWorld(), withTimeout(200*time.Millisecond),
		withFaults(world.Fault{API: apiCopy, Code: world.FaultTimeout, Times: 1, Apply: true}))
	res := e.eng.Copy(context.Background(), CopyRequest{Source: e.observed(t, "m-golden"), Region: "cn-shanghai"})
	if res.Err != nil || res.ImageID == "" || !res.Created {
		t.Fatalf("result %+v", res)
	}
	if n := len(e.copies("cn-shanghai", "m-golden")); n != 1 {
		t.Fatalf("%d copies after a timed-out CopyImage that took effect", n)
	}
	if n := e.inj.Counts()[apiCopy]; n != 1 {
		t.Fatalf("%d CopyImage calls: the copy was not looked up before resending", n)
	}
}

func TestCopyOutcomes(t *testing.T) {
	tests := []struct {
		name   string
		image  world.Image
		req    CopyRequest
		code   outcome.Code
		status outcome.Status
	}{
		{"key in another region", world.Image{ID: "m-golden"}, CopyRequest{Region: "cn-shanghai", KMSKeyID: "key-hz-0001"},
			outcome.KMSKeyUnusable, outcome.Failed},
		{"disabled key", world.Image{ID: "m-golden"}, CopyRequest{Region: "cn-shanghai", KMSKeyID: "key-off-0001"},
			outcome.KMSKeyUnusable, outcome.Failed},
		{"key ECS may not use", world.Image{ID: "m-golden"}, CopyRequest{Region: "cn-shanghai", KMSKeyID: "key-noecs-0001"},
			outcome.KMSKeyUnusable, outcome.Failed},
		{"encrypted image copied without a key", world.Image{ID: "m-golden", Encryption: "cmk"}, CopyRequest{Region: "cn-shanghai"},
			outcome.CopyUnsupported, outcome.Failed},
		{"region ECS does not know", world.Image{ID: "m-golden"}, CopyRequest{Region: "eu-west-9"},
			outcome.RegionNotFound, outcome.Failed},
		{"another copy in progress", world.Image{ID: "m-golden"}, CopyRequest{Region: "cn-shanghai", Busy: true},
			outcome.CopyInProgress, outcome.Deferred},
		{"dry run", world.Image{ID: "m-golden"}, CopyRequest{Region: "cn-shanghai", DryRun: true}, "", outcome.Planned},
		{"re-encryption in its own region", world.Image{ID: "m-golden", Name: "golden", Encryption: "service-key"},
			CopyRequest{Region: region, KMSKeyID: "key-hz-0001", Reencrypt: true}, "", outcome.Succeeded},
		{"source with 20 tags", world.Image{ID: "m-golden", Tags: twentyTags()}, CopyRequest{Region: "cn-shanghai"},
			outcome.CopyUnsupported, outcome.Failed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, withCopyWorld(), withImage(tt.image))
			tt.req.Source = e.observed(t, tt.image.ID)
			res := e.eng.Copy(context.Background(), tt.req)
			if res.Status != tt.status || errCode(res.Err) != tt.code {
				t.Fatalf("status %s, error %v; want %s, %q", res.Status, res.Err, tt.status, tt.code)
			}
			if res.Err != nil && res.Err.Message == "" {
				t.Error("an error without a message")
			}
			made := e.inj.Counts()[apiCopy]
			if (tt.status == outcome.Planned || tt.code == outcome.CopyInProgress || tt.name == "source with 20 tags") && made != 0 {
				t.Errorf("%d CopyImage calls where none was due", made)
			}
		})
	}
}

func twentyTags() map[string]string {
	tags := map[string]string{}
	for i := range 20 {
		tags["k"+strconv.Itoa(i)] = "v"
	}
	return tags
}

func TestCopyRenamesOnceWhenTheNameIsTaken(t *testing.T) {
	e := newEnv(t, withCopyWorld(), withImage(world.Image{ID: "m-golden", Name: "golden"}),
		withImage(world.Image{ID: "m-other", Name: "golden", Region: "cn-shanghai"}))
	res := e.eng.Copy(context.Background(), CopyRequest{Source: e.observed(t, "m-golden"), Region: "cn-shanghai"})
	if res.Err != nil || !res.Created {
		t.Fatalf("result %+v", res)
	}
	if c, _ := e.svc.Image(res.ImageID); c.Name != "golden-m-golden" {
		t.Fatalf("copy named %q", c.Name)
	}
}

// docRow is one row of docs/copyimage-errors.md's table.
type docRow struct {
	status  int
	ecsCode string
	code    outcome.Code
}

var docRowRE = regexp.MustCompile("^\\| (\\d{3}) \\| `([^`]+)` \\| `([^`]+)` \\|")

func readCopyErrorDoc(t *testing.T) []docRow {
	t.Helper()
	data, err := os.ReadFile("../docs/copyimage-errors.md")
	if err != nil {
		t.Fatal(err)
	}
	var rows []docRow
	for line := range strings.SplitSeq(string(data), "\n") {
		if m := docRowRE.FindStringSubmatch(line); m != nil {
			st, _ := strconv.Atoi(m[1])
			rows = append(rows, docRow{st, m[2], outcome.Code(m[3])})
		}
	}
	if len(rows) < 40 {
		t.Fatalf("read %d rows from the error table", len(rows))
	}
	return rows
}

// TestCopyErrorTableMatchesDocs drives every documented CopyImage error
// through the emulator and the real SDK: the emulator answers the status the
// reference gives, and the engine reports the product code the docs promise.
func TestCopyErrorTableMatchesDocs(t *testing.T) {
	statuses := map[string][]int{}
	for _, r := range readCopyErrorDoc(t) {
		statuses[r.ecsCode] = append(statuses[r.ecsCode], r.status)
	}
	for _, r := range readCopyErrorDoc(t) {
		t.Run(r.ecsCode+"/"+strconv.Itoa(r.status), func(t *testing.T) {
			if st, ok := ecsemu.ErrorStatus(r.ecsCode); !ok || !containsInt(statuses[r.ecsCode], st) {
				t.Errorf("emulator answers %s with %d (known %t), the reference with %v", r.ecsCode, st, ok, statuses[r.ecsCode])
			}
			e := newEnv(t, withCopyWorld(), withFaults(world.Fault{API: apiCopy, Code: r.ecsCode, Times: 50}))
			res := e.eng.Copy(context.Background(), CopyRequest{Source: e.observed(t, "m-golden"), Region: "cn-shanghai"})
			if res.Err == nil || res.Err.Code != r.code || res.Err.ECSCode != r.ecsCode || res.Err.Message == "" {
				t.Fatalf("error %+v, want code %s for %s", res.Err, r.code, r.ecsCode)
			}
			if want := outcome.Failed; r.code == outcome.CopyInProgress {
				if res.Status != outcome.Deferred {
					t.Errorf("status %s, want deferred", res.Status)
				}
			} else if res.Status != want {
				t.Errorf("status %s, want %s", res.Status, want)
			}
		})
	}
}

func containsInt(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func FuzzParseCopyTag(f *testing.F) {
	for _, s := range []string{"cn-hangzhou/m-golden", "", "/", "cn-hangzhou/", "/m-x", "a/b/c", "cn-hangzhou/m-x/y", "m-x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		region, id, ok := ParseCopyTag(v)
		if !ok {
			return
		}
		if region == "" || !strings.HasPrefix(id, "m-") || CopyTagValue(region, id) != v {
			t.Fatalf("ParseCopyTag(%q) = %q, %q: not the value's inverse", v, region, id)
		}
	})
}

// TestConcurrentCopiesMakeOne: writers that race before the copy exists
// (neither finds it by its tag) send the same client token, so ECS makes
// one copy and answers it to both.
func TestConcurrentCopiesMakeOne(t *testing.T) {
	e := newEnv(t, withCopyWorld())
	src := e.observed(t, "m-golden")
	second, err := New(Config{Client: newClient(t, e), Clock: e.clk, Sleep: e.sleep, Logger: e.eng.log})
	if err != nil {
		t.Fatal(err)
	}
	results := make([]*CopyResult, 2)
	var wg sync.WaitGroup
	for i, eng := range []*Engine{e.eng, second} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i] = eng.Copy(context.Background(), CopyRequest{Source: src, Region: "cn-shanghai"})
		}()
	}
	wg.Wait()
	for i, r := range results {
		if r.Err != nil || r.ImageID == "" {
			t.Fatalf("writer %d: %+v", i, r)
		}
	}
	if results[0].ImageID != results[1].ImageID {
		t.Fatalf("two writers got two copies: %s, %s", results[0].ImageID, results[1].ImageID)
	}
	if n := len(e.copies("cn-shanghai", "m-golden")); n != 1 {
		t.Fatalf("%d copies", n)
	}
}

// newClient is another SDK client of the env's emulator.
func newClient(t *testing.T, e *env) *ecs.Client {
	t.Helper()
	c, err := ecsclient.New(e.cc)
	if err != nil {
		t.Fatal(err)
	}
	return c
}
