package request

import (
	"bytes"
	"strings"
	"testing"
)

func TestSealAuthenticatesOnlyWhatTheKeySealed(t *testing.T) {
	key := bytes.Repeat([]byte("k"), MinKeyBytes)
	deferred := Request{Action: Reconcile, RegionID: "cn-hangzhou", ImageIDs: []string{"m-1"}, Attempt: 3, Origin: "evt-42", CorrelationID: "build-1"}
	body, err := Seal(deferred, key)
	if err != nil {
		t.Fatal(err)
	}
	sealed := string(body)
	seal := func() string { r, _ := Parse(body); return r.Seal }()
	tests := []struct {
		name string
		body string
		key  []byte
		want bool
	}{
		{"as sealed", sealed, key, true},
		{"reformatted: spaces, key order, imageId for imageIds", `{ "seal": "` + seal + `", "origin": "evt-42", "attempt": 3,
			"correlationId": "build-1", "imageId": "m-1", "regionId": "cn-hangzhou", "action": "reconcile" }`, key, true},
		{"another key", sealed, bytes.Repeat([]byte("x"), MinKeyBytes), false},
		{"a key too short", sealed, key[:MinKeyBytes-1], false},
		{"no key", sealed, nil, false},
		{"origin forged", strings.Replace(sealed, "evt-42", "evt-41", 1), key, false},
		{"attempt forged", strings.Replace(sealed, `"attempt":3`, `"attempt":13`, 1), key, false},
		{"image swapped", strings.Replace(sealed, "m-1", "m-2", 1), key, false},
		{"dry run added", strings.Replace(sealed, `"attempt"`, `"dryRun":true,"attempt"`, 1), key, false},
		{"no seal", `{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-1","attempt":3,"origin":"evt-42"}`, key, false},
		{"seal of garbage", `{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-1","origin":"evt-42","seal":"AAAA"}`, key, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse([]byte(tt.body))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := r.Authentic(tt.key); got != tt.want {
				t.Errorf("Authentic = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestSealIsRefusedWhenTooLong(t *testing.T) {
	_, err := Parse([]byte(`{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-1","seal":"` + strings.Repeat("a", 65) + `"}`))
	if err == nil || !strings.Contains(err.Error(), "seal must be at most 64 bytes") {
		t.Errorf("err = %v", err)
	}
}
