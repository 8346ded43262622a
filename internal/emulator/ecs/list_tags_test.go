package ecs_test

import (
	"fmt"
	"net/http"
	"testing"

	sdkecs "github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

func listTags(c *sdkecs.Client, edit func(*sdkecs.ListTagResourcesRequest)) (*sdkecs.ListTagResourcesResponse, error) {
	req := sdkecs.CreateListTagResourcesRequest()
	req.ResourceType = "image"
	edit(req)
	return c.ListTagResources(req)
}

func pairs(resp *sdkecs.ListTagResourcesResponse) []string {
	var out []string
	for _, r := range resp.TagResources.TagResource {
		out = append(out, fmt.Sprintf("%s/%s/%s=%s", r.ResourceType, r.ResourceId, r.TagKey, r.TagValue))
	}
	return out
}

func TestListTagResources(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client(t)
	tests := []struct {
		name string
		edit func(*sdkecs.ListTagResourcesRequest)
		want string
	}{
		{"by resource id", func(r *sdkecs.ListTagResourcesRequest) { r.ResourceId = &[]string{"m-golden", "m-nope"} },
			"[image/m-golden/env=prod image/m-golden/team=web]"},
		{"by tag, any status, own images only", func(r *sdkecs.ListTagResourcesRequest) {
			r.Tag = &[]sdkecs.ListTagResourcesTag{{Key: "env", Value: "prod"}}
		}, "[image/m-golden/env=prod image/m-golden/team=web image/m-creating/env=prod]"},
		{"tag key only", func(r *sdkecs.ListTagResourcesRequest) {
			r.Tag = &[]sdkecs.ListTagResourcesTag{{Key: "team"}}
		}, "[image/m-golden/env=prod image/m-golden/team=web image/m-staging/env=staging image/m-staging/team=web]"},
		{"tags AND resource ids", func(r *sdkecs.ListTagResourcesRequest) {
			r.Tag = &[]sdkecs.ListTagResourcesTag{{Key: "team", Value: "web"}}
			r.ResourceId = &[]string{"m-staging"}
		}, "[image/m-staging/env=staging image/m-staging/team=web]"},
		{"untagged image lists nothing", func(r *sdkecs.ListTagResourcesRequest) { r.ResourceId = &[]string{"m-cmk"} }, "[]"},
		{"other resource types list nothing", func(r *sdkecs.ListTagResourcesRequest) {
			r.ResourceType = "instance"
			r.ResourceId = &[]string{"m-golden"}
		}, "[]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := listTags(c, tt.edit)
			if err != nil {
				t.Fatal(err)
			}
			if got := fmt.Sprint(pairs(resp)); got != tt.want {
				t.Errorf("got %s, want %s", got, tt.want)
			}
			if resp.NextToken != "" || resp.RequestId == "" {
				t.Errorf("NextToken %q RequestId %q", resp.NextToken, resp.RequestId)
			}
		})
	}
}

func TestListTagResourcesPaging(t *testing.T) {
	e := newEnv(t, nil)
	for i := range 30 {
		e.svc.PutImage(world.Image{ID: fmt.Sprintf("m-t%02d", i), Tags: map[string]string{"batch": "b", "n": fmt.Sprint(i)}})
	}
	c := e.client(t)
	var all []string
	token := ""
	for range 5 {
		resp, err := listTags(c, func(r *sdkecs.ListTagResourcesRequest) {
			r.Tag = &[]sdkecs.ListTagResourcesTag{{Key: "batch"}}
			r.NextToken = token
		})
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, pairs(resp)...)
		if token = resp.NextToken; token == "" {
			break
		}
	}
	if len(all) != 60 || all[0] != "image/m-t00/batch=b" || all[59] != "image/m-t29/n=29" {
		t.Errorf("got %d entries: first %v last %v", len(all), all[0], all[len(all)-1])
	}
	seen := map[string]bool{}
	for _, p := range all {
		if seen[p] {
			t.Errorf("%s listed twice", p)
		}
		seen[p] = true
	}

	// MaxResults (not in this SDK version) through a raw request.
	p := commonParams("ListTagResources")
	p.Set("ResourceType", "image")
	p.Set("Tag.1.Key", "batch")
	p.Set("MaxResults", "7")
	r := e.raw(t, http.MethodGet, p)
	entries := r.json["TagResources"].(map[string]any)["TagResource"].([]any)
	if r.status != 200 || len(entries) != 7 || r.json["NextToken"] == "" {
		t.Errorf("MaxResults 7: %d %s", r.status, r.body)
	}
}

func TestListTagResourcesErrors(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client(t)
	many := make([]string, 51)
	for i := range many {
		many[i] = fmt.Sprintf("m-%d", i)
	}
	tags21 := make([]sdkecs.ListTagResourcesTag, 21)
	for i := range tags21 {
		tags21[i] = sdkecs.ListTagResourcesTag{Key: fmt.Sprint("k", i)}
	}
	tests := []struct {
		name   string
		edit   func(*sdkecs.ListTagResourcesRequest)
		status int
		code   string
	}{
		{"missing resource type", func(r *sdkecs.ListTagResourcesRequest) { r.ResourceType = ""; r.ResourceId = &[]string{"m-golden"} }, 400, "MissingParameter"},
		{"unknown resource type", func(r *sdkecs.ListTagResourcesRequest) {
			r.ResourceType = "bucket"
			r.ResourceId = &[]string{"m-golden"}
		}, 400, "InvalidResourceType.NotFound"},
		{"neither ids nor tags", func(r *sdkecs.ListTagResourcesRequest) {}, 400, "MissingParameter"},
		{"51 resource ids", func(r *sdkecs.ListTagResourcesRequest) { r.ResourceId = &many }, 400, "NumberExceed.ResourceIds"},
		{"21 tags", func(r *sdkecs.ListTagResourcesRequest) { r.Tag = &tags21 }, 400, "NumberExceed.Tags"},
		{"a tag value without key", func(r *sdkecs.ListTagResourcesRequest) {
			r.Tag = &[]sdkecs.ListTagResourcesTag{{Value: "prod"}}
		}, 400, "InvalidParameter.TagValue"},
		{"a bad next token", func(r *sdkecs.ListTagResourcesRequest) { r.ResourceId = &[]string{"m-golden"}; r.NextToken = "forged" }, 400, "InvalidNextToken"},
		{"unknown region", func(r *sdkecs.ListTagResourcesRequest) {
			r.RegionId = "xx-nowhere-1"
			r.ResourceId = &[]string{"m-golden"}
		}, 400, "InvalidRegionId.NotFound"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := listTags(c, tt.edit)
			serverError(t, err, tt.status, tt.code)
		})
	}
}
