package request

import (
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/imageshare/ecs-image-share/outcome"
)

func TestParseValid(t *testing.T) {
	tests := []struct {
		name string
		body string
		want Request
	}{
		{
			// As a policy file may start with one, so may a body.
			name: "after a byte order mark",
			body: "\ufeff" + `{"action": "reconcile", "regionId": "cn-hangzhou", "imageId": "m-1"}`,
			want: Request{Action: Reconcile, RegionID: "cn-hangzhou", ImageIDs: []string{"m-1"}, Attempt: 1},
		},
		{
			name: "reconcile from the design",
			body: `{"action": "reconcile", "regionId": "cn-hangzhou", "imageIds": ["m-1", "m-2"], "dryRun": false, "correlationId": "build-4711"}`,
			want: Request{Action: Reconcile, RegionID: "cn-hangzhou", ImageIDs: []string{"m-1", "m-2"}, CorrelationID: "build-4711", Attempt: 1},
		},
		{
			name: "share from the design",
			body: `{"action": "share", "regionId": "cn-hangzhou", "imageId": "m-1", "accounts": ["2000000000000001", "prod"]}`,
			want: Request{Action: Share, RegionID: "cn-hangzhou", ImageIDs: []string{"m-1"}, Accounts: []string{"2000000000000001", "prod"}, Attempt: 1},
		},
		{
			name: "unshare from the design",
			body: `{"action": "unshare", "regionId": "cn-hangzhou", "imageId": "m-1", "accounts": ["2000000000000001"]}`,
			want: Request{Action: Unshare, RegionID: "cn-hangzhou", ImageIDs: []string{"m-1"}, Accounts: []string{"2000000000000001"}, Attempt: 1},
		},
		{
			name: "real ECS id, dry run, attempt",
			body: `{"action":"reconcile","regionId":"ap-southeast-1","imageId":"m-bp1g7004ksh0oeuc1a2b","dryRun":true,"attempt":3}`,
			want: Request{Action: Reconcile, RegionID: "ap-southeast-1", ImageIDs: []string{"m-bp1g7004ksh0oeuc1a2b"}, DryRun: true, Attempt: 3},
		},
		{
			name: "imageId and imageIds merge, repeats dropped, imageIds first",
			body: `{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-golden-001","imageIds":["m-staging-004","m-golden-001","m-staging-004"]}`,
			want: Request{Action: Reconcile, RegionID: "cn-hangzhou", ImageIDs: []string{"m-staging-004", "m-golden-001"}, Attempt: 1},
		},
		{
			name: "share with imageId repeated in imageIds is still one image",
			body: `{"action":"share","regionId":"cn-hangzhou","imageId":"m-1","imageIds":["m-1"],"accounts":["prod"]}`,
			want: Request{Action: Share, RegionID: "cn-hangzhou", ImageIDs: []string{"m-1"}, Accounts: []string{"prod"}, Attempt: 1},
		},
		{
			name: "null is absent, empty accounts on reconcile is absent",
			body: `{"action":"reconcile","regionId":"cn-hangzhou","imageIds":["m-1"],"imageId":null,"accounts":[],"dryRun":null,"correlationId":null,"attempt":null}`,
			want: Request{Action: Reconcile, RegionID: "cn-hangzhou", ImageIDs: []string{"m-1"}, Attempt: 1},
		},
		{
			name: "surrounding whitespace",
			body: "\n\t {\"action\":\"reconcile\",\"regionId\":\"cn-shanghai-finance-1\",\"imageId\":\"m-1\"} \r\n",
			want: Request{Action: Reconcile, RegionID: "cn-shanghai-finance-1", ImageIDs: []string{"m-1"}, Attempt: 1},
		},
		{
			name: "unicode correlation id",
			body: `{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-1","correlationId":"构建-4711 <nightly>"}`,
			want: Request{Action: Reconcile, RegionID: "cn-hangzhou", ImageIDs: []string{"m-1"}, CorrelationID: "构建-4711 <nightly>", Attempt: 1},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.body))
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse =\n%#v\nwant\n%#v", got, tt.want)
			}
		})
	}
}

