package emulator_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	ali_mns "github.com/aliyun/aliyun-mns-go-sdk"

	"github.com/imageshare/ecs-image-share/internal/ecsclient"
	"github.com/imageshare/ecs-image-share/internal/emulator/emulatortest"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/internal/mnsclient"
)

// A bucket named like an MNS path prefix: OSS routing must not depend on
// the path, and must not take MNS or ECS requests.
const ossWorldYAML = `
owner: "1000000000000001"
credentials: {accessKeyId: AK, accessKeySecret: SK}
queues: [work]
buckets: [queues]
images: [{id: m-1}]
`

func TestOSSSharesTheListener(t *testing.T) {
	w, err := world.Parse("w.yaml", []byte(ossWorldYAML))
	if err != nil {
		t.Fatal(err)
	}
	srv := emulatortest.Serve(t, w)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()

	// Path style, as the SDK addresses an IP endpoint: /queues/<key>.
	pathStyle := oss.NewClient(oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AK", "SK")).
		WithRegion(w.Region).WithEndpoint(srv.URL()).WithRetryMaxAttempts(1))
	if _, err := pathStyle.PutObject(ctx, &oss.PutObjectRequest{Bucket: oss.Ptr("queues"), Key: oss.Ptr("work/step"),
		Body: strings.NewReader("mine"), ForbidOverwrite: oss.Ptr("true")}); err != nil {
		t.Fatalf("path-style put: %v", err)
	}

	// Virtual-hosted, Host: queues.oss-cn-hangzhou.aliyuncs.com, dialled to
	// the emulator's address.
	dial := &http.Transport{DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, srv.Addr)
	}}
	defer dial.CloseIdleConnections()
	virtual := oss.NewClient(oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewStaticCredentialsProvider("AK", "SK")).
		WithRegion(w.Region).WithEndpoint("http://oss-cn-hangzhou.aliyuncs.com").
		WithHttpClient(&http.Client{Transport: dial}).WithRetryMaxAttempts(1))
	get, err := virtual.GetObject(ctx, &oss.GetObjectRequest{Bucket: oss.Ptr("queues"), Key: oss.Ptr("work/step")})
	if err != nil {
		t.Fatalf("virtual-hosted get: %v", err)
	}
	body, _ := io.ReadAll(get.Body)
	_ = get.Body.Close()
	if string(body) != "mine" {
		t.Fatalf("body = %q", body)
	}

	// MNS and ECS still answer on the same address.
	mc, err := mnsclient.New(mnsclient.Config{Endpoint: srv.URL(), AccountID: w.Owner, Region: w.Region, AccessKeyID: "AK", AccessKeySecret: "SK"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ali_mns.NewMNSQueue("work", mc).SendMessage(ali_mns.MessageSendRequest{MessageBody: "hello", Priority: 8}); err != nil {
		t.Fatalf("MNS: %v", err)
	}
	ec, err := ecsclient.New(ecsclient.Config{Region: w.Region, Endpoint: srv.URL(), AccessKeyID: "AK", AccessKeySecret: "SK"})
	if err != nil {
		t.Fatal(err)
	}
	req := ecs.CreateDescribeImagesRequest()
	req.RegionId, req.ImageId = w.Region, "m-1"
	if resp, err := ec.DescribeImages(req); err != nil || len(resp.Images.Image) != 1 {
		t.Fatalf("ECS: %v", err)
	}

	c := srv.Faults.Counts()
	if c["PutObject"] != 1 || c["GetObject"] != 1 || c["SendMessage"] != 1 || c["DescribeImages"] != 1 {
		t.Fatalf("counts = %v", c)
	}
	if keys := srv.OSS.Keys("queues"); len(keys) != 1 || keys[0] != "work/step" {
		t.Fatalf("keys = %v", keys)
	}
}
