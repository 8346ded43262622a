package bench

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/ecs"

	"github.com/imageshare/ecs-image-share/internal/ecsclient"
	"github.com/imageshare/ecs-image-share/internal/emulator"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/internal/mnsclient"

	ali_mns "github.com/aliyun/aliyun-mns-go-sdk"
)

// emu is an emulator serving on a loopback port behind a tap.
type emu struct {
	*emulator.Emulator
	tap  *tap
	url  string
	srv  *http.Server
	done chan struct{}
}

// startEmu serves a new emulator of w.
func startEmu(w *world.World, opt emulator.Options) (*emu, error) {
	e := emulator.New(w, opt)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	t := newTap(e)
	s := &emu{
		Emulator: e,
		tap:      t,
		url:      "http://" + ln.Addr().String(),
		srv:      &http.Server{Handler: t, ReadHeaderTimeout: 10 * time.Second},
		done:     make(chan struct{}),
	}
	go func() {
		_ = s.srv.Serve(ln)
		close(s.done)
	}()
	return s, nil
}

// Close releases the calls the emulator holds (hung by timeout faults, long
// polls), then stops serving.
func (e *emu) Close() {
	e.Emulator.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.srv.Shutdown(ctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		_ = e.srv.Close()
	}
	<-e.done
}

// ecsClient returns a real SDK client for the emulator, as the product builds it.
func (e *emu) ecsClient() (*ecs.Client, error) {
	return ecsclient.New(ecsclient.Config{
		Region: region, Endpoint: e.url,
		AccessKeyID: accessKeyID, AccessKeySecret: accessKeySecret, SecurityToken: securityToken,
		Timeout: 10 * time.Second,
	})
}

// mnsClient returns a real MNS SDK client for the emulator.
func (e *emu) mnsClient() (ali_mns.MNSClient, error) {
	return mnsclient.New(mnsclient.Config{
		Endpoint: e.url, AccountID: owner, Region: region,
		AccessKeyID: accessKeyID, AccessKeySecret: accessKeySecret, SecurityToken: securityToken,
	})
}

// newWorld returns a world with the harness's owner and credentials, the
// given existing accounts and queues, and nothing else.
func newWorld(accts []string, queues ...world.Queue) *world.World {
	return &world.World{
		Region:      region,
		Owner:       owner,
		Credentials: world.Credentials{AccessKeyID: accessKeyID, AccessKeySecret: accessKeySecret, SecurityToken: securityToken},
		Accounts:    accts,
		Queues:      withSizes(queues),
		Buckets:     []world.Bucket{{Name: ledgerBucket, Region: region}},
		MoreThan10:  world.MoreThan10Ignore,
		StartTime:   time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	}
}

// withSizes gives queues the defaults world.Parse would: a world built in
// Go gets none.
func withSizes(qs []world.Queue) []world.Queue {
	for i := range qs {
		if qs[i].MaximumMessageSize == 0 {
			qs[i].MaximumMessageSize = 65536
		}
		if qs[i].VisibilityTimeout == 0 {
			qs[i].VisibilityTimeout = world.Duration(30 * time.Second)
		}
	}
	return qs
}
