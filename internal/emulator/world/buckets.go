package world

import (
	"fmt"
	"regexp"
	"sync"
)

var (
	// OSS bucket naming rules: 3 to 63 characters, lowercase letters, digits
	// and hyphens, starting and ending with a letter or digit
	// (https://www.alibabacloud.com/help/en/oss/user-guide/bucket-naming-conventions).
	// Compiled on first use, as the package's other patterns (cold start).
	bucketName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$`) })
	// regionID is the shape of an Alibaba Cloud region id (cn-hangzhou,
	// ap-southeast-1): OSS buckets are not limited to the regions ECS knows.
	regionID = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z]{2,}(-[a-z0-9]+)+$`) })
)

// validateBuckets checks every bucket's name and region, and that names are
// unique (a bucket name is global in OSS).
func (w *World) validateBuckets(l *located) {
	seen := map[string]bool{}
	for i, b := range w.Buckets {
		bp := fmt.Sprintf("buckets[%d]", i)
		switch {
		case !bucketName().MatchString(b.Name):
			l.add(bp, "buckets: %q is not an OSS bucket name (3 to 63 lowercase letters, digits or hyphens, starting and ending with a letter or digit)", b.Name)
		case seen[b.Name]:
			l.add(bp, "buckets: %q is declared twice (bucket names are global)", b.Name)
		}
		seen[b.Name] = true
		if !regionID().MatchString(b.Region) {
			l.add(bp+".region", "bucket %s: region %q is not a region id such as cn-hangzhou", b.Name, b.Region)
		}
	}
}

// BucketByName returns the bucket the world declares with that name.
func (w *World) BucketByName(name string) (Bucket, bool) {
	for _, b := range w.Buckets {
		if b.Name == name {
			return b, true
		}
	}
	return Bucket{}, false
}
