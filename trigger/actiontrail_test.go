package trigger

import (
	"encoding/json"
	"testing"

	"github.com/imageshare/ecs-image-share/outcome"
)

// atEvent wraps an ActionTrail record in an EventBridge envelope of the given
// type; a nil record leaves data out.
func atEvent(t *testing.T, typ string, record map[string]any) []byte {
	t.Helper()
	ev := map[string]any{
		"id": "ev-1", "source": "acs.ecs", "specversion": "1.0", "type": typ,
		"aliyunregionid": "cn-beijing", "time": "2024-05-06T03:12:41Z",
	}
	if record != nil {
		ev["data"] = record
	}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rec is a minimal ActionTrail record for api, with the given fields added
// (a nil value deletes a field).
func rec(api string, fields map[string]any) map[string]any {
	r := map[string]any{
		"eventId": "at-1", "eventName": api, "eventType": "ApiCall", "serviceName": "Ecs",
		"acsRegion": "cn-hangzhou", "eventVersion": 1,
	}
	for k, v := range fields {
		if v == nil {
			delete(r, k)
		} else {
			r[k] = v
		}
	}
	return r
}

type obj = map[string]any

func TestDecodeActionTrail(t *testing.T) {
	const apiCall = "ecs:ActionTrail:ApiCall"
	tests := []struct {
		name   string
		typ    string
		record map[string]any
		want   want
	}{
		{
			name:   "CreateImage without responseElements uses referencedResources",
			record: rec("CreateImage", obj{"referencedResources": obj{"ACS::ECS::Image": []string{"m-golden-001"}, "ACS::ECS::Instance": []string{"i-1"}}}),
			want:   want{req: reconcile("cn-hangzhou", "m-golden-001")},
		},
		{
			name:   "CreateImage with no image id anywhere is an InvalidEvent",
			record: rec("CreateImage", obj{"requestParameters": obj{"RegionId": "cn-hangzhou", "InstanceId": "i-1"}}),
			want:   want{errCode: outcome.InvalidEvent, errHas: "CreateImage event \"at-1\" names no image"},
		},
		{
			name:   "a call with only errorMessage is a failed call",
			record: rec("CreateImage", obj{"errorMessage": "The specified InstanceId does not exist."}),
			want:   want{ignore: "CreateImage failed"},
		},
		{
			name:   "an image id that is not one is an InvalidEvent",
			record: rec("CreateImage", obj{"responseElements": obj{"ImageId": "m-****"}}),
			want:   want{errCode: outcome.InvalidEvent, errHas: `imageIds[0] "m-****" is not an image id`},
		},
		{
			name:   "responseElements as JSON text",
			record: rec("ImportImage", obj{"responseElements": `{"ImageId":"m-creating-002","TaskId":"t-1"}`}),
			want:   want{req: reconcile("cn-hangzhou", "m-creating-002")},
		},
		{
			name: "CopyImage without response: the image that is not the source",
			record: rec("CopyImage", obj{
				"requestParameters":   obj{"RegionId": "cn-hangzhou", "ImageId": "m-golden-001", "DestinationRegionId": "cn-beijing"},
				"referencedResources": obj{"ACS::ECS::Image": []string{"m-golden-001", "m-2zecopy"}},
			}),
			want: want{req: reconcile("cn-beijing", "m-2zecopy")},
		},
		{
			name: "CopyImage naming only the source is an InvalidEvent, never the source",
			record: rec("CopyImage", obj{
				"requestParameters":   obj{"RegionId": "cn-hangzhou", "ImageId": "m-golden-001", "DestinationRegionId": "cn-beijing"},
				"referencedResources": obj{"ACS::ECS::Image": []string{"m-golden-001"}},
			}),
			want: want{errCode: outcome.InvalidEvent, errHas: "names no image"},
		},
		{
			name: "CopyImage within a region",
			record: rec("CopyImage", obj{
				"requestParameters": obj{"RegionId": "cn-hangzhou", "ImageId": "m-golden-001"},
				"responseElements":  obj{"ImageId": "m-bp1copy"},
			}),
			want: want{req: reconcile("cn-hangzhou", "m-bp1copy")},
		},
		{
			name: "TagResources: ResourceId.N in numeric order, repeats dropped, type in any case",
			record: rec("TagResources", obj{"requestParameters": obj{
				"ResourceType": "IMAGE", "ResourceId.10": "m-ten", "ResourceId.2": "m-two", "ResourceId.1": "m-one", "ResourceId.3": "m-one",
			}}),
			want: want{req: reconcile("cn-hangzhou", "m-one", "m-two", "m-ten")},
		},
		{
			name:   "TagResources: ResourceId as a JSON array",
			record: rec("TagResources", obj{"requestParameters": obj{"ResourceType": "image", "ResourceId": []string{"m-a", "m-b"}}}),
			want:   want{req: reconcile("cn-hangzhou", "m-a", "m-b")},
		},
		{
			name: "TagResources: ResourceType image but no ids falls back to referencedResources",
			record: rec("UntagResources", obj{
				"requestParameters":   obj{"ResourceType": "image", "TagKey.1": "env"},
				"referencedResources": obj{"ACS::ECS::Image": "m-a,m-b"},
			}),
			want: want{req: reconcile("cn-hangzhou", "m-a", "m-b")},
		},
		{
			name:   "TagResources without ResourceType: only ids that name images",
			record: rec("TagResources", obj{"requestParameters": obj{"ResourceId.1": "i-bp1", "ResourceId.2": "m-a"}}),
			want:   want{req: reconcile("cn-hangzhou", "m-a")},
		},
		{
			name:   "TagResources without ResourceType naming no image is ignored",
			record: rec("TagResources", obj{"requestParameters": obj{"ResourceId.1": "i-bp1"}}),
			want:   want{ignore: "TagResources names no image resource"},
		},
		{
			name:   "TagResources on images naming none is an InvalidEvent",
			record: rec("TagResources", obj{"requestParameters": obj{"ResourceType": "image"}}),
			want:   want{errCode: outcome.InvalidEvent, errHas: "names no image"},
		},
		{
			name:   "TagResources on images naming something else is an InvalidEvent",
			record: rec("TagResources", obj{"requestParameters": obj{"ResourceType": "image", "ResourceId.1": "i-bp1"}}),
			want:   want{errCode: outcome.InvalidEvent, errHas: `"i-bp1" is not an image id`},
		},
		{
			name:   "RemoveTags, the older API",
			record: rec("RemoveTags", obj{"requestParameters": obj{"ResourceType": "image", "ResourceId": "m-partner-005", "Tag.1.Key": "share-with"}}),
			want:   want{req: reconcile("cn-hangzhou", "m-partner-005")},
		},
		{
			name:   "eventName in another case",
			record: rec("createimage", obj{"responseElements": obj{"imageId": "m-a"}}),
			want:   want{req: reconcile("cn-hangzhou", "m-a")},
		},
		{
			name:   "another service's TagResources is ignored",
			record: rec("TagResources", obj{"serviceName": "Vpc", "requestParameters": obj{"ResourceType": "vpc", "ResourceId.1": "vpc-1"}}),
			want:   want{ignore: `"TagResources" is a "Vpc" event, not an ECS one`},
		},
		{
			name:   "a record of another eventType is ignored",
			record: rec("CreateImage", obj{"eventType": "AliyunServiceEvent", "responseElements": obj{"ImageId": "m-a"}}),
			want:   want{ignore: "is not an API call"},
		},
		{
			name:   "ConsoleOperation type",
			typ:    "actiontrail:ActionTrail:ConsoleOperation",
			record: rec("CreateImage", obj{"eventType": "ConsoleOperation", "responseElements": obj{"ImageId": "m-a"}}),
			want:   want{req: reconcile("cn-hangzhou", "m-a")},
		},
		{
			name:   "AliyunServiceEvent envelope is ignored",
			typ:    "actiontrail:ActionTrail:AliyunServiceEvent",
			record: rec("CreateImage", obj{"responseElements": obj{"ImageId": "m-a"}}),
			want:   want{ignore: `CloudEvent type "actiontrail:ActionTrail:AliyunServiceEvent"`},
		},
		{
			name:   "region: requestParameters.RegionId wins over acsRegion",
			record: rec("CreateImage", obj{"requestParameters": obj{"RegionId": "cn-shanghai"}, "responseElements": obj{"ImageId": "m-a"}}),
			want:   want{req: reconcile("cn-shanghai", "m-a")},
		},
		{
			name:   "region: the envelope's as the last resort",
			record: rec("CreateImage", obj{"acsRegion": nil, "responseElements": obj{"ImageId": "m-a"}}),
			want:   want{req: reconcile("cn-beijing", "m-a")},
		},
		{
			name:   "no eventName is an InvalidEvent",
			record: rec("", obj{"eventName": nil}),
			want:   want{errCode: outcome.InvalidEvent, errHas: "has no eventName"},
		},
		{
			name:   "no data is an InvalidEvent",
			record: nil,
			want:   want{errCode: outcome.InvalidEvent, errHas: `ActionTrail event "ev-1" has no data record`},
		},
		{
			name:   "no eventId: SourceID is the event id",
			record: rec("CreateImage", obj{"eventId": nil, "responseElements": obj{"ImageId": "m-a"}}),
			want:   want{sourceID: "ev-1", req: reconcile("cn-hangzhou", "m-a")},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ := apiCall
			if tt.typ != "" {
				typ = tt.typ
			}
			w := tt.want
			w.typ, w.eventID = ActionTrail, "ev-1"
			if tt.record != nil {
				w.eventName, _ = tt.record["eventName"].(string)
			}
			if w.sourceID == "" && tt.record != nil && tt.record["eventId"] != nil {
				w.sourceID = "at-1"
			}
			if w.ignore != "" && tt.typ == "actiontrail:ActionTrail:AliyunServiceEvent" {
				// Ignored by the envelope, before the record is read.
				w.eventName, w.sourceID = "", "ev-1"
			}
			if tt.record == nil {
				w.sourceID = "ev-1"
			}
			check(t, Decode(atEvent(t, typ, tt.record), Options{}), []want{w})
		})
	}
}

