package request

import (
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/imageshare/ecs-image-share/outcome"
)

func TestMarshal(t *testing.T) {
	tests := []struct {
		name string
		in   Request
		want string
	}{
		{
			name: "deferred reconcile",
			in:   Request{Action: Reconcile, RegionID: "cn-hangzhou", ImageIDs: []string{"m-creating-002"}, CorrelationID: "build-4711", Attempt: 2},
			want: `{"action":"reconcile","regionId":"cn-hangzhou","imageIds":["m-creating-002"],"correlationId":"build-4711","attempt":2}`,
		},
		{
			name: "attempt 0 is written as 1",
			in:   Request{Action: Reconcile, RegionID: "cn-hangzhou", ImageIDs: []string{"m-1", "m-2"}},
			want: `{"action":"reconcile","regionId":"cn-hangzhou","imageIds":["m-1","m-2"],"attempt":1}`,
		},
		{
			name: "a sweep's fanned-out reconcile",
			in:   Request{Action: Reconcile, RegionID: "cn-hangzhou", ImageIDs: []string{"m-1"}, CorrelationID: "t@1", Origin: "t@1", Sweep: true},
			want: `{"action":"reconcile","regionId":"cn-hangzhou","imageIds":["m-1"],"correlationId":"t@1","attempt":1,"origin":"t@1","sweep":true}`,
		},
		{
			name: "share, dry run, no HTML escaping",
			in:   Request{Action: Share, RegionID: "cn-hangzhou", ImageIDs: []string{"m-1"}, Accounts: []string{"prod", "2000000000000001"}, DryRun: true, CorrelationID: "<a&b>", Attempt: 1},
			want: `{"action":"share","regionId":"cn-hangzhou","imageIds":["m-1"],"accounts":["prod","2000000000000001"],"dryRun":true,"correlationId":"<a&b>","attempt":1}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := Marshal(tt.in)
			if err != nil {
				t.Fatalf("Marshal: %v", err)
			}
			if string(b) != tt.want {
				t.Errorf("Marshal =\n%s\nwant\n%s", b, tt.want)
			}
			back, err := Parse(b)
			if err != nil {
				t.Fatalf("Parse(Marshal): %v", err)
			}
			want := tt.in
			want.Attempt = max(want.Attempt, 1)
			if !reflect.DeepEqual(back, want) {
				t.Errorf("Parse(Marshal) =\n%#v\nwant\n%#v", back, want)
			}
		})
	}
}

// TestValidate covers what only a request built in code can get wrong (Parse
// never produces it), and that Marshal refuses what Validate refuses.
func TestValidate(t *testing.T) {
	base := Request{Action: Reconcile, RegionID: "cn-hangzhou", ImageIDs: []string{"m-1"}}
	tests := []struct {
		name   string
		modify func(*Request)
		want   string // "" for valid
	}{
		{"valid", func(*Request) {}, ""},
		{"attempt 0 means default", func(r *Request) { r.Attempt = 0 }, ""},
		{"repeated image", func(r *Request) { r.ImageIDs = []string{"m-1", "m-2", "m-1"} }, `imageIds[2] "m-1" is a repeat`},
		{"negative attempt", func(r *Request) { r.Attempt = -1 }, "attempt -1 is out of range"},
		{"empty action", func(r *Request) { r.Action = "" }, "action is required"},
		{"long image id", func(r *Request) { r.ImageIDs = []string{"m-" + strings.Repeat("a", 63)} }, "is not an image id"},
		{"invalid UTF-8 account", func(r *Request) { r.Action, r.Accounts = Share, []string{"pr\xffod"} }, "accounts[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := base
			r.ImageIDs = append([]string(nil), base.ImageIDs...)
			tt.modify(&r)
			err := r.Validate()
			_, merr := Marshal(r)
			if tt.want == "" {
				if err != nil || merr != nil {
					t.Fatalf("Validate = %v, Marshal error = %v; want both nil", err, merr)
				}
				return
			}
			var e *outcome.Error
			if !errors.As(err, &e) || e.Code != outcome.InvalidRequest || !strings.Contains(e.Message, tt.want) {
				t.Fatalf("Validate = %v, want InvalidRequest containing %q", err, tt.want)
			}
			if merr == nil {
				t.Errorf("Marshal accepted what Validate refused")
			}
		})
	}
}
