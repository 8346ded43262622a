package trigger

import (
	"testing"

	"github.com/imageshare/ecs-image-share/outcome"
)

func TestDecodeTimer(t *testing.T) {
	const id = "t@2024-05-06T11:00:00Z"
	tests := []struct {
		name    string
		payload string // the value of "payload", as JSON; "" leaves it out
		want    want
	}{
		{name: "no payload", want: want{sweep: &Sweep{}}},
		{name: "null payload", payload: `null`, want: want{sweep: &Sweep{}}},
		{name: "empty payload", payload: `""`, want: want{sweep: &Sweep{}}},
		{name: "free text", payload: `"TestPayload"`, want: want{sweep: &Sweep{Payload: "TestPayload"}}},
		{name: "text that merely mentions JSON", payload: `"regions: cn-hangzhou"`, want: want{sweep: &Sweep{Payload: "regions: cn-hangzhou"}}},
		{
			name:    "JSON regions, repeats dropped",
			payload: `"{\"regions\":[\"cn-hangzhou\",\"cn-beijing\",\"cn-hangzhou\"]}"`,
			want:    want{sweep: &Sweep{Payload: `{"regions":["cn-hangzhou","cn-beijing","cn-hangzhou"]}`, Regions: []string{"cn-hangzhou", "cn-beijing"}}},
		},
		{
			name:    "JSON with an empty region list means the policy's",
			payload: `" {\"regions\":[],\"dryRun\":true} "`,
			want:    want{sweep: &Sweep{Payload: ` {"regions":[],"dryRun":true} `, DryRun: true}},
		},
		{
			name:    "payload given as an object",
			payload: `{"dryRun":true}`,
			want:    want{sweep: &Sweep{Payload: `{"dryRun":true}`, DryRun: true}},
		},
		{
			name:    "JSON with a bad region",
			payload: `"{\"regions\":[\"Hangzhou\"]}"`,
			want:    want{errCode: outcome.InvalidRequest, errHas: `regions entry "Hangzhou" is not a region id`},
		},
		{
			name:    "JSON of the wrong type",
			payload: `"{\"regions\":\"cn-hangzhou\"}"`,
			want:    want{errCode: outcome.InvalidRequest, errHas: "timer payload is JSON but not"},
		},
		{
			name:    "JSON with trailing data",
			payload: `"{\"dryRun\":true} {}"`,
			want:    want{errCode: outcome.InvalidRequest, errHas: "data after the JSON object"},
		},
		{
			name:    "payload a number",
			payload: `5`,
			want:    want{errCode: outcome.InvalidEvent, errHas: "payload is not a string"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			payload := `{"triggerTime":"2024-05-06T11:00:00Z","triggerName":"t"`
			if tt.payload != "" {
				payload += `,"payload":` + tt.payload
			}
			payload += "}"
			w := tt.want
			w.typ, w.eventID, w.eventName, w.sourceID = Timer, id, "t", id
			check(t, Decode([]byte(payload), Options{}), []want{w})
		})
	}
}

func TestDecodeTimerWithoutName(t *testing.T) {
	check(t, Decode([]byte(`{"triggerTime":"2024-05-06T11:00:00Z","triggerName":""}`), Options{}), []want{{
		typ: Timer, eventID: "@2024-05-06T11:00:00Z", sourceID: "@2024-05-06T11:00:00Z",
		errCode: outcome.InvalidEvent, errHas: "needs both triggerName and triggerTime",
	}})
}
