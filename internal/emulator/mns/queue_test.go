package mns_test

import (
	"crypto/md5"
	"encoding/hex"
	"strings"
	"testing"
	"time"

	ali_mns "github.com/aliyun/aliyun-mns-go-sdk"
)

func upperMD5(s string) string {
	sum := md5.Sum([]byte(s))
	return strings.ToUpper(hex.EncodeToString(sum[:]))
}

func TestSendReceiveDelete(t *testing.T) {
	e := newEnv(t, nil)
	q := e.queue("work")
	start := e.clk.Now()

	sent := send(t, q, `{"action":"reconcile"}`)
	if sent.MessageId == "" || sent.MessageBodyMD5 != upperMD5(`{"action":"reconcile"}`) {
		t.Fatalf("send response %+v", sent)
	}
	if sent.RequestId == "" {
		t.Fatal("no x-mns-request-id reached the SDK")
	}

	e.clk.Advance(5 * time.Second)
	got, err := receive(q, 0)
	if err != nil {
		t.Fatal(err)
	}
	now := e.clk.Now()
	want := ali_mns.MessageReceiveResponse{
		MessageId:        sent.MessageId,
		ReceiptHandle:    got.ReceiptHandle,
		MessageBodyMD5:   sent.MessageBodyMD5,
		MessageBody:      `{"action":"reconcile"}`,
		EnqueueTime:      start.UnixMilli(),
		NextVisibleTime:  now.Add(30 * time.Second).UnixMilli(),
		FirstDequeueTime: now.UnixMilli(),
		DequeueCount:     1,
		Priority:         8,
	}
	got.MessageResponse = ali_mns.MessageResponse{}
	if got != want {
		t.Fatalf("received\n%+v\nwant\n%+v", got, want)
	}
	if got.ReceiptHandle == "" {
		t.Fatal("no receipt handle")
	}

	if err := q.DeleteMessage(got.ReceiptHandle); err != nil {
		t.Fatal(err)
	}
	_, err = receive(q, 0)
	wantCode(t, err, ali_mns.ERR_MNS_MESSAGE_NOT_EXIST, "MessageNotExist")
	if n := len(e.svc.Messages("work")); n != 0 {
		t.Fatalf("%d messages left after delete", n)
	}
}

func TestBatchSendReceiveDelete(t *testing.T) {
	e := newEnv(t, nil)
	q := e.queue("work")
	var reqs []ali_mns.MessageSendRequest
	for _, b := range []string{"a", "b", "c"} {
		reqs = append(reqs, ali_mns.MessageSendRequest{MessageBody: b, Priority: 8})
	}
	sent, err := q.BatchSendMessage(reqs...)
	if err != nil {
		t.Fatal(err)
	}
	if len(sent.Messages) != 3 || sent.Messages[2].MessageBodyMD5 != upperMD5("c") || sent.Messages[0].MessageId == "" {
		t.Fatalf("batch send response %+v", sent)
	}

	got, err := batchReceive(q, 16, 0)
	if err != nil {
		t.Fatal(err)
	}
	var bodies, handles []string
	for _, m := range got.Messages {
		bodies = append(bodies, m.MessageBody)
		handles = append(handles, m.ReceiptHandle)
	}
	if strings.Join(bodies, ",") != "a,b,c" {
		t.Fatalf("received %v, want a,b,c in enqueue order", bodies)
	}
	if _, err := batchReceive(q, 16, 0); !ali_mns.ERR_MNS_MESSAGE_NOT_EXIST.IsEqual(err) {
		t.Fatalf("second batch receive: %v, want MessageNotExist", err)
	}

	if _, err := q.BatchDeleteMessage(handles...); err != nil {
		t.Fatal(err)
	}
	if n := len(e.svc.Messages("work")); n != 0 {
		t.Fatalf("%d messages left after batch delete", n)
	}
}

