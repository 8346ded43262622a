package world

import (
	"strings"
	"testing"
)

func TestBucketsDefaultsAndLookup(t *testing.T) {
	w, err := Parse("w.yaml", []byte(`region: cn-shanghai
owner: "1000000000000001"
credentials: {accessKeyId: AK, accessKeySecret: SK}
buckets: [ledger, {name: other-1, region: ap-southeast-1}]
`))
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := w.BucketByName("ledger"); !ok || b.Region != "cn-shanghai" {
		t.Errorf("ledger = %+v %t, want the world's region", b, ok)
	}
	if b, ok := w.BucketByName("other-1"); !ok || b.Region != "ap-southeast-1" {
		t.Errorf("other-1 = %+v %t", b, ok)
	}
	if _, ok := w.BucketByName("nope"); ok {
		t.Error("an undeclared bucket was found")
	}
}

func TestBucketsRejected(t *testing.T) {
	base := "owner: \"1000000000000001\"\ncredentials: {accessKeyId: AK, accessKeySecret: SK}\n"
	tests := []struct{ name, yaml, want string }{
		{"upper case", base + "buckets: [Ledger]\n", `w.yaml:3:11: buckets[0]: buckets: "Ledger" is not an OSS bucket name`},
		{"too short", base + "buckets: [ab]\n", `buckets: "ab" is not an OSS bucket name`},
		{"hyphen at the end", base + "buckets: [ledger-]\n", `"ledger-" is not an OSS bucket name`},
		{"empty mapping", base + "buckets: [{region: cn-hangzhou}]\n", `buckets: "" is not an OSS bucket name`},
		{"duplicate", base + "buckets: [ledger, {name: ledger}]\n", `buckets[1]: buckets: "ledger" is declared twice`},
		{"bad region", base + "buckets: [{name: ledger, region: Hangzhou}]\n", `buckets[0].region: bucket ledger: region "Hangzhou" is not a region id`},
		{"unknown key", base + "buckets: [{name: ledger, regoin: cn-hangzhou}]\n", `buckets[0].regoin: unknown key (did you mean region?)`},
		{"fault on a bucket with a typo", base + "faults: [{api: PutObject, code: InternalError, buckt: ledger}]\n", `faults[0].buckt: unknown key (did you mean bucket?)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("w.yaml", []byte(tt.yaml))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}
