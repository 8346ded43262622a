package emulator_test

import (
	"net/url"
	"testing"

	openapiutil "github.com/alibabacloud-go/darabonba-openapi/v2/utils"
	ecs7 "github.com/alibabacloud-go/ecs-20140526/v7/client"
	"github.com/alibabacloud-go/tea/dara"

	"github.com/imageshare/ecs-image-share/internal/emulator/emulatortest"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// TestCurrentSDKThroughTheListener: what `emulate` serves answers the current
// Go SDK in its default signature (V3) on the shared address, beside MNS and
// the runtime API. The full matrix of calls and refusals, in both signature
// modes, is in package ecs.
func TestCurrentSDKThroughTheListener(t *testing.T) {
	w, err := world.Parse("w.yaml", []byte(worldYAML))
	if err != nil {
		t.Fatal(err)
	}
	srv := emulatortest.Serve(t, w)
	u, err := url.Parse(srv.URL())
	if err != nil {
		t.Fatal(err)
	}
	c, err := ecs7.NewClient(&openapiutil.Config{
		AccessKeyId: dara.String("AK"), AccessKeySecret: dara.String("SK"),
		RegionId: dara.String(w.Region), Endpoint: dara.String(u.Host), Protocol: dara.String("HTTP"),
	})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := c.DescribeImages(&ecs7.DescribeImagesRequest{
		RegionId: dara.String(w.Region), ImageId: dara.String("m-new-001"), Status: dara.String("Creating,Available"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if ims := resp.Body.Images.Image; len(ims) != 1 || dara.StringValue(ims[0].Status) != "Creating" {
		t.Fatalf("%+v", resp.Body)
	}
}
