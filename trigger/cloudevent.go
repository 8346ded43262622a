package trigger

import (
	"encoding/json"
	"strings"
)

// cloudEvent is the envelope EventBridge wraps every event in: the
// ActionTrail API-call events and the MNS queue messages this function reads.
type cloudEvent struct {
	ID             string // unique per event; EventBridge keeps it when it retries a push
	Source         string // acs.ecs, acs.actiontrail, MNS-<function>-<trigger>, ...
	Type           string // ecs:ActionTrail:ApiCall, mns:Queue:SendMessage, ...
	AliyunRegionID string // the region the event was published in
	Data           json.RawMessage
}

// isCloudEvent reports whether o has the CloudEvents envelope's shape.
func isCloudEvent(o object) bool {
	return o.has("specversion") || o.has("type") && o.has("source") && o.has("data")
}

func cloudEventOf(o object) cloudEvent {
	ev := cloudEvent{
		ID:             o.str("id"),
		Source:         o.str("source"),
		Type:           o.str("type"),
		AliyunRegionID: o.str("aliyunregionid"),
	}
	ev.Data, _ = o.get("data")
	return ev
}

// decodeCloudEvent dispatches on the event type. Types other than ActionTrail
// API calls and MNS queue messages (a rule broader than needed, say) are
// ignored, not reported: they are not requests, and reporting each would
// flood the outcome queue.
func decodeCloudEvent(o object, opt Options) Item {
	ev := cloudEventOf(o)
	t := strings.ToLower(ev.Type)
	switch {
	case t == "":
		return invalidEvent(Item{Trigger: Trigger{Type: Direct, EventID: ev.ID}, SourceID: ev.ID},
			"CloudEvent %s has no type", quoteID(ev.ID))
	case strings.HasSuffix(t, ":actiontrail:apicall"), strings.HasSuffix(t, ":actiontrail:consoleoperation"):
		return decodeActionTrail(ev)
	case strings.HasPrefix(t, "mns:queue:"):
		return decodeMNSQueue(ev, opt)
	}
	typ := ActionTrail // the only other EventBridge trigger the function has
	if strings.HasPrefix(t, "mns:") {
		typ = MNSQueue
	}
	return Item{
		Trigger:  Trigger{Type: typ, EventID: ev.ID},
		SourceID: ev.ID,
		Ignore:   "CloudEvent type " + quoteID(ev.Type) + " from " + quoteID(ev.Source) + " is not one this function handles",
	}
}
