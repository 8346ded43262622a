package ledger_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/imageshare/ecs-image-share/internal/emulator"
	"github.com/imageshare/ecs-image-share/internal/emulator/emulatortest"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/ledger"
)

// newOSS serves an emulated cloud with one bucket and returns a ledger in it
// built with the real OSS SDK.
func newOSS(t *testing.T, bucket string) (*ledger.OSS, *emulator.Server) {
	t.Helper()
	w, err := world.Parse("w.yaml", []byte(`
owner: "1000000000000001"
credentials: {accessKeyId: AK, accessKeySecret: SK, securityToken: STS-TOKEN}
buckets: [ledger-bucket]
`))
	if err != nil {
		t.Fatal(err)
	}
	srv := emulatortest.Serve(t, w)
	l, err := ledger.NewOSS(ledger.OSSConfig{Bucket: bucket, Region: w.Region, Endpoint: srv.URL(),
		AccessKeyID: "AK", AccessKeySecret: "SK", SecurityToken: "STS-TOKEN"})
	if err != nil {
		t.Fatal(err)
	}
	return l, srv
}

func TestLedgers(t *testing.T) {
	oss, _ := newOSS(t, "ledger-bucket")
	for name, l := range map[string]ledger.Ledger{"local": ledger.NewLocal(), "oss": oss} {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			step := "queued\x00origin\x00reconcile\x00cn-hangzhou\x00m-1\x001\x00false"
			if has, err := l.Has(ctx, step); err != nil || has {
				t.Fatalf("Has before any claim: %v, %v", has, err)
			}
			if won, err := l.Claim(ctx, step, 0); err != nil || !won {
				t.Fatalf("first claim: %v, %v; want won", won, err)
			}
			if won, err := l.Claim(ctx, step, 0); err != nil || won {
				t.Fatalf("second claim: %v, %v; want lost", won, err)
			}
			if has, err := l.Has(ctx, step); err != nil || !has {
				t.Fatalf("Has after the claim: %v, %v", has, err)
			}
			if won, err := l.Claim(ctx, step+"2", 0); err != nil || !won {
				t.Fatalf("another step: %v, %v; want won", won, err)
			}
			if err := l.Release(ctx, step); err != nil {
				t.Fatal(err)
			}
			if won, err := l.Claim(ctx, step, 0); err != nil || !won {
				t.Fatalf("claim after release: %v, %v; want won", won, err)
			}
			if err := l.Release(ctx, "never claimed"); err != nil {
				t.Errorf("releasing a step never claimed: %v", err)
			}
		})
	}
}

// TestOSSClaimHasOneWinner: instances racing for one step, each with its
// own client, as separate function instances are: exactly one wins.
func TestOSSClaimHasOneWinner(t *testing.T) {
	_, srv := newOSS(t, "ledger-bucket")
	const racers = 16
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range racers {
		l, err := ledger.NewOSS(ledger.OSSConfig{Bucket: "ledger-bucket", Region: "cn-hangzhou", Endpoint: srv.URL(),
			AccessKeyID: "AK", AccessKeySecret: "SK", SecurityToken: "STS-TOKEN"})
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			won, err := l.Claim(context.Background(), "the same step", 0)
			if err != nil {
				t.Error(err)
			}
			if won {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := wins.Load(); n != 1 {
		t.Fatalf("%d winners of %d, want exactly 1", n, racers)
	}
}

func TestOSSErrors(t *testing.T) {
	missing, _ := newOSS(t, "no-such-bucket")
	ctx := context.Background()
	_, claimErr := missing.Claim(ctx, "k", 0)
	_, hasErr := missing.Has(ctx, "k")
	for name, err := range map[string]error{"claim": claimErr, "has": hasErr, "release": missing.Release(ctx, "k")} {
		var le *ledger.Error
		if !errors.As(err, &le) || le.Code != "NoSuchBucket" || le.Retryable() {
			t.Errorf("%s in a missing bucket: %v, want a non-retryable NoSuchBucket", name, err)
		}
	}
	if _, err := ledger.NewOSS(ledger.OSSConfig{Region: "cn-hangzhou", AccessKeyID: "AK", AccessKeySecret: "SK"}); err == nil {
		t.Error("a ledger without a bucket was built")
	}
	if _, err := ledger.NewOSS(ledger.OSSConfig{Bucket: "b", Region: "cn-hangzhou"}); err == nil {
		t.Error("a ledger without credentials was built")
	}
}

// TestOSSNamesSayNothing: records are named by a hash, so that the bucket's
// listing says nothing of images or events, and any key makes a valid name.
func TestOSSNamesSayNothing(t *testing.T) {
	l, srv := newOSS(t, "ledger-bucket")
	if _, err := l.Claim(context.Background(), "queued\x00evt-secret-origin\x00m-image-id", 0); err != nil {
		t.Fatal(err)
	}
	names := srv.OSS.Keys("ledger-bucket")
	if len(names) != 1 {
		t.Fatalf("objects %v, want one", names)
	}
	for _, leak := range []string{"evt-secret-origin", "m-image-id"} {
		if strings.Contains(names[0], leak) {
			t.Errorf("object name %q holds %q", names[0], leak)
		}
	}
	if !strings.HasPrefix(names[0], ledger.DefaultPrefix) {
		t.Errorf("object name %q is not under %s", names[0], ledger.DefaultPrefix)
	}
}

// TestOSSLease: a record younger than the lease stays its holder's; an older
// one (its holder's invocation was stopped long ago) is taken over, by one
// instance only. Age is the service's clock, moved here by the emulator.
func TestOSSLease(t *testing.T) {
	l, srv := newOSS(t, "ledger-bucket")
	ctx := context.Background()
	if won, err := l.Claim(ctx, "work", 10*time.Minute); err != nil || !won {
		t.Fatalf("first claim: %v, %v", won, err)
	}
	srv.Advance(5 * time.Minute)
	if won, err := l.Claim(ctx, "work", 10*time.Minute); err != nil || won {
		t.Fatalf("claim within the lease: %v, %v; want lost", won, err)
	}
	srv.Advance(6 * time.Minute)
	if won, err := l.Claim(ctx, "work", 10*time.Minute); err != nil || !won {
		t.Fatalf("claim after the lease: %v, %v; want taken over", won, err)
	}
	if won, err := l.Claim(ctx, "work", 10*time.Minute); err != nil || won {
		t.Fatalf("claim right after the takeover: %v, %v; want lost", won, err)
	}
	if won, err := l.Claim(ctx, "work", 0); err != nil || won {
		t.Fatalf("claim without a lease: %v, %v; want lost", won, err)
	}
}
