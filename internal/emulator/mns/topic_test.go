package mns_test

import (
	"strings"
	"testing"

	ali_mns "github.com/aliyun/aliyun-mns-go-sdk"
)

func TestPublishKeepsAndDelivers(t *testing.T) {
	e := newEnv(t, nil)
	topic := ali_mns.NewMNSTopic("outcomes", e.client)
	resp, err := topic.PublishMessage(ali_mns.MessagePublishRequest{
		MessageBody: `{"status":"succeeded"}`,
		MessageTag:  "succeeded",
		MessageAttributes: &ali_mns.MessageAttributes{MailAttributes: &ali_mns.MailAttributes{
			Subject: "image shared", AccountName: "noreply@example.com",
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if resp.MessageId == "" || resp.MessageBodyMD5 != upperMD5(`{"status":"succeeded"}`) {
		t.Fatalf("publish response %+v", resp)
	}

	pub := e.svc.Published("outcomes")
	if len(pub) != 1 {
		t.Fatalf("published %+v", pub)
	}
	p := pub[0]
	if p.MessageID != resp.MessageId || p.Body != `{"status":"succeeded"}` || p.Tag != "succeeded" ||
		!strings.Contains(p.Attributes, "<DirectMail>") || !strings.Contains(p.Attributes, "image shared") ||
		!p.PublishTime.Equal(e.clk.Now()) {
		t.Fatalf("kept %+v", p)
	}

	// The subscriber queue gets the body only.
	m, err := receive(e.queue("outcomes"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if m.MessageBody != `{"status":"succeeded"}` || m.Priority != 8 {
		t.Fatalf("delivered %+v", m)
	}
	if got := e.svc.Published("lonely"); len(got) != 0 {
		t.Fatalf("another topic got %+v", got)
	}
}

func TestPublishValidation(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		name  string
		topic string
		req   ali_mns.MessagePublishRequest
		tmpl  string
	}{
		{"unknown topic", "nope", ali_mns.MessagePublishRequest{MessageBody: "x"}, "TopicNotExist"},
		{"empty body", "outcomes", ali_mns.MessagePublishRequest{}, "InvalidArgument"},
		{"body above 64 KiB", "outcomes", ali_mns.MessagePublishRequest{MessageBody: strings.Repeat("x", 65537)}, "InvalidArgument"},
		{"tag above 16 characters", "outcomes", ali_mns.MessagePublishRequest{MessageBody: "x", MessageTag: strings.Repeat("t", 17)}, "InvalidArgument"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ali_mns.NewMNSTopic(tc.topic, e.client).PublishMessage(tc.req)
			tmpl := ali_mns.ERR_MNS_INVALID_ARGUMENT
			if tc.tmpl == "TopicNotExist" {
				tmpl = ali_mns.ERR_MNS_TOPIC_NOT_EXIST
			}
			wantCode(t, err, tmpl, tc.tmpl)
		})
	}
	if got := e.svc.Published("outcomes"); len(got) != 0 {
		t.Fatalf("rejected messages were kept: %+v", got)
	}
}

func TestTopicManagement(t *testing.T) {
	e := newEnv(t, nil)
	m := ali_mns.NewMNSTopicManager(e.client)
	if err := m.CreateSimpleTopic("events"); err != nil {
		t.Fatal(err)
	}
	if err := m.CreateSimpleTopic("events"); !ali_mns.ERR_MNS_TOPIC_ALREADY_EXIST_AND_HAVE_SAME_ATTR.IsEqual(err) {
		t.Fatalf("same create again: %v", err)
	}
	wantCode(t, m.CreateTopic("events", 2048, false), ali_mns.ERR_MNS_TOPIC_ALREADY_EXIST, "TopicAlreadyExist")

	if _, err := ali_mns.NewMNSTopic("events", e.client).PublishMessage(ali_mns.MessagePublishRequest{MessageBody: "x"}); err != nil {
		t.Fatal(err)
	}
	attr, err := m.GetTopicAttributes("events")
	if err != nil {
		t.Fatal(err)
	}
	if attr.TopicName != "events" || attr.MaxMessageSize != 65536 || attr.MessageCount != 1 {
		t.Fatalf("attributes %+v", attr)
	}
	list, err := m.ListTopic("", 0, "ev")
	if err != nil || len(list.Topics) != 1 || !strings.HasSuffix(list.Topics[0].TopicURL, "/topics/events") {
		t.Fatalf("list %+v, %v", list, err)
	}
	if err := m.DeleteTopic("events"); err != nil {
		t.Fatal(err)
	}
	_, err = m.GetTopicAttributes("events")
	wantCode(t, err, ali_mns.ERR_MNS_TOPIC_NOT_EXIST, "TopicNotExist")
}
