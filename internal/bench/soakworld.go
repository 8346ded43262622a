package bench

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/imageshare/ecs-image-share/internal/emulator/world"
)

// The soak's accounts, by role.
var (
	soakMembers   = accounts(2, 1, 61) // group members: exist
	soakGhost     = "2999999999999998" // a group member that does not exist
	soakExtras    = accounts(4, 1, 21) // allow-list extras for share requests: exist
	soakUnshare   = accounts(5, 1, 21) // initially shared, named by unshare requests: exist
	soakProtected = soakUnshare[:3]    // protected: an unshare of them is refused
	soakDenied    = "9000000000000001" // on no allow-list: a share of it is PolicyDenied
	soakStranger  = "3000000000000001" // owns an image shared with us
	soakGroups    = []string{"a", "b", "c", "d", "ghosts"}
)

// soakPolicy: a tag names groups; env=prod adds group a; no pruning, so that
// reconciles never remove and the end state does not depend on the order in
// which concurrent events ran (unshares name only accounts nothing adds).
func soakPolicy() string {
	g := func(ids []string) string { return "[" + quoteAll(ids) + "]" }
	return fmt.Sprintf(`version: 1
groups:
  a: %s
  b: %s
  c: %s
  d: %s
  ghosts: %s
rules:
  - name: prod
    match: {tags: {env: prod}}
    shareWith: [a]
  - name: tagged
    match: {tags: {share-with: "*"}}
    shareWithTagValue: share-with
allow: %s
protect: %s
prune: false
maxRemovalsPerImage: 5
`, g(soakMembers[:12]), g(soakMembers[12:30]), g(soakMembers[30:45]), g(soakMembers[45:60]),
		g([]string{soakGhost, soakMembers[0]}), g(slices.Concat(soakExtras, soakUnshare)), g(soakProtected))
}

// Kinds of soak image, by index modulo 20.
func soakImage(i int, rnd *rand.Rand) world.Image {
	im := world.Image{ID: fmt.Sprintf("m-soak-%04d", i), Tags: map[string]string{}}
	tagValues := []string{"b", "c d", "b ghosts", "nobody c", "b c d", "d"}
	im.Tags["share-with"] = tagValues[rnd.IntN(len(tagValues))]
	if rnd.IntN(2) == 0 {
		im.Tags["env"] = "prod"
	}
	for _, u := range rnd.Perm(len(soakUnshare))[:rnd.IntN(4)] {
		im.SharedWith = append(im.SharedWith, soakUnshare[u])
	}
	switch k := i % 20; {
	case k >= 10 && k <= 13: // being created; ready within the deferral budget
		im.AvailableAfter = world.Duration(time.Duration(30+rnd.IntN(570)) * time.Second)
	case k == 14:
		im.Status = "Waiting" // never ready
	case k == 15: // ready only after the deferral budget
		im.AvailableAfter = world.Duration(2 * time.Hour)
	case k == 16:
		im.Encryption = "service-key"
	case k == 17:
		im.Status = "Deprecated"
	case k == 18:
		im.Owner = soakStranger
		im.SharedWith = []string{owner}
	case k == 19: // near the quota
		im.SharedWith = slices.Concat(soakUnshare, soakExtras, soakMembers[45:50])
		im.Tags = map[string]string{"share-with": "b"}
	}
	return im
}

// soakImages returns n images of every kind.
func soakImages(n int, rnd *rand.Rand) []world.Image {
	images := make([]world.Image, 0, n)
	for i := range n {
		images = append(images, soakImage(i, rnd))
	}
	return images
}

// notReadyAtStart reports whether an image starts Creating or Waiting.
func notReadyAtStart(im world.Image) bool {
	return im.AvailableAfter > 0 || im.Status == "Waiting"
}

// soakEvent is one event the soak delivers, and what it asked for.
type soakEvent struct {
	// Key identifies the event's outcomes: the correlationId the soak gave
	// its request, or the ActionTrail event's id (which carries none).
	Key    string
	Kind   string // actiontrail, mns-queue, direct, mns-topic
	Action string // reconcile, share, unshare; "" for a body that is not a request
	Images []string
	// Accounts are the request's entries (ids or group names).
	Accounts []string
	Invalid  bool // the body is not a valid request: one InvalidRequest outcome
	Ignored  bool // an ActionTrail event the function ignores: no outcome
	Payload  []byte
	// Body is the message body of a queue event.
	Body string
	// MessageID of a topic notification.
	MessageID string
	// Duplicate: deliver the event twice (direct, topic, ActionTrail, timer).
	Duplicate bool
	// Burst: one of several requests on one image sent back to back, so
	// that they arrive in one work-queue batch.
	Burst bool
}

