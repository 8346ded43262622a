package mns_test

import (
	"encoding/xml"
	"net/url"
	"testing"
)

// TestRawClient drives the emulator with net/http and a signer written from
// the documentation, as a client in another language would.
func TestRawClient(t *testing.T) {
	e := newEnv(t, nil)

	create := e.raw(rawRequest{method: "PUT", uri: "/queues/raw-queue",
		body: `<?xml version="1.0" encoding="UTF-8"?><Queue xmlns="http://mns.aliyuncs.com/doc/v1/"><VisibilityTimeout>60</VisibilityTimeout></Queue>`})
	if create.status != 201 || create.header.Get("Location") != "http://"+realHost+"/queues/raw-queue" {
		t.Fatalf("create: %d %v %s", create.status, create.header, create.body)
	}

	sent := e.raw(rawRequest{method: "POST", uri: "/queues/raw-queue/messages",
		body: `<?xml version="1.0" encoding="UTF-8"?><Message xmlns="http://mns.aliyuncs.com/doc/v1/"><MessageBody>hello &amp; bye</MessageBody><DelaySeconds>0</DelaySeconds><Priority>3</Priority></Message>`})
	var sr struct {
		XMLName        xml.Name
		MessageID      string `xml:"MessageId"`
		MessageBodyMD5 string
	}
	if err := xml.Unmarshal([]byte(sent.body), &sr); err != nil || sent.status != 201 {
		t.Fatalf("send: %d %s %v", sent.status, sent.body, err)
	}
	if sr.XMLName.Space != "http://mns.aliyuncs.com/doc/v1/" || sr.XMLName.Local != "Message" || sr.MessageBodyMD5 != upperMD5("hello & bye") {
		t.Fatalf("send response %+v", sr)
	}
	if sent.header.Get("x-mns-request-id") == "" {
		t.Fatal("no x-mns-request-id")
	}

	got := e.raw(rawRequest{method: "GET", uri: "/queues/raw-queue/messages?waitseconds=1"})
	var m struct {
		MessageID     string `xml:"MessageId"`
		ReceiptHandle string
		MessageBody   string
		Priority      int
		DequeueCount  int
	}
	if err := xml.Unmarshal([]byte(got.body), &m); err != nil || got.status != 200 {
		t.Fatalf("receive: %d %s %v", got.status, got.body, err)
	}
	if m.MessageID != sr.MessageID || m.MessageBody != "hello & bye" || m.Priority != 3 || m.DequeueCount != 1 {
		t.Fatalf("received %+v", m)
	}

	del := e.raw(rawRequest{method: "DELETE", uri: "/queues/raw-queue/messages?ReceiptHandle=" + url.QueryEscape(m.ReceiptHandle)})
	if del.status != 204 || del.body != "" {
		t.Fatalf("delete: %d %s", del.status, del.body)
	}

	pub := e.raw(rawRequest{method: "POST", uri: "/topics/outcomes/messages",
		body: `<Message xmlns="http://mns.aliyuncs.com/doc/v1/"><MessageBody>out</MessageBody><MessageTag>t</MessageTag></Message>`})
	if pub.status != 201 || len(e.svc.Published("outcomes")) != 1 {
		t.Fatalf("publish: %d %s", pub.status, pub.body)
	}
}

func TestRawRequestValidation(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		name   string
		req    rawRequest
		status int
		code   string
	}{
		{"priority 0", rawRequest{method: "POST", uri: "/queues/work/messages",
			body: "<Message><MessageBody>x</MessageBody><Priority>0</Priority></Message>"}, 400, "InvalidArgument"},
		{"priority not a number", rawRequest{method: "POST", uri: "/queues/work/messages",
			body: "<Message><MessageBody>x</MessageBody><Priority>high</Priority></Message>"}, 400, "InvalidArgument"},
		{"not XML", rawRequest{method: "POST", uri: "/queues/work/messages", body: "<Message><MessageBody>"}, 400, "MalformedXML"},
		{"wrong root", rawRequest{method: "POST", uri: "/queues/work/messages", body: "<Queue/>"}, 400, "InvalidArgument"},
		{"delete without a handle", rawRequest{method: "DELETE", uri: "/queues/work/messages"}, 400, "MissingReceiptHandle"},
		{"change visibility without a timeout", rawRequest{method: "PUT", uri: "/queues/work/messages?ReceiptHandle=1-eC0xLTI="}, 400, "MissingVisibilityTimeout"},
		{"not an operation", rawRequest{method: "GET", uri: "/buckets/x"}, 400, "InvalidRequestURL"},
		{"subscriptions are not emulated", rawRequest{method: "GET", uri: "/topics/outcomes/subscriptions"}, 501, "NotImplemented"},
		{"queue name", rawRequest{method: "PUT", uri: "/queues/-bad"}, 400, "InvalidQueueName"},
		{"queue attribute range", rawRequest{method: "PUT", uri: "/queues/good",
			body: "<Queue><PollingWaitSeconds>31</PollingWaitSeconds></Queue>"}, 400, "InvalidArgument"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			resp := e.raw(tc.req)
			if resp.status != tc.status || !containsCode(resp.body, tc.code) {
				t.Fatalf("got %d %s, want %d %s", resp.status, resp.body, tc.status, tc.code)
			}
		})
	}
}
