package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/sdk/requests"
	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"github.com/imageshare/ecs-image-share/internal/ecsclient"
	"github.com/imageshare/ecs-image-share/internal/emulator"
)

// runLocal starts the emulator on a world and reports what it holds, read
// back through the real ECS SDK client, one JSON object per image on stdout.
func runLocal(ctx context.Context, args []string, env Env) int {
	fl := flag.NewFlagSet("local", flag.ContinueOnError)
	fl.SetOutput(env.Stderr)
	worldPath := fl.String("world", "", "world file (default: the embedded demo world)")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	w, err := loadWorld(*worldPath, env)
	if err != nil {
		fmt.Fprintf(env.Stderr, "local: %v\n", err)
		return 1
	}
	srv, err := emulator.Listen(emulator.New(w, emulator.Options{}), "127.0.0.1:0")
	if err != nil {
		fmt.Fprintf(env.Stderr, "local: %v\n", err)
		return 1
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	fmt.Fprintf(env.Stderr, "local: emulator on %s, region %s, owner %s\n", srv.URL(), w.Region, w.Owner)

	client, err := ecsclient.New(ecsclient.Config{
		Region:          w.Region,
		Endpoint:        srv.URL(),
		AccessKeyID:     w.Credentials.AccessKeyID,
		AccessKeySecret: w.Credentials.AccessKeySecret,
		SecurityToken:   w.Credentials.SecurityToken,
		Timeout:         10 * time.Second,
	})
	if err != nil {
		fmt.Fprintf(env.Stderr, "local: %v\n", err)
		return 1
	}
	images, err := describeOwnImages(client, w.Region)
	if err != nil {
		fmt.Fprintf(env.Stderr, "local: DescribeImages: %v\n", err)
		return 1
	}
	enc := json.NewEncoder(env.Stdout)
	for _, im := range images {
		shared, err := describeShares(client, w.Region, im.ImageId)
		if err != nil {
			fmt.Fprintf(env.Stderr, "local: DescribeImageSharePermission %s: %v\n", im.ImageId, err)
			return 1
		}
		tags := map[string]string{}
		for _, t := range im.Tags.Tag {
			tags[t.TagKey] = t.TagValue
		}
		_ = enc.Encode(map[string]any{"imageId": im.ImageId, "status": im.Status, "tags": tags, "sharedWith": shared})
	}
	var queues, topics []string
	for _, q := range w.Queues {
		queues = append(queues, q.Name)
	}
	for _, t := range w.Topics {
		topics = append(topics, t.Name)
	}
	fmt.Fprintf(env.Stderr, "local: %d images, %d accounts, queues [%s], topics [%s]\n",
		len(images), len(w.Accounts), strings.Join(queues, " "), strings.Join(topics, " "))
	return 0
}

// describeOwnImages lists every self-owned image in region, whatever its status.
func describeOwnImages(c *ecs.Client, region string) ([]ecs.Image, error) {
	var all []ecs.Image
	for page := 1; ; page++ {
		req := ecs.CreateDescribeImagesRequest()
		req.RegionId = region
		req.ImageOwnerAlias = "self"
		req.Status = "Creating,Waiting,Available,UnAvailable,CreateFailed,Deprecated"
		req.PageSize = requests.NewInteger(100)
		req.PageNumber = requests.NewInteger(page)
		resp, err := c.DescribeImages(req)
		if err != nil {
			return nil, err
		}
		all = append(all, resp.Images.Image...)
		if len(resp.Images.Image) == 0 || len(all) >= resp.TotalCount {
			return all, nil
		}
	}
}

// describeShares lists every account an image is shared with.
func describeShares(c *ecs.Client, region, imageID string) ([]string, error) {
	var ids []string
	for page := 1; ; page++ {
		req := ecs.CreateDescribeImageSharePermissionRequest()
		req.RegionId = region
		req.ImageId = imageID
		req.PageSize = requests.NewInteger(100)
		req.PageNumber = requests.NewInteger(page)
		resp, err := c.DescribeImageSharePermission(req)
		if err != nil {
			return nil, err
		}
		for _, a := range resp.Accounts.Account {
			ids = append(ids, a.AliyunId)
		}
		if len(resp.Accounts.Account) == 0 || len(ids) >= resp.TotalCount {
			return ids, nil
		}
	}
}
