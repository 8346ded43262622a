package bench

import (
	"encoding/json"
	"fmt"
	"time"
)

// queueMessage is an MNS message as EventBridge hands it over.
type queueMessage struct {
	ID   string
	Body string
}

// mnsBatch is the payload EventBridge delivers for messages of an MNS queue:
// a JSON array of CloudEvents (see internal/emulator/eventbridge).
func mnsBatch(queue string, msgs []queueMessage) []byte {
	type data struct {
		RequestID   string `json:"requestId"`
		MessageID   string `json:"messageId"`
		MessageBody string `json:"messageBody"`
	}
	type event struct {
		ID              string `json:"id"`
		Source          string `json:"source"`
		SpecVersion     string `json:"specversion"`
		Type            string `json:"type"`
		DataContentType string `json:"datacontenttype"`
		Subject         string `json:"subject"`
		Time            string `json:"time"`
		AccountID       string `json:"aliyunaccountid"`
		RegionID        string `json:"aliyunregionid"`
		EventBusName    string `json:"aliyuneventbusname"`
		Data            data   `json:"data"`
	}
	events := make([]event, len(msgs))
	for i, m := range msgs {
		events[i] = event{
			ID: m.ID + "-1", Source: "MNS-" + queue, SpecVersion: "1.0", Type: "mns:Queue:SendMessage",
			DataContentType: "application/json; charset=utf-8",
			Subject:         fmt.Sprintf("acs:mns:%s:%s:queues/%s", region, owner, queue),
			Time:            time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Format(time.RFC3339),
			AccountID:       owner, RegionID: region, EventBusName: "MNS-" + queue,
			Data: data{RequestID: "REQ-" + m.ID, MessageID: m.ID, MessageBody: m.Body},
		}
	}
	b, _ := json.Marshal(events)
	return b
}
