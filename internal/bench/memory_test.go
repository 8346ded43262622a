package bench

import (
	"context"
	"runtime"
	"testing"
)

func TestMemoryOfABatch(t *testing.T) {
	b := mustBinaries(t)
	res, err := Memory(context.Background(), MemoryConfig{Binary: b.Function, Messages: 10, Seed: 4})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcomes != 10 {
		t.Errorf("%d outcomes, want 10", res.Outcomes)
	}
	if (runtime.GOOS == "linux" || runtime.GOOS == "darwin") && res.Peak <= 0 {
		t.Errorf("no peak memory read: %+v", res)
	}
}

func TestMNSBatchDecodesAsQueueMessages(t *testing.T) {
	// The payload must read as MNS queue messages, one request per message.
	payload := mnsBatch(inputQueue, []queueMessage{{ID: "A", Body: `{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-1"}`}, {ID: "B", Body: "x"}})
	items := decodeForTest(payload)
	if len(items) != 2 || items[0] != "mns-queue A" || items[1] != "mns-queue B" {
		t.Fatalf("decoded %v", items)
	}
}
