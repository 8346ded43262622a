package trigger

import (
	"encoding/base64"
	"encoding/json"
	"testing"

	"github.com/imageshare/ecs-image-share/outcome"
	"github.com/imageshare/ecs-image-share/request"
)

// mnsEvent is an EventBridge MNS queue event with the given data (nil leaves
// it out).
func mnsEvent(t *testing.T, typ string, data any) []byte {
	t.Helper()
	ev := map[string]any{
		"id": "eb-1", "source": "MNS-image-share-work", "specversion": "1.0", "type": typ,
		"subject": "acs:mns:cn-hangzhou:1000000000000001:queues/image-share-work",
	}
	if data != nil {
		ev["data"] = data
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestDecodeMNSQueue(t *testing.T) {
	const send = "mns:Queue:SendMessage"
	const body = `{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-golden-001","correlationId":"c-1"}`
	ok := &request.Request{Action: request.Reconcile, RegionID: "cn-hangzhou", ImageIDs: []string{"m-golden-001"}, CorrelationID: "c-1", Attempt: 1}
	b64 := base64.StdEncoding.EncodeToString([]byte(body))
	tests := []struct {
		name string
		typ  string
		data any
		opt  Options
		want want
	}{
		{
			name: "plain body",
			data: obj{"requestId": "r-1", "messageId": "msg-1", "messageBody": body},
			want: want{sourceID: "msg-1", corr: "c-1", req: ok},
		},
		{
			name: "base64 body, padded",
			data: obj{"messageId": "msg-1", "messageBody": b64},
			opt:  Options{Base64Body: true},
			want: want{sourceID: "msg-1", corr: "c-1", req: ok},
		},
		{
			name: "base64 body, unpadded and wrapped",
			data: obj{"messageId": "msg-1", "messageBody": b64[:40] + "\n" + b64[40:len(b64)-1] + "\n"},
			opt:  Options{Base64Body: true},
			want: want{sourceID: "msg-1", corr: "c-1", req: ok},
		},
		{
			name: "body that is not base64 when base64 is expected",
			data: obj{"messageId": "msg-1", "messageBody": "not*base64!"},
			opt:  Options{Base64Body: true},
			want: want{sourceID: "msg-1", errCode: outcome.InvalidRequest, errHas: "it is not base64"},
		},
		{
			name: "body already parsed into an object",
			data: obj{"messageId": "msg-1", "messageBody": json.RawMessage(body)},
			want: want{sourceID: "msg-1", corr: "c-1", req: ok},
		},
		{
			name: "no messageId: the event id",
			data: obj{"messageBody": body},
			want: want{sourceID: "eb-1", corr: "c-1", req: ok},
		},
		{
			name: "an invalid request keeps its correlation id",
			data: obj{"messageId": "msg-1", "messageBody": `{"action":"rebuild","regionId":"cn-hangzhou","imageId":"m-1","correlationId":"c-9"}`},
			want: want{sourceID: "msg-1", corr: "c-9", errCode: outcome.InvalidRequest, errHas: `action "rebuild" is not one of`},
		},
		{
			name: "a correlation id that is not printable is not kept",
			data: obj{"messageId": "msg-1", "messageBody": `{"action":1,"correlationId":"c\u0007"}`},
			want: want{sourceID: "msg-1", errCode: outcome.InvalidRequest, errHas: "action must be a string"},
		},
		{
			name: "no messageBody",
			data: obj{"messageId": "msg-1"},
			want: want{sourceID: "msg-1", errCode: outcome.InvalidEvent, errHas: "has no data.messageBody string"},
		},
		{
			name: "messageBody a number",
			data: obj{"messageId": "msg-1", "messageBody": 42},
			want: want{sourceID: "msg-1", errCode: outcome.InvalidEvent, errHas: "has no data.messageBody string"},
		},
		{
			name: "no data",
			want: want{sourceID: "eb-1", errCode: outcome.InvalidEvent, errHas: `MNS queue event "eb-1" has no data object`},
		},
		{
			name: "data as JSON text",
			data: `{"messageId":"msg-1","messageBody":"{\"action\":\"reconcile\",\"regionId\":\"cn-hangzhou\",\"imageId\":\"m-golden-001\",\"correlationId\":\"c-1\"}"}`,
			want: want{sourceID: "msg-1", corr: "c-1", req: ok},
		},
		{
			name: "another MNS event type is ignored",
			typ:  "mns:Topic:PublishMessage",
			data: obj{"messageId": "msg-1", "messageBody": body},
			want: want{sourceID: "eb-1", ignore: `CloudEvent type "mns:Topic:PublishMessage"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ := send
			if tt.typ != "" {
				typ = tt.typ
			}
			w := tt.want
			w.typ, w.eventID = MNSQueue, "eb-1"
			check(t, Decode(mnsEvent(t, typ, tt.data), tt.opt), []want{w})
		})
	}
}

// TestMNSQueueRedelivery: the same message delivered again, in a new
// EventBridge event, keeps its SourceID (and so its outcomeId).
func TestMNSQueueRedelivery(t *testing.T) {
	data := obj{"messageId": "msg-1", "messageBody": `{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-1"}`}
	first := Decode(mnsEvent(t, "mns:Queue:SendMessage", data), Options{})
	again := Decode([]byte(`[`+string(mnsEvent(t, "mns:Queue:SendMessage", data))+`]`), Options{})
	if first[0].SourceID != "msg-1" || again[0].SourceID != first[0].SourceID {
		t.Errorf("SourceIDs %q and %q, want msg-1 both times", first[0].SourceID, again[0].SourceID)
	}
}