// soakEvents generates n events over images. Every image that is not ready
// at the start gets exactly one CreateImage event early on: ActionTrail
// events carry no correlationId, so the outcomes of their deferred attempts
// can only be told apart by image.
func soakEvents(n int, images []world.Image, rnd *rand.Rand) []soakEvent {
	var evs []soakEvent
	var ready []string
	for _, im := range images {
		if notReadyAtStart(im) {
			evs = append(evs, actionTrailEvent(len(evs), "CreateImage", im.ID, rnd))
		} else {
			ready = append(ready, im.ID)
		}
	}
	all := make([]string, len(images))
	for i, im := range images {
		all[i] = im.ID
	}
	pick := func(from []string) string { return from[rnd.IntN(len(from))] }
	var own []string // what a sweep lists: every self-owned image
	for _, im := range images {
		if im.Owner == "" || im.Owner == owner {
			own = append(own, im.ID)
		}
	}
	for len(evs) < n {
		i := len(evs)
		switch p := rnd.IntN(100); {
		case p < 2:
			// The hourly sweep, meeting whatever events are in flight.
			evs = append(evs, sweepEvent(i, own))
		case p < 8 && len(evs)+3 <= n:
			// Several writers on one image in one work-queue batch: the
			// soak enqueues them back to back and receives 16 at a time.
			img := pick(all)
			for _, action := range []string{"reconcile", "share", "unshare"} {
				ev := requestEventFor(len(evs), action, img, all, rnd)
				ev.Kind, ev.Burst = "mns-queue", true
				evs = append(evs, ev)
			}
		case p < 25:
			evs = append(evs, actionTrailEvent(i, []string{"CreateImage", "TagResources", "CopyImage"}[rnd.IntN(3)], pick(ready), rnd))
		case p < 28:
			ev := actionTrailEvent(i, "CreateImage", pick(ready), rnd)
			ev.Ignored, ev.Payload = true, ignoredActionTrail(ev.Payload, rnd)
			evs = append(evs, ev)
		default:
			ev := requestEvent(i, all, rnd)
			switch q := rnd.IntN(100); {
			case ev.Kind != "": // decided by the body
			case q < 80:
				ev.Kind = "mns-queue"
			case q < 90:
				ev.Kind = "direct"
				ev.Payload = []byte(ev.Body)
			default:
				ev.Kind = "mns-topic"
				ev.MessageID = fmt.Sprintf("TOPIC-%05d", i)
				ev.Payload = topicNotification(ev.MessageID, ev.Body)
			}
			evs = append(evs, ev)
		}
	}
	for i := range evs {
		evs[i].Duplicate = evs[i].Kind != "mns-queue" && rnd.IntN(10) == 0
	}
	return evs
}

// requestEvent is a queue/topic/direct request: reconcile, share, unshare,
// or a body that is not a valid request.
func requestEvent(i int, images []string, rnd *rand.Rand) soakEvent {
	action := ""
	switch p := rnd.IntN(100); {
	case p < 40:
		action = "reconcile"
	case p < 70:
		action = "share"
	case p < 90:
		action = "unshare"
	}
	return requestEventFor(i, action, images[rnd.IntN(len(images))], images, rnd)
}