// TestActionTrailRecordWithoutEnvelope: a record copied from the ActionTrail
// console and invoked directly decodes like the delivered event.
func TestActionTrailRecordWithoutEnvelope(t *testing.T) {
	b, err := json.Marshal(rec("CreateImage", obj{"responseElements": obj{"ImageId": "m-golden-001"}}))
	if err != nil {
		t.Fatal(err)
	}
	check(t, Decode(b, Options{}), []want{{
		typ: ActionTrail, eventID: "at-1", eventName: "CreateImage", sourceID: "at-1",
		req: reconcile("cn-hangzhou", "m-golden-001"),
	}})
}

// TestActionTrailBatch: EventBridge can push several events at once; each is
// its own item, and a bad one does not stop the others.
func TestActionTrailBatch(t *testing.T) {
	good := atEvent(t, "ecs:ActionTrail:ApiCall", rec("CreateImage", obj{"responseElements": obj{"ImageId": "m-a"}}))
	bad := atEvent(t, "ecs:ActionTrail:ApiCall", nil)
	payload := []byte("[" + string(good) + "," + string(bad) + "]")
	check(t, Decode(payload, Options{}), []want{
		{typ: ActionTrail, eventID: "ev-1", eventName: "CreateImage", sourceID: "at-1", req: reconcile("cn-hangzhou", "m-a")},
		{typ: ActionTrail, eventID: "ev-1", sourceID: "ev-1", errCode: outcome.InvalidEvent, errHas: "has no data record"},
	})
}

func TestActionTrailWithoutRegion(t *testing.T) {
	b, err := json.Marshal(rec("CreateImage", obj{"acsRegion": nil, "responseElements": obj{"ImageId": "m-a"}}))
	if err != nil {
		t.Fatal(err)
	}
	check(t, Decode(b, Options{}), []want{{
		typ: ActionTrail, eventID: "at-1", eventName: "CreateImage", sourceID: "at-1",
		errCode: outcome.InvalidEvent, errHas: `CreateImage event "at-1" names no region`,
	}})
}
