package bench

import (
	"time"

	"github.com/imageshare/ecs-image-share/internal/emulator/eventbridge"
)

// queueMessage is an MNS message as EventBridge hands it over.
type queueMessage struct {
	ID   string
	Body string
}

// mnsBatch is the payload EventBridge delivers for messages of an MNS queue.
func mnsBatch(queue string, msgs []queueMessage) []byte {
	ms := make([]eventbridge.Message, len(msgs))
	for i, m := range msgs {
		ms[i] = eventbridge.Message{ID: m.ID, Body: m.Body, RequestID: "REQ-" + m.ID, DequeueCount: 1,
			EnqueueTime: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	}
	b, err := eventbridge.Encode(queue, owner, region, ms)
	if err != nil {
		panic(err) // strings and numbers only: encoding cannot fail
	}
	return b
}