// requestEventFor is requestEvent with the action ("" for a body that is not
// a request) and, for share and unshare, the image chosen.
func requestEventFor(i int, action, img string, images []string, rnd *rand.Rand) soakEvent {
	key := fmt.Sprintf("soak-%05d", i)
	ev := soakEvent{Key: key}
	req := map[string]any{"regionId": region, "correlationId": key}
	switch action {
	case "reconcile":
		ev.Action = "reconcile"
		for _, j := range rnd.Perm(len(images))[:1+rnd.IntN(3)] {
			ev.Images = append(ev.Images, images[j])
		}
		req["imageIds"] = ev.Images
	case "share":
		ev.Action, ev.Images = "share", []string{img}
		for _, j := range rnd.Perm(len(soakExtras))[:1+rnd.IntN(3)] {
			ev.Accounts = append(ev.Accounts, soakExtras[j])
		}
		switch rnd.IntN(6) {
		case 0:
			ev.Accounts = append(ev.Accounts, soakDenied)
		case 1:
			ev.Accounts = append(ev.Accounts, soakGroups[rnd.IntN(len(soakGroups))])
		}
	case "unshare":
		ev.Action, ev.Images = "unshare", []string{img}
		for _, j := range rnd.Perm(len(soakUnshare))[:1+rnd.IntN(2)] {
			ev.Accounts = append(ev.Accounts, soakUnshare[j])
		}
	default:
		ev.Invalid = true
		if rnd.IntN(2) == 0 {
			ev.Body = fmt.Sprintf(`{"action":"reconcile","regionId":"cn-hangzhou","imageIdz":["%s"],"correlationId":"%s"}`, img, key)
			return ev
		}
		// No correlationId to be found: only a queue message's id ties its
		// outcome back to it, so it goes through the queue.
		ev.Body = fmt.Sprintf("not a request %s", key)
		ev.Kind = "mns-queue"
		return ev
	}
	req["action"] = ev.Action
	if ev.Action != "reconcile" {
		req["imageId"], req["accounts"] = img, ev.Accounts
	}
	b, _ := json.Marshal(req)
	ev.Body = string(b)
	return ev
}

// sweepEvent is a timer tick: a sweep of every self-owned image. Its key is
// the timer's source id (name@time), which the sweep's fanned-out requests
// carry as correlationId and its inline outcomes as trigger.eventId.
func sweepEvent(i int, own []string) soakEvent {
	at := time.Date(2026, 1, 1, 0, 7, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute).Format(time.RFC3339)
	key := "soak-sweep@" + at
	b, _ := json.Marshal(map[string]string{"triggerTime": at, "triggerName": "soak-sweep", "payload": ""})
	return soakEvent{Key: key, Kind: "timer", Action: "reconcile", Images: slices.Clone(own), Payload: b, MessageID: key}
}

// actionTrailEvent is an EventBridge ActionTrail event for one image.
func actionTrailEvent(i int, api, imageID string, rnd *rand.Rand) soakEvent {
	id := fmt.Sprintf("AT-%05d-%08X", i, rnd.Uint32())
	params := map[string]any{"RegionId": region}
	resp := map[string]any{"RequestId": id}
	switch api {
	case "TagResources":
		params["ResourceType"] = "image"
		params["ResourceId.1"] = imageID
	case "CopyImage":
		params["ImageId"] = "m-source-elsewhere"
		params["DestinationRegionId"] = region
		resp["ImageId"] = imageID
	default:
		resp["ImageId"] = imageID
	}
	ev := map[string]any{
		"id": id, "source": "acs.ecs", "specversion": "1.0", "type": "ecs:ActionTrail:ApiCall",
		"subject": "acs:ecs:" + region + ":" + owner + ":image/" + imageID, "time": "2026-01-01T00:00:00Z",
		"aliyunaccountid": owner, "aliyunregionid": region, "datacontenttype": "application/json;charset=utf-8",
		"data": map[string]any{
			"eventId": id, "eventName": api, "eventType": "ApiCall", "serviceName": "Ecs", "acsRegion": region,
			"eventTime": "2026-01-01T00:00:00Z", "requestParameters": params, "responseElements": resp,
			"referencedResources": map[string]any{"ACS::ECS::Image": []string{imageID}},
		},
	}
	b, _ := json.Marshal(ev)
	return soakEvent{Key: id, Kind: "actiontrail", Action: "reconcile", Images: []string{imageID}, Payload: b}
}

// ignoredActionTrail turns an ActionTrail event into one the function must
// ignore: a failed call, or an API it does not act on.
func ignoredActionTrail(payload []byte, rnd *rand.Rand) []byte {
	var ev map[string]any
	_ = json.Unmarshal(payload, &ev)
	data := ev["data"].(map[string]any)
	if rnd.IntN(2) == 0 {
		data["errorCode"] = "InvalidInstanceId.NotFound"
	} else {
		data["eventName"] = "DescribeImages"
	}
	b, _ := json.Marshal(ev)
	return b
}

// topicNotification is an MNS topic trigger's JSON notification.
func topicNotification(id, body string) []byte {
	b, _ := json.Marshal(map[string]any{
		"TopicOwner": owner, "TopicName": "requests", "Subscriber": owner, "SubscriptionName": "fn",
		"MessageId": id, "Message": body, "MessageMD5": "-", "PublishTime": 1767225600000,
	})
	return b
}
