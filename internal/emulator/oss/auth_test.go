package oss_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/credentials"
	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss/signer"

	ossemu "github.com/imageshare/ecs-image-share/internal/emulator/oss"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

func getErr(t *testing.T, c *oss.Client, b string) error {
	_, err := c.GetObject(ctx(t), &oss.GetObjectRequest{Bucket: oss.Ptr(b), Key: oss.Ptr("k")})
	return err
}

func TestWrongSecretIsSignatureDoesNotMatch(t *testing.T) {
	e := newEnv(t, nil)
	for _, v1 := range []bool{false, true} {
		err := getErr(t, e.client(clientOpts{secret: "wrong", v1: v1}), bucket)
		se := wantCode(t, err, "SignatureDoesNotMatch", http.StatusForbidden)
		if !strings.Contains(string(se.Snapshot), "<StringToSign>") {
			t.Errorf("V1=%t: the error does not show the string to sign: %s", v1, se.Snapshot)
		}
	}
}

func TestUnknownKeyID(t *testing.T) {
	e := newEnv(t, nil)
	wantCode(t, getErr(t, e.client(clientOpts{keyID: "LTAI5tSomeoneElse"}), bucket), "InvalidAccessKeyId", http.StatusForbidden)
}

func TestSecurityToken(t *testing.T) {
	sts := newEnv(t, func(w *world.World) { w.Credentials.SecurityToken = "CAIS-token" })
	wantCode(t, getErr(t, sts.client(clientOpts{}), bucket), "InvalidAccessKeyId", http.StatusForbidden)
	wantCode(t, getErr(t, sts.client(clientOpts{token: "CAIS-other"}), bucket), "InvalidSecurityToken", http.StatusForbidden)
	wantCode(t, getErr(t, sts.client(clientOpts{token: "CAIS-token"}), bucket), "NoSuchKey", http.StatusNotFound)
	wantCode(t, getErr(t, sts.client(clientOpts{token: "CAIS-token", v1: true}), bucket), "NoSuchKey", http.StatusNotFound)

	plain := newEnv(t, nil)
	wantCode(t, getErr(t, plain.client(clientOpts{token: "CAIS-token"}), bucket), "InvalidAccessKeyId", http.StatusForbidden)
}

func TestMissingBucket(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client(clientOpts{})
	se := wantCode(t, getErr(t, c, "no-such-bucket"), "NoSuchBucket", http.StatusNotFound)
	if !strings.Contains(string(se.Snapshot), "<BucketName>no-such-bucket</BucketName>") {
		t.Errorf("document: %s", se.Snapshot)
	}
	_, err := c.HeadObject(ctx(t), &oss.HeadObjectRequest{Bucket: oss.Ptr("no-such-bucket"), Key: oss.Ptr("k")})
	wantCode(t, err, "NoSuchBucket", http.StatusNotFound)
}

// A V4 signature is scoped to a region: the bucket's, or refused.
func TestSigningRegionMustBeTheBucketsRegion(t *testing.T) {
	e := newEnv(t, nil)
	wantCode(t, getErr(t, e.client(clientOpts{}), "far-away"), "InvalidArgument", http.StatusBadRequest)
	wantCode(t, getErr(t, e.client(clientOpts{region: "cn-shanghai"}), "far-away"), "NoSuchKey", http.StatusNotFound)
}

// skewedSigner signs with a clock 20 minutes slow, as a host with a bad
// clock would.
type skewedSigner struct{ signer.Signer }

func (s skewedSigner) Sign(c context.Context, sc *signer.SigningContext) error {
	sc.Time = time.Now().Add(-20 * time.Minute)
	return s.Signer.Sign(c, sc)
}

func TestSkewedDate(t *testing.T) {
	e := newEnv(t, nil)
	for _, inner := range []signer.Signer{&signer.SignerV4{}, &signer.SignerV1{}} {
		c := e.client(clientOpts{optFns: []func(*oss.Options){func(o *oss.Options) { o.Signer = skewedSigner{inner} }}})
		se := wantCode(t, getErr(t, c, bucket), "RequestTimeTooSkewed", http.StatusForbidden)
		if !strings.Contains(string(se.Snapshot), "<ServerTime>") {
			t.Errorf("document: %s", se.Snapshot)
		}
	}
}

func TestAnonymousIsAccessDenied(t *testing.T) {
	e := newEnv(t, nil)
	c := oss.NewClient(oss.LoadDefaultConfig().
		WithCredentialsProvider(credentials.NewAnonymousCredentialsProvider()).
		WithRegion(region).WithEndpoint(e.srv.URL).WithRetryMaxAttempts(1))
	wantCode(t, getErr(t, c, bucket), "AccessDenied", http.StatusForbidden)
}

func TestBadBodies(t *testing.T) {
	e := newEnv(t, nil)
	c := e.client(clientOpts{})
	_, err := c.PutObject(ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("big"),
		Body: strings.NewReader(strings.Repeat("x", ossemu.MaxObjectSize+1))})
	wantCode(t, err, "EntityTooLarge", http.StatusBadRequest)

	_, err = c.PutObject(ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("k"),
		Body: strings.NewReader("body"), ContentMD5: oss.Ptr("1B2M2Y8AsgTpgAmY7PhCfg==")}) // the MD5 of ""
	wantCode(t, err, "InvalidDigest", http.StatusBadRequest)

	_, err = c.PutObject(ctx(t), &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr("k"),
		Body: strings.NewReader("body"), ForbidOverwrite: oss.Ptr("abc")})
	wantCode(t, err, "InvalidArgument", http.StatusBadRequest)

	if keys := e.svc.Keys(bucket); len(keys) != 0 {
		t.Errorf("refused puts stored %v", keys)
	}
}