func TestBatchSendLimits(t *testing.T) {
	e := newEnv(t, nil)
	q := e.queue("work")

	var seventeen []ali_mns.MessageSendRequest
	for range 17 {
		seventeen = append(seventeen, ali_mns.MessageSendRequest{MessageBody: "x", Priority: 8})
	}
	_, err := q.BatchSendMessage(seventeen...)
	wantCode(t, err, ali_mns.ERR_MNS_INVALID_ARGUMENT, "InvalidArgument")

	// A batch with one bad message: the others are enqueued, the answer
	// says which failed and why.
	resp, err := q.BatchSendMessage(
		ali_mns.MessageSendRequest{MessageBody: "ok-1", Priority: 8},
		ali_mns.MessageSendRequest{MessageBody: "bad", Priority: 0},
		ali_mns.MessageSendRequest{MessageBody: "ok-2", Priority: 1},
	)
	if !ali_mns.ERR_MNS_BATCH_OP_FAIL.IsEqual(err) {
		t.Fatalf("got %v, want the SDK's batch failure", err)
	}
	if len(resp.Messages) != 3 || resp.Messages[1].ErrorCode != "InvalidArgument" ||
		!strings.Contains(resp.Messages[1].ErrorMessage, "Priority") ||
		resp.Messages[0].MessageId == "" || resp.Messages[2].MessageId == "" || resp.Messages[0].ErrorCode != "" {
		t.Fatalf("per-message results %+v", resp.Messages)
	}
	var bodies []string
	for _, m := range e.svc.Messages("work") {
		bodies = append(bodies, m.Body)
	}
	if strings.Join(bodies, ",") != "ok-1,ok-2" {
		t.Fatalf("queued %v, want ok-1,ok-2", bodies)
	}

	// A whole-request error comes back as the plain error, not a batch failure.
	_, err = e.queue("nope").BatchSendMessage(ali_mns.MessageSendRequest{MessageBody: "x", Priority: 8})
	wantCode(t, err, ali_mns.ERR_MNS_QUEUE_NOT_EXIST, "QueueNotExist")
}