func TestParseInvalid(t *testing.T) {
	const ok = `"action":"reconcile","regionId":"cn-hangzhou"`
	tests := []struct {
		name string
		body string
		want []string // substrings of the message, in order
	}{
		{"empty", ``, []string{"request body is empty"}},
		{"blank", " \n", []string{"request body is empty"}},
		{"not JSON", `hello topic`, []string{"not a JSON object"}},
		{"array", `[{"action":"reconcile"}]`, []string{"not a JSON object"}},
		{"string", `"{\"action\":\"reconcile\"}"`, []string{"not a JSON object"}},
		{"null", `null`, []string{"not a JSON object"}},
		{"truncated", `{"action":"reconcile",`, []string{"not valid JSON", "unexpected end of input"}},
		{"bad value", `{"action":reconcile}`, []string{"not valid JSON", "invalid character"}},
		{"trailing garbage", `{` + ok + `,"imageId":"m-1"} x`, []string{"data after the JSON object"}},
		{"second object", `{` + ok + `,"imageId":"m-1"}{}`, []string{"data after the JSON object"}},
		{"invalid UTF-8", "{\"action\":\"re\xffconcile\"}", []string{"not valid UTF-8"}},
		{"oversize", `{"correlationId":"` + strings.Repeat("x", MaxBodyBytes) + `"}`, []string{"the limit is 65536"}},
		{"unknown field", `{` + ok + `,"imageId":"m-1","acounts":["prod"]}`, []string{`unknown field "acounts" (did you mean "accounts"?)`}},
		{"field in other case", `{"Action":"reconcile","regionId":"cn-hangzhou","imageId":"m-1"}`, []string{`unknown field "Action" (did you mean "action"?)`}},
		{"unknown field, no suggestion", `{` + ok + `,"imageId":"m-1","priority":"high"}`, []string{`unknown field "priority"; a request takes only action, regionId`}},
		{"repeated field", `{"action":"share","action":"unshare","regionId":"cn-hangzhou","imageId":"m-1"}`, []string{`field "action" appears more than once`}},
		{"missing action", `{"regionId":"cn-hangzhou","imageId":"m-1"}`, []string{"action is required"}},
		{"unknown action", `{"action":"Share","regionId":"cn-hangzhou","imageId":"m-1","accounts":["prod"]}`, []string{`action "Share" is not one of reconcile, share, unshare`}},
		{"action not a string", `{"action":1,"regionId":"cn-hangzhou","imageId":"m-1"}`, []string{"action must be a string"}},
		{"missing region", `{"action":"reconcile","imageId":"m-1"}`, []string{"regionId is required"}},
		{"bad region", `{"action":"reconcile","regionId":"CN_Hangzhou","imageId":"m-1"}`, []string{`regionId "CN_Hangzhou" is not a region id`}},
		{"no image", `{` + ok + `}`, []string{"imageIds (or imageId) is required"}},
		{"empty imageIds", `{` + ok + `,"imageIds":[]}`, []string{"imageIds (or imageId) is required"}},
		{"empty imageId", `{` + ok + `,"imageId":""}`, []string{"imageId is empty"}},
		{"imageId not a string", `{` + ok + `,"imageId":5}`, []string{"imageId must be a string"}},
		{"bad image id", `{` + ok + `,"imageIds":["m-1","i-bp1abc","m-"]}`, []string{`imageIds[1] "i-bp1abc" is not an image id`, `imageIds[2] "m-" is not an image id`}},
		{"imageIds not a list", `{` + ok + `,"imageIds":"m-1"}`, []string{"imageIds must be an array of strings"}},
		{"imageIds element not a string", `{` + ok + `,"imageIds":["m-1",2,null]}`, []string{"imageIds[1] must be a string", "imageIds[2] must be a string"}},
		{"too many images", `{` + ok + `,"imageIds":[` + quoted("m-", 102) + `]}`, []string{"imageIds lists 102 images; the limit is 100"}},
		{"share two images", `{"action":"share","regionId":"cn-hangzhou","imageIds":["m-1","m-2"],"accounts":["prod"]}`, []string{"share takes exactly one image (imageId); got 2"}},
		{"share without accounts", `{"action":"share","regionId":"cn-hangzhou","imageId":"m-1"}`, []string{"accounts is required for share"}},
		{"unshare with empty accounts", `{"action":"unshare","regionId":"cn-hangzhou","imageId":"m-1","accounts":[]}`, []string{"accounts is required for unshare"}},
		{"empty account entry", `{"action":"share","regionId":"cn-hangzhou","imageId":"m-1","accounts":["prod",""]}`, []string{"accounts[1] is empty"}},
		{"account with spaces", `{"action":"share","regionId":"cn-hangzhou","imageId":"m-1","accounts":[" prod"]}`, []string{`accounts[0] " prod" is neither an account id nor a group name`}},
		{"account not a string", `{"action":"share","regionId":"cn-hangzhou","imageId":"m-1","accounts":[2000000000000001]}`, []string{"accounts[0] must be a string"}},
		{"too many accounts", `{"action":"share","regionId":"cn-hangzhou","imageId":"m-1","accounts":[` + quoted("g", 201) + `]}`, []string{"accounts lists 201 entries; the limit is 200"}},
		{"reconcile with accounts", `{` + ok + `,"imageId":"m-1","accounts":["prod"]}`, []string{"accounts is not allowed for reconcile"}},
		{"dryRun as string", `{` + ok + `,"imageId":"m-1","dryRun":"true"}`, []string{"dryRun must be true or false"}},
		{"sweep as string", `{` + ok + `,"imageId":"m-1","sweep":"yes"}`, []string{"sweep must be true or false"}},
		{"attempt zero", `{` + ok + `,"imageId":"m-1","attempt":0}`, []string{"attempt must be at least 1, got 0"}},
		{"attempt negative", `{` + ok + `,"imageId":"m-1","attempt":-2}`, []string{"attempt must be at least 1, got -2"}},
		{"attempt fraction", `{` + ok + `,"imageId":"m-1","attempt":1.5}`, []string{"attempt must be a whole number"}},
		{"attempt string", `{` + ok + `,"imageId":"m-1","attempt":"2"}`, []string{"attempt must be a whole number"}},
		{"attempt huge", `{` + ok + `,"imageId":"m-1","attempt":99999999999999999999}`, []string{"attempt must be a whole number"}},
		{"attempt over limit", `{` + ok + `,"imageId":"m-1","attempt":10001}`, []string{"attempt 10001 is out of range"}},
		{"correlation id with newline", `{` + ok + `,"imageId":"m-1","correlationId":"a\nb"}`, []string{"correlationId must be at most 256 bytes of printable UTF-8"}},
		{"correlation id with a bidi override", `{` + ok + `,"imageId":"m-1","correlationId":"build-\u202e1174"}`, []string{"correlationId must be at most 256 bytes of printable UTF-8"}},
		{"correlation id with a zero-width space", `{` + ok + `,"imageId":"m-1","correlationId":"build​-1"}`, []string{"correlationId must be at most 256 bytes of printable UTF-8"}},
		{"account with a zero-width joiner", `{"action":"share","regionId":"cn-hangzhou","imageId":"m-1","accounts":["prod\u200d"]}`, []string{"is neither an account id nor a group name"}},
		{"origin with a byte order mark", `{` + ok + `,"imageId":"m-1","origin":"\ufeffevt"}`, []string{"origin must be at most 256 bytes of printable UTF-8"}},
		{"correlation id too long", `{` + ok + `,"imageId":"m-1","correlationId":"` + strings.Repeat("x", 257) + `"}`, []string{"correlationId must be at most 256 bytes"}},
		{"every problem at once", `{"action":"share","regionId":"x","imageIds":["m-1","m-2"]}`, []string{"regionId \"x\"", "share takes exactly one image", "accounts is required for share"}},
		{"many problems are capped", `{"action":"share","regionId":"cn-hangzhou","imageId":"m-1","accounts":[` + strings.TrimSuffix(strings.Repeat(`"",`, 15), ",") + `]}`, []string{"accounts[0] is empty", "accounts[9] is empty; and 5 more"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse([]byte(tt.body))
			if err == nil {
				t.Fatalf("Parse = %#v, want an error", got)
			}
			var e *outcome.Error
			if !errors.As(err, &e) || e.Code != outcome.InvalidRequest {
				t.Fatalf("error %v is not an InvalidRequest *outcome.Error", err)
			}
			if !reflect.DeepEqual(got, Request{}) {
				t.Errorf("Parse returned %#v with the error, want the zero Request", got)
			}
			msg := e.Message
			for _, w := range tt.want {
				i := strings.Index(msg, w)
				if i < 0 {
					t.Fatalf("message %q\nlacks (in order) %q", e.Message, w)
				}
				msg = msg[i+len(w):]
			}
		})
	}
}

// TestMessageIsBounded: a hostile value is cut short in the message, so an
// outcome stays small whatever the request held.
func TestMessageIsBounded(t *testing.T) {
	long := strings.Repeat("é", 5000)
	_, err := Parse([]byte(`{"action":"` + long + `","regionId":"` + long + `","imageId":"m-` + long + `"}`))
	if err == nil {
		t.Fatal("Parse accepted a hostile request")
	}
	if n := len(err.Error()); n > 1000 {
		t.Errorf("message is %d bytes, want it bounded: %s", n, err)
	}
}

// quoted returns n distinct JSON strings prefix0, prefix1, ... joined by commas.
func quoted(prefix string, n int) string {
	s := make([]string, n)
	for i := range s {
		s[i] = strconv.Quote(prefix + strconv.Itoa(i))
	}
	return strings.Join(s, ",")
}
