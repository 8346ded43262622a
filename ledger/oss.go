package ledger

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// OSSConfig places the shared ledger in a bucket.
type OSSConfig struct {
	Bucket string
	// Prefix is put before every object name (default DefaultPrefix). A
	// lifecycle rule on it should expire records after a day or more: a
	// record is only needed while duplicates of its step can still arrive.
	Prefix string
	// Region is the bucket's region; Endpoint, when set, overrides the
	// region's public endpoint (an internal endpoint, or the emulator).
	Region   string
	Endpoint string
	// Credentials are the invocation's STS credentials.
	AccessKeyID, AccessKeySecret, SecurityToken string
	// Timeout bounds one request (default 5 s).
	Timeout time.Duration
}

// DefaultPrefix is where records go when OSSConfig.Prefix is empty.
const DefaultPrefix = "ecs-image-share/steps/"

// OSS is a ledger in an OSS bucket, shared by every instance.
type OSS struct {
	objects *objects
	prefix  string
}

// NewOSS returns a ledger in cfg.Bucket.
func NewOSS(cfg OSSConfig) (*OSS, error) {
	if cfg.Bucket == "" || cfg.Region == "" {
		return nil, errors.New("ledger: bucket and region are required")
	}
	if cfg.AccessKeyID == "" || cfg.AccessKeySecret == "" {
		return nil, errors.New("ledger: credentials are required")
	}
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 5 * time.Second
	}
	objects, err := newObjects(cfg)
	if err != nil {
		return nil, err
	}
	return &OSS{objects: objects, prefix: cfg.Prefix}, nil
}

// objectName is where key's record lives: a hash, so that keys of any
// length and bytes make a valid, fixed-size name that says nothing of the
// request (image ids and origins stay out of object listings).
func (o *OSS) objectName(key string) string {
	sum := sha256.Sum256([]byte(key))
	return o.prefix + hex.EncodeToString(sum[:])
}

// Claim implements Ledger: a write that must not overwrite. The service
// answers 409 FileAlreadyExists when the record is there already. A record
// older than the lease is deleted and the write tried once more: of several
// instances taking over at once, the write still lets only one win.
func (o *OSS) Claim(ctx context.Context, key string, lease time.Duration) (bool, error) {
	name := o.objectName(key)
	won, err := o.put(ctx, name)
	if err != nil || won || lease <= 0 {
		return won, err
	}
	age, err := o.age(ctx, name)
	switch {
	case err != nil:
		return false, err
	case age < lease:
		return false, nil
	}
	if err := o.delete(ctx, name); err != nil {
		return false, describe("take over", err)
	}
	return o.put(ctx, name)
}

// put writes a record unless one exists.
func (o *OSS) put(ctx context.Context, name string) (bool, error) {
	res, err := o.objects.do(ctx, http.MethodPut, name, http.Header{
		"X-Oss-Forbid-Overwrite": {"true"},
		"Content-Type":           {"text/plain"},
	}, []byte("claimed\n"))
	if err == nil {
		discard(res)
		return true, nil
	}
	var se *serviceError
	if errors.As(err, &se) && se.Code == "FileAlreadyExists" {
		return false, nil
	}
	return false, describe("claim", err)
}

// age is how old a record is, by the service's own clock (its Date against
// the record's Last-Modified), so that the instance's clock does not
// matter. A record gone meanwhile is of age 0: someone else moved first.
func (o *OSS) age(ctx context.Context, name string) (time.Duration, error) {
	res, err := o.objects.do(ctx, http.MethodHead, name, nil, nil)
	if err != nil {
		if noRecord(err) {
			return 0, nil
		}
		return 0, describe("read", err)
	}
	discard(res)
	modified, err1 := http.ParseTime(res.Header.Get("Last-Modified"))
	now, err2 := http.ParseTime(res.Header.Get("Date"))
	if err1 != nil || err2 != nil {
		return 0, nil // cannot tell: treat the record as live
	}
	return now.Sub(modified), nil
}

// Has implements Ledger: HeadObject, 404 when there is no record.
func (o *OSS) Has(ctx context.Context, key string) (bool, error) {
	res, err := o.objects.do(ctx, http.MethodHead, o.objectName(key), nil, nil)
	if err == nil {
		discard(res)
		return true, nil
	}
	if noRecord(err) {
		return false, nil
	}
	return false, describe("read", err)
}

// noRecord reports whether a read failed because the record is not there
// (a 404 for the key, not for the bucket).
func noRecord(err error) bool {
	var se *serviceError
	return errors.As(err, &se) && se.Status == http.StatusNotFound && se.Code != "NoSuchBucket"
}

// Release implements Ledger. Deleting a record that is not there succeeds.
func (o *OSS) Release(ctx context.Context, key string) error {
	if err := o.delete(ctx, o.objectName(key)); err != nil {
		return describe("release", err)
	}
	return nil
}

// delete removes a record; OSS answers 204 whether or not it was there.
func (o *OSS) delete(ctx context.Context, name string) error {
	res, err := o.objects.do(ctx, http.MethodDelete, name, nil, nil)
	if err == nil {
		discard(res)
	}
	return err
}

// Shared implements Ledger.
func (o *OSS) Shared() bool { return true }

// Error is a ledger request that failed.
type Error struct {
	Op        string
	Code      string // the service's error code, "" for a network error
	Status    int
	RequestID string
	Err       error
}

func (e *Error) Error() string {
	if e.Code == "" {
		return fmt.Sprintf("ledger %s: %v", e.Op, e.Err)
	}
	return fmt.Sprintf("ledger %s: %s (HTTP %d, RequestId %s)", e.Op, e.Code, e.Status, e.RequestID)
}

func (e *Error) Unwrap() error { return e.Err }

// Retryable reports whether the same request may succeed later: a
// throttled or failed service, or the network. A refusal (no such bucket,
// access denied) is not.
func (e *Error) Retryable() bool {
	return e.Code == "" || e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// describe keeps the service's code, status and request id and drops the
// SDK's multi-line message.
func describe(op string, err error) *Error {
	e := &Error{Op: op, Err: err}
	var se *serviceError
	if errors.As(err, &se) {
		e.Code, e.Status, e.RequestID = se.Code, se.Status, se.RequestID
	}
	return e
}