func TestBatchDeleteReportsEachFailure(t *testing.T) {
	e := newEnv(t, nil)
	q := e.queue("work")
	send(t, q, "a")
	send(t, q, "b")
	first, err := receive(q, 0)
	if err != nil {
		t.Fatal(err)
	}
	second, err := receive(q, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := q.DeleteMessage(second.ReceiptHandle); err != nil {
		t.Fatal(err)
	}

	resp, err := q.BatchDeleteMessage(first.ReceiptHandle, second.ReceiptHandle, "garbage")
	if !ali_mns.ERR_MNS_BATCH_OP_FAIL.IsEqual(err) {
		t.Fatalf("got %v, want the SDK's batch failure", err)
	}
	want := map[string]string{second.ReceiptHandle: "MessageNotExist", "garbage": "ReceiptHandleError"}
	if len(resp.FailedMessages) != len(want) {
		t.Fatalf("failures %+v, want %v", resp.FailedMessages, want)
	}
	for _, f := range resp.FailedMessages {
		if want[f.ReceiptHandle] != f.ErrorCode {
			t.Fatalf("failure %+v, want %v", f, want)
		}
	}
	if n := len(e.svc.Messages("work")); n != 0 {
		t.Fatalf("the valid handle was not deleted: %d left", n)
	}
}

func TestPriorityOrdersDelivery(t *testing.T) {
	e := newEnv(t, nil)
	q := e.queue("work")
	for _, m := range []struct {
		body     string
		priority int64
	}{{"p8", 8}, {"p1-first", 1}, {"p16", 16}, {"p1-second", 1}} {
		if _, err := q.SendMessage(ali_mns.MessageSendRequest{MessageBody: m.body, Priority: m.priority}); err != nil {
			t.Fatal(err)
		}
	}
	var order []string
	for range 4 {
		m, err := receive(q, 0)
		if err != nil {
			t.Fatal(err)
		}
		order = append(order, m.MessageBody)
	}
	if got := strings.Join(order, ","); got != "p1-first,p1-second,p8,p16" {
		t.Fatalf("delivery order %s, want 1 (the highest) first, then enqueue order", got)
	}
}

func TestSendValidation(t *testing.T) {
	e := newEnv(t, nil)
	tests := []struct {
		name  string
		queue string
		req   ali_mns.MessageSendRequest
		ok    bool
	}{
		{"priority 1", "work", ali_mns.MessageSendRequest{MessageBody: "x", Priority: 1}, true},
		{"priority 16", "work", ali_mns.MessageSendRequest{MessageBody: "x", Priority: 16}, true},
		{"priority 0, the SDK's default", "work", ali_mns.MessageSendRequest{MessageBody: "x"}, false},
		{"priority 17", "work", ali_mns.MessageSendRequest{MessageBody: "x", Priority: 17}, false},
		{"delay 604800", "work", ali_mns.MessageSendRequest{MessageBody: "x", Priority: 8, DelaySeconds: 604800}, true},
		{"delay 604801", "work", ali_mns.MessageSendRequest{MessageBody: "x", Priority: 8, DelaySeconds: 604801}, false},
		{"negative delay", "work", ali_mns.MessageSendRequest{MessageBody: "x", Priority: 8, DelaySeconds: -1}, false},
		{"body at the queue's limit", "small", ali_mns.MessageSendRequest{MessageBody: strings.Repeat("x", 1024), Priority: 8}, true},
		{"body above the queue's limit", "small", ali_mns.MessageSendRequest{MessageBody: strings.Repeat("x", 1025), Priority: 8}, false},
		{"body above 64 KiB", "work", ali_mns.MessageSendRequest{MessageBody: strings.Repeat("x", 65537), Priority: 8}, false},
		{"empty body", "work", ali_mns.MessageSendRequest{MessageBody: "", Priority: 8}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := e.queue(tc.queue).SendMessage(tc.req)
			if tc.ok {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantCode(t, err, ali_mns.ERR_MNS_INVALID_ARGUMENT, "InvalidArgument")
		})
	}
}

func TestDelayRunsOnTheInjectedClock(t *testing.T) {
	e := newEnv(t, nil)
	q := e.queue("work")
	if _, err := q.SendMessage(ali_mns.MessageSendRequest{MessageBody: "later", Priority: 8, DelaySeconds: 60}); err != nil {
		t.Fatal(err)
	}
	next, ok := e.svc.NextVisible("work")
	if !ok || !next.Equal(e.clk.Now().Add(60*time.Second)) {
		t.Fatalf("NextVisible = %v, %v; want now+60s", next, ok)
	}
	if _, err := receive(q, 0); !ali_mns.ERR_MNS_MESSAGE_NOT_EXIST.IsEqual(err) {
		t.Fatalf("delayed message received early: %v", err)
	}
	e.clk.Advance(59 * time.Second)
	if _, err := peek(q); !ali_mns.ERR_MNS_MESSAGE_NOT_EXIST.IsEqual(err) {
		t.Fatalf("delayed message visible after 59s: %v", err)
	}
	e.clk.Advance(time.Second)
	m, err := receive(q, 0)
	if err != nil || m.MessageBody != "later" {
		t.Fatalf("after the delay: %+v, %v", m, err)
	}
}

func TestQueueDefaultDelayAppliesOnlyWithoutDelaySeconds(t *testing.T) {
	e := newEnv(t, nil)
	// The raw message has no DelaySeconds: the queue's 60 s applies.
	resp := e.raw(rawRequest{method: "POST", uri: "/queues/delayed/messages",
		body: "<Message><MessageBody>raw</MessageBody></Message>"})
	if resp.status != 201 {
		t.Fatalf("raw send: %d %s", resp.status, resp.body)
	}
	// The SDK always sends DelaySeconds (0 by default), which takes precedence.
	send(t, e.queue("delayed"), "sdk")

	msgs := e.svc.Messages("delayed")
	if len(msgs) != 2 || msgs[0].Visible || !msgs[1].Visible {
		t.Fatalf("messages %+v: want raw hidden 60s, sdk visible", msgs)
	}
	if msgs[0].Priority != 8 {
		t.Fatalf("raw message without Priority got %d, want the default 8", msgs[0].Priority)
	}
}

func TestVisibilityTimeoutRedelivers(t *testing.T) {
	e := newEnv(t, nil)
	q := e.queue("work")
	send(t, q, "job")
	first, err := receive(q, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := receive(q, 0); !ali_mns.ERR_MNS_MESSAGE_NOT_EXIST.IsEqual(err) {
		t.Fatalf("received while invisible: %v", err)
	}

	e.clk.Advance(30 * time.Second)
	second, err := receive(q, 0)
	if err != nil {
		t.Fatal(err)
	}
	if second.MessageId != first.MessageId || second.DequeueCount != 2 ||
		second.ReceiptHandle == first.ReceiptHandle || second.FirstDequeueTime != first.FirstDequeueTime {
		t.Fatalf("redelivery %+v after %+v", second, first)
	}

	wantCode(t, q.DeleteMessage(first.ReceiptHandle), ali_mns.ERR_MNS_MESSAGE_NOT_EXIST, "MessageNotExist")
	if err := q.DeleteMessage(second.ReceiptHandle); err != nil {
		t.Fatal(err)
	}
}

func TestHandleExpiresWithTheVisibilityTimeout(t *testing.T) {
	e := newEnv(t, nil)
	q := e.queue("work")
	send(t, q, "job")
	m, err := receive(q, 0)
	if err != nil {
		t.Fatal(err)
	}
	e.clk.Advance(30 * time.Second) // visible again, nobody received it yet
	wantCode(t, q.DeleteMessage(m.ReceiptHandle), ali_mns.ERR_MNS_MESSAGE_NOT_EXIST, "MessageNotExist")
	wantCode(t, q.DeleteMessage("not-a-handle"), ali_mns.ERR_MNS_RECEIPT_HANDLE_ERROR, "ReceiptHandleError")
}

func TestChangeMessageVisibility(t *testing.T) {
	e := newEnv(t, nil)
	q := e.queue("work")
	send(t, q, "job")
	m, err := receive(q, 0)
	if err != nil {
		t.Fatal(err)
	}

	changed, err := q.ChangeMessageVisibility(m.ReceiptHandle, 100)
	if err != nil {
		t.Fatal(err)
	}
	if changed.ReceiptHandle == "" || changed.ReceiptHandle == m.ReceiptHandle ||
		changed.NextVisibleTime != e.clk.Now().Add(100*time.Second).UnixMilli() {
		t.Fatalf("change visibility %+v", changed)
	}
	wantCode(t, q.DeleteMessage(m.ReceiptHandle), ali_mns.ERR_MNS_MESSAGE_NOT_EXIST, "MessageNotExist")

	e.clk.Advance(99 * time.Second)
	if _, err := receive(q, 0); !ali_mns.ERR_MNS_MESSAGE_NOT_EXIST.IsEqual(err) {
		t.Fatalf("visible before the new timeout: %v", err)
	}
	e.clk.Advance(time.Second)
	again, err := receive(q, 0)
	if err != nil || again.DequeueCount != 2 {
		t.Fatalf("after the new timeout: %+v, %v", again, err)
	}

	for _, vt := range []int64{0, 43201} {
		_, err := q.ChangeMessageVisibility(again.ReceiptHandle, vt)
		wantCode(t, err, ali_mns.ERR_MNS_INVALID_ARGUMENT, "InvalidArgument")
	}
}

func TestPeekDoesNotReceive(t *testing.T) {
	e := newEnv(t, nil)
	q := e.queue("work")
	if _, err := peek(q); !ali_mns.ERR_MNS_MESSAGE_NOT_EXIST.IsEqual(err) {
		t.Fatalf("peek on an empty queue: %v", err)
	}
	send(t, q, "look")
	for range 2 {
		p, err := peek(q)
		if err != nil {
			t.Fatal(err)
		}
		if p.MessageBody != "look" || p.ReceiptHandle != "" || p.DequeueCount != 0 {
			t.Fatalf("peek %+v", p)
		}
	}
	if _, err := receive(q, 0); err != nil {
		t.Fatal(err)
	}
	if _, err := peek(q); !ali_mns.ERR_MNS_MESSAGE_NOT_EXIST.IsEqual(err) {
		t.Fatalf("peek shows a received message: %v", err)
	}
}

func TestUnknownQueue(t *testing.T) {
	e := newEnv(t, nil)
	q := e.queue("nope")
	_, err := q.SendMessage(ali_mns.MessageSendRequest{MessageBody: "x", Priority: 8})
	wantCode(t, err, ali_mns.ERR_MNS_QUEUE_NOT_EXIST, "QueueNotExist")
	_, err = receive(q, 0)
	wantCode(t, err, ali_mns.ERR_MNS_QUEUE_NOT_EXIST, "QueueNotExist")
	_, err = ali_mns.NewMNSQueueManager(e.client).GetQueueAttributes("nope")
	wantCode(t, err, ali_mns.ERR_MNS_QUEUE_NOT_EXIST, "QueueNotExist")
}

func TestQueueManagement(t *testing.T) {
	e := newEnv(t, nil)
	m := ali_mns.NewMNSQueueManager(e.client)

	if err := m.CreateSimpleQueue("fresh"); err != nil {
		t.Fatal(err)
	}
	if err := m.CreateSimpleQueue("fresh"); !ali_mns.ERR_MNS_QUEUE_ALREADY_EXIST_AND_HAVE_SAME_ATTR.IsEqual(err) {
		t.Fatalf("same create again: %v", err)
	}
	err := m.CreateQueue("fresh", 0, 65536, 345600, 60, 0, 2)
	wantCode(t, err, ali_mns.ERR_MNS_QUEUE_ALREADY_EXIST, "QueueAlreadyExist")
	err = m.CreateSimpleQueue("1-starts-with-a-digit")
	wantCode(t, err, ali_mns.ERR_MNS_INVALID_QUEUE_NAME, "InvalidQueueName")

	if err := m.SetQueueAttributesWithOptions("fresh", ali_mns.WithVisibilityTimeout(45), ali_mns.WithMaxMessageSize(2048)); err != nil {
		t.Fatal(err)
	}
	send(t, e.queue("fresh"), "one")
	attr, err := m.GetQueueAttributes("fresh")
	if err != nil {
		t.Fatal(err)
	}
	if attr.QueueName != "fresh" || attr.VisibilityTimeout != 45 || attr.MaxMessageSize != 2048 ||
		attr.MessageRetentionPeriod != 345600 || attr.ActiveMessages != 1 {
		t.Fatalf("attributes %+v", attr)
	}

	list, err := m.ListQueue("", 0, "fr")
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Queues) != 1 || !strings.HasSuffix(list.Queues[0].QueueURL, "/queues/fresh") {
		t.Fatalf("list %+v", list)
	}
	page, err := m.ListQueue("", 2, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Queues) != 2 || page.NextMarker == "" {
		t.Fatalf("first page %+v", page)
	}

	if err := m.DeleteQueue("fresh"); err != nil {
		t.Fatal(err)
	}
	_, err = m.GetQueueAttributes("fresh")
	wantCode(t, err, ali_mns.ERR_MNS_QUEUE_NOT_EXIST, "QueueNotExist")
	if err := m.DeleteQueue("fresh"); err != nil {
		t.Fatalf("deleting a deleted queue: %v (the reference lists no error)", err)
	}
}

func TestRetentionDropsOldMessages(t *testing.T) {
	e := newEnv(t, nil)
	m := ali_mns.NewMNSQueueManager(e.client)
	if err := m.SetQueueAttributesWithOptions("work", ali_mns.WithMessageRetentionPeriod(60)); err != nil {
		t.Fatal(err)
	}
	send(t, e.queue("work"), "old")
	e.clk.Advance(60 * time.Second)
	if _, err := receive(e.queue("work"), 0); !ali_mns.ERR_MNS_MESSAGE_NOT_EXIST.IsEqual(err) {
		t.Fatalf("message outlived its retention: %v", err)
	}
}
