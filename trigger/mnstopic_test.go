package trigger

import (
	"encoding/base64"
	"testing"

	"github.com/imageshare/ecs-image-share/outcome"
	"github.com/imageshare/ecs-image-share/request"
)

func TestDecodeMNSTopic(t *testing.T) {
	const body = `{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-golden-001"}`
	ok := reconcile("cn-hangzhou", "m-golden-001")
	canonical, err := request.Marshal(*ok)
	if err != nil {
		t.Fatal(err)
	}
	hash := contentID(canonical)
	tests := []struct {
		name    string
		payload string
		opt     Options
		want    want
	}{
		{
			name:    "JSON format, PublishTime in epoch ms, an attribute key",
			payload: `{"TopicOwner":"1000000000000001","Message":` + q(body) + `,"Subscriber":"1000000000000001","PublishTime":1714990000123,"SubscriptionName":"s","MessageMD5":"X","TopicName":"t","MessageId":"tm-1","priority":"high"}`,
			want:    want{typ: MNSTopic, eventID: "tm-1", sourceID: "tm-1", req: ok},
		},
		{
			name:    "JSON format without MessageId: the hash of the request",
			payload: `{"TopicName":"t","Message":` + q(body) + `}`,
			want:    want{typ: MNSTopic, sourceID: hash, req: ok},
		},
		{
			name:    "JSON format, Message not a string",
			payload: `{"TopicName":"t","MessageId":"tm-1","Message":7}`,
			want:    want{typ: MNSTopic, eventID: "tm-1", sourceID: "tm-1", errCode: outcome.InvalidEvent, errHas: `MNS topic notification "tm-1" has no Message string`},
		},
		{
			name:    "JSON format, base64 Message",
			payload: `{"TopicName":"t","MessageId":"tm-1","Message":` + q(base64.StdEncoding.EncodeToString([]byte(body))) + `}`,
			want:    want{typ: MNSTopic, eventID: "tm-1", sourceID: "tm-1", errCode: outcome.InvalidRequest, errHas: "publish topic messages as plain JSON"},
		},
		{
			name:    "STREAM with attrs",
			payload: `{"body":` + q(body) + `,"attrs":{"Extend":"{\"key\":\"value\"}"}}`,
			want:    want{typ: MNSTopic, sourceID: hash, req: ok},
		},
		{
			name:    "STREAM body only",
			payload: `{"body":` + q(body) + `}`,
			want:    want{typ: MNSTopic, sourceID: hash, req: ok},
		},
		{
			name:    "STREAM body not a string",
			payload: `{"body":[1],"attrs":{}}`,
			want:    want{typ: MNSTopic, errCode: outcome.InvalidEvent, errHas: "has no body string"},
		},
		{
			name:    "STREAM raw body, TopicStream set",
			payload: body,
			opt:     Options{TopicStream: true},
			want:    want{typ: MNSTopic, sourceID: hash, req: ok},
		},
		{
			name:    "STREAM raw body of an unknown shape, TopicStream set",
			payload: `{"hello":"topic"}`,
			opt:     Options{TopicStream: true},
			want:    want{typ: MNSTopic, errCode: outcome.InvalidRequest, errHas: `unknown field "hello"`},
		},
		{
			name:    "STREAM raw body that is a JSON string, TopicStream set",
			payload: `"hello topic"`,
			opt:     Options{TopicStream: true},
			want:    want{typ: MNSTopic, errCode: outcome.InvalidRequest, errHas: "not a JSON object"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			check(t, Decode([]byte(tt.payload), tt.opt), []want{tt.want})
		})
	}
}
