package oss_test

import (
	"crypto/md5"
	"encoding/base64"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/aliyun/alibabacloud-oss-go-sdk-v2/oss"
)

func put(c *oss.Client, t *testing.T, key, body string, forbid bool) (*oss.PutObjectResult, error) {
	req := &oss.PutObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), Body: strings.NewReader(body)}
	if forbid {
		req.ForbidOverwrite = oss.Ptr("true")
	}
	return c.PutObject(ctx(t), req)
}

// TestForbidOverwriteRaceHasOneWinner: N instances put the same ledger key
// at once with x-oss-forbid-overwrite; exactly one owns the step.
func TestForbidOverwriteRaceHasOneWinner(t *testing.T) {
	e := newEnv(t, nil)
	const n = 32
	var wg sync.WaitGroup
	results := make(chan error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := e.client(clientOpts{}) // one client per instance, as in production
			_, err := put(c, t, "attempts/m-1/step-3", strings.Repeat("x", i+1), true)
			results <- err
		}()
	}
	wg.Wait()
	close(results)
	wins := 0
	for err := range results {
		if err == nil {
			wins++
			continue
		}
		se := serviceError(t, err)
		if se.Code != "FileAlreadyExists" || se.StatusCode != http.StatusConflict {
			t.Errorf("loser got %s %d, want FileAlreadyExists 409", se.Code, se.StatusCode)
		}
	}
	if wins != 1 {
		t.Fatalf("%d winners, want exactly 1", wins)
	}
	if got := e.svc.Keys(bucket); len(got) != 1 {
		t.Fatalf("keys = %v", got)
	}
}

func TestPutHeadGetDelete(t *testing.T) {
	for _, v1 := range []bool{false, true} {
		name := "V4"
		if v1 {
			name = "V1"
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, nil)
			c := e.client(clientOpts{v1: v1})
			key := "attempts/m-1/step 1+é.json" // spaces, '+' and UTF-8 are escaped in the path and signed decoded
			body := `{"owner":"instance-a"}`
			sum := md5.Sum([]byte(body))
			res, err := c.PutObject(ctx(t), &oss.PutObjectRequest{
				Bucket: oss.Ptr(bucket), Key: oss.Ptr(key), Body: strings.NewReader(body),
				ContentMD5: oss.Ptr(base64.StdEncoding.EncodeToString(sum[:])),
				Metadata:   map[string]string{"instance": "a"},
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.ETag == nil || *res.ETag != `"`+strings.ToUpper(hexOf(sum[:]))+`"` || res.Headers.Get("x-oss-request-id") == "" {
				t.Errorf("put result: etag %v headers %v", res.ETag, res.Headers)
			}

			head, err := c.HeadObject(ctx(t), &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
			if err != nil {
				t.Fatal(err)
			}
			if head.ContentLength != int64(len(body)) || *head.ETag != *res.ETag || head.Metadata["instance"] != "a" {
				t.Errorf("head: length %d etag %v meta %v", head.ContentLength, head.ETag, head.Metadata)
			}

			get, err := c.GetObject(ctx(t), &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(get.Body) // the SDK checks x-oss-hash-crc64ecma as it reads
			_ = get.Body.Close()
			if err != nil || string(got) != body {
				t.Fatalf("get: %q %v", got, err)
			}

			// Without forbid-overwrite a put replaces; with it, it is refused.
			if _, err := put(c, t, key, "second", false); err != nil {
				t.Fatal(err)
			}
			_, err = put(c, t, key, "third", true)
			wantCode(t, err, "FileAlreadyExists", http.StatusConflict)
			if o, _ := e.svc.Object(bucket, key); string(o.Data) != "second" {
				t.Errorf("object = %q after a refused put", o.Data)
			}

			if _, err := c.DeleteObject(ctx(t), &oss.DeleteObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)}); err != nil {
				t.Fatal(err)
			}
			// OSS answers 204 for a key that is not there too.
			if _, err := c.DeleteObject(ctx(t), &oss.DeleteObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)}); err != nil {
				t.Fatalf("delete of an absent key: %v", err)
			}
			// HEAD has no body: the code must still reach the SDK (x-oss-err).
			_, err = c.HeadObject(ctx(t), &oss.HeadObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
			wantCode(t, err, "NoSuchKey", http.StatusNotFound)
			_, err = c.GetObject(ctx(t), &oss.GetObjectRequest{Bucket: oss.Ptr(bucket), Key: oss.Ptr(key)})
			wantCode(t, err, "NoSuchKey", http.StatusNotFound)
			// After the delete the step can be owned again.
			if _, err := put(c, t, key, "fourth", true); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}
