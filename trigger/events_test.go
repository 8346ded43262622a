package trigger

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/imageshare/ecs-image-share/outcome"
	"github.com/imageshare/ecs-image-share/request"
)

// eventsDir holds one realistic payload per case; the ids match the demo
// world (testdata/world/demo.yaml).
const eventsDir = "../testdata/events"

var (
	plain  = Options{}
	b64    = Options{Base64Body: true}
	stream = Options{TopicStream: true}
)

// The SourceIDs of payloads without ids are content hashes. They are pinned
// here because outcomeIds derive from them: changing the hash changes every
// direct and STREAM outcomeId across a release.
var fileTests = []struct {
	file string
	opt  Options
	want []want
}{
	{"actiontrail-createimage.json", plain, []want{{
		typ: ActionTrail, eventID: "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c01", eventName: "CreateImage",
		sourceID: "6F1A0C5E-2B7D-5C1B-9D7E-3A4B5C6D7E01",
		req:      reconcile("cn-hangzhou", "m-golden-001"),
	}}},
	{"actiontrail-copyimage.json", plain, []want{{
		typ: ActionTrail, eventID: "9c1f2e3d-4b5a-4c6d-8e7f-0a1b2c3d4e02", eventName: "CopyImage",
		sourceID: "0B2C3D4E-5F60-5172-8394-A5B6C7D8E902",
		req:      reconcile("cn-shanghai", "m-uf6golden001copy"), // the copy, in the destination region
	}}},
	{"actiontrail-importimage.json", plain, []want{{
		typ: ActionTrail, eventID: "1d2e3f40-5a6b-4c7d-9e8f-0a1b2c3d4e03", eventName: "ImportImage",
		sourceID: "1C2D3E4F-5061-5273-8495-A6B7C8D9EA03",
		req:      reconcile("cn-hangzhou", "m-creating-002"),
	}}},
	{"actiontrail-tagresources.json", plain, []want{{
		typ: ActionTrail, eventID: "2e3f4051-6b7c-4d8e-af90-1b2c3d4e5f04", eventName: "TagResources",
		sourceID: "2D3E4F50-6172-5384-95A6-B7C8D9EAFB04",
		req:      reconcile("cn-hangzhou", "m-golden-001", "m-partner-005"),
	}}},
	{"actiontrail-untagresources.json", plain, []want{{
		typ: ActionTrail, eventID: "3f405162-7c8d-4e9f-b0a1-2c3d4e5f6005", eventName: "UntagResources",
		sourceID: "3E4F5061-7283-5495-A6B7-C8D9EAFB0C05",
		req:      reconcile("cn-hangzhou", "m-staging-004"),
	}}},
	{"actiontrail-tag-instance.json", plain, []want{{
		typ: ActionTrail, eventID: "40516273-8d9e-4fa0-81b2-3d4e5f607106", eventName: "TagResources",
		sourceID: "4F506172-8394-55A6-B7C8-D9EAFB0C1D06",
		ignore:   `TagResources on "instance" resources, not images`,
	}}},
	{"actiontrail-failed-call.json", plain, []want{{
		typ: ActionTrail, eventID: "51627384-9eaf-40b1-92c3-4e5f60718207", eventName: "CreateImage",
		sourceID: "50617283-94A5-56C7-D8E9-FA0B1C2D3E07",
		ignore:   `CreateImage failed ("InvalidInstanceId.NotFound")`,
	}}},
	{"actiontrail-type-actiontrail-source.json", plain, []want{{
		typ: ActionTrail, eventID: "62738495-afb0-41c2-a3d4-5f6071829308", eventName: "TagResources",
		sourceID: "61728394-A5B6-57C8-D9EA-FB0C1D2E3F08",
		req:      reconcile("cn-hangzhou", "m-golden-001", "m-encrypted-003"),
	}}},
	{"actiontrail-addtags.json", plain, []want{{
		typ: ActionTrail, eventID: "738495a6-b0c1-42d3-b4e5-60718293a409", eventName: "AddTags",
		sourceID: "72839405-B6C7-58D9-EAFB-0C1D2E3F4A09",
		req:      reconcile("cn-hangzhou", "m-partner-005"),
	}}},
	{"actiontrail-other-api.json", plain, []want{{
		typ: ActionTrail, eventID: "8495a6b7-c1d2-43e4-85f6-718293a4b50a", eventName: "ModifyImageSharePermission",
		sourceID: "8394A5B6-C7D8-59EA-FB0C-1D2E3F4A5B0A",
		ignore:   "not an image API this function acts on",
	}}},
	{"eventbridge-other-type.json", plain, []want{{
		typ: ActionTrail, eventID: "a5b6c7d8-e9f0-41a2-b3c4-d5e6f7a8b90b",
		sourceID: "a5b6c7d8-e9f0-41a2-b3c4-d5e6f7a8b90b",
		ignore:   `CloudEvent type "ecs:Instance:StateChange" from "acs.ecs" is not one this function handles`,
	}}},
	{"eventbridge-mns-batch.json", plain, []want{
		{
			typ: MNSQueue, eventID: "c2g71017-6f65-4fcf-a814-a396fc8d0001", sourceID: "C6DB60D1574661357FA227277445AA01", corr: "ticket-1234",
			req: &request.Request{Action: request.Share, RegionID: "cn-hangzhou", ImageIDs: []string{"m-golden-001"},
				Accounts: []string{"4000000000000001", "partners"}, CorrelationID: "ticket-1234", Attempt: 1},
		},
		{
			typ: MNSQueue, eventID: "c2g71017-6f65-4fcf-a814-a396fc8d0002", sourceID: "C6DB60D1574661357FA227277445AA02", corr: "ticket-1235",
			errCode: outcome.InvalidRequest, errHas: `unknown field "acounts" (did you mean "accounts"?)`,
		},
		{
			typ: MNSQueue, eventID: "c2g71017-6f65-4fcf-a814-a396fc8d0003", sourceID: "C6DB60D1574661357FA227277445AA03",
			errCode: outcome.InvalidRequest, errHas: "the body looks base64-encoded: set IsBase64Decode to true",
		},
	}},
	{"eventbridge-mns-batch.json", b64, []want{
		{
			typ: MNSQueue, eventID: "c2g71017-6f65-4fcf-a814-a396fc8d0001", sourceID: "C6DB60D1574661357FA227277445AA01", corr: "ticket-1234",
			errCode: outcome.InvalidRequest, errHas: "it is plain JSON",
		},
		{
			typ: MNSQueue, eventID: "c2g71017-6f65-4fcf-a814-a396fc8d0002", sourceID: "C6DB60D1574661357FA227277445AA02", corr: "ticket-1235",
			errCode: outcome.InvalidRequest, errHas: "it is plain JSON",
		},
		{
			typ: MNSQueue, eventID: "c2g71017-6f65-4fcf-a814-a396fc8d0003", sourceID: "C6DB60D1574661357FA227277445AA03", corr: "nightly-2024-05-06",
			req: &request.Request{Action: request.Reconcile, RegionID: "cn-hangzhou", ImageIDs: []string{"m-staging-004", "m-partner-005"},
				CorrelationID: "nightly-2024-05-06", Attempt: 1},
		},
	}},
	{"eventbridge-mns-single.json", plain, []want{{
		typ: MNSQueue, eventID: "c2g71017-6f65-4fcf-a814-a396fc8d0004", sourceID: "C6DB60D1574661357FA227277445AA04", corr: "build-4711",
		req: &request.Request{Action: request.Reconcile, RegionID: "cn-hangzhou", ImageIDs: []string{"m-creating-002"}, CorrelationID: "build-4711", Attempt: 2},
	}}},
	{"eventbridge-mns-base64.json", b64, []want{{
		typ: MNSQueue, eventID: "c2g71017-6f65-4fcf-a814-a396fc8d0005", sourceID: "C6DB60D1574661357FA227277445AA05",
		req: &request.Request{Action: request.Unshare, RegionID: "cn-hangzhou", ImageIDs: []string{"m-staging-004"}, Accounts: []string{"2000000000000001"}, Attempt: 1},
	}}},
	{"eventbridge-mns-base64.json", plain, []want{{
		typ: MNSQueue, eventID: "c2g71017-6f65-4fcf-a814-a396fc8d0005", sourceID: "C6DB60D1574661357FA227277445AA05",
		errCode: outcome.InvalidRequest, errHas: "looks base64-encoded",
	}}},
	{"mns-topic-json.json", plain, []want{{
		typ: MNSTopic, eventID: "2F5B3C281B283D4EAC694B742528A001", sourceID: "2F5B3C281B283D4EAC694B742528A001", corr: "partner-onboarding-17",
		req: &request.Request{Action: request.Share, RegionID: "cn-hangzhou", ImageIDs: []string{"m-partner-005"}, Accounts: []string{"partners"},
			CorrelationID: "partner-onboarding-17", Attempt: 1},
	}}},
	{"mns-topic-json-hello.json", plain, []want{{
		typ: MNSTopic, eventID: "2F5B3C082B923D4EAC694B76D928A002", sourceID: "2F5B3C082B923D4EAC694B76D928A002",
		errCode: outcome.InvalidRequest, errHas: "request body is not a JSON object",
	}}},
	{"mns-topic-stream.json", stream, []want{{
		typ: MNSTopic, sourceID: "sha256:0cae654b38b14a55ae6561d571408ab3", corr: "topic-stream-1",
		req: &request.Request{Action: request.Reconcile, RegionID: "cn-hangzhou", ImageIDs: []string{"m-golden-001"}, CorrelationID: "topic-stream-1", Attempt: 1},
	}}},
	{"mns-topic-stream.json", plain, []want{{ // without TopicStream, a bare request is a direct invocation
		typ: Direct, sourceID: "sha256:0cae654b38b14a55ae6561d571408ab3", corr: "topic-stream-1",
		req: &request.Request{Action: request.Reconcile, RegionID: "cn-hangzhou", ImageIDs: []string{"m-golden-001"}, CorrelationID: "topic-stream-1", Attempt: 1},
	}}},
	{"mns-topic-stream-attrs.json", plain, []want{{
		typ: MNSTopic, sourceID: "sha256:308ce3d4ebb47f1a01ec86e70ef8bfac", corr: "cleanup-88",
		req: &request.Request{Action: request.Unshare, RegionID: "cn-hangzhou", ImageIDs: []string{"m-staging-004"}, Accounts: []string{"2000000000000001"},
			CorrelationID: "cleanup-88", Attempt: 1},
	}}},
	{"mns-topic-stream-hello.txt", stream, []want{{
		typ: MNSTopic, sourceID: "sha256:334cc83b10be6429002e13685f5ac001",
		errCode: outcome.InvalidRequest, errHas: "request body is not a JSON object",
	}}},
	{"mns-topic-stream-hello.txt", plain, []want{{
		typ: Direct, sourceID: "sha256:334cc83b10be6429002e13685f5ac001",
		errCode: outcome.InvalidEvent, errHas: "payload is not JSON",
	}}},
	{"timer.json", plain, []want{{
		typ: Timer, eventID: "hourly-drift-repair@2024-05-06T11:00:00Z", eventName: "hourly-drift-repair",
		sourceID: "hourly-drift-repair@2024-05-06T11:00:00Z",
		sweep:    &Sweep{Payload: "hourly drift repair"},
	}}},
	{"timer-regions.json", plain, []want{{
		typ: Timer, eventID: "nightly-dry-run@2024-05-06T02:00:00Z", eventName: "nightly-dry-run",
		sourceID: "nightly-dry-run@2024-05-06T02:00:00Z",
		sweep: &Sweep{Payload: `{"regions": ["cn-hangzhou", "cn-shanghai"], "dryRun": true}`,
			Regions: []string{"cn-hangzhou", "cn-shanghai"}, DryRun: true},
	}}},
	{"timer-bad-payload.json", plain, []want{{
		typ: Timer, eventID: "nightly-dry-run@2024-05-06T02:00:00Z", eventName: "nightly-dry-run",
		sourceID: "nightly-dry-run@2024-05-06T02:00:00Z",
		errCode:  outcome.InvalidRequest, errHas: `unknown field "region"`,
	}}},
	{"direct-share.json", plain, []want{{
		typ: Direct, sourceID: "sha256:4e0985a6bd0b746b30fca93ee46be754", corr: "s-invoke-share",
		req: &request.Request{Action: request.Share, RegionID: "cn-hangzhou", ImageIDs: []string{"m-golden-001"},
			Accounts: []string{"2000000000000001", "staging", "4000000000000001"}, CorrelationID: "s-invoke-share", Attempt: 1},
	}}},
	{"direct-unshare.json", plain, []want{{
		typ: Direct, sourceID: "sha256:6c6acbf1186739cd4c02b831105f6647",
		req: &request.Request{Action: request.Unshare, RegionID: "cn-hangzhou", ImageIDs: []string{"m-staging-004"},
			Accounts: []string{"2000000000000001"}, DryRun: true, Attempt: 1},
	}}},
	{"direct-reconcile.json", plain, []want{{
		typ: Direct, sourceID: "sha256:a266177b8bbabf5da6f2dcebb4bf1781", corr: "demo",
		req: &request.Request{Action: request.Reconcile, RegionID: "cn-hangzhou",
			ImageIDs: []string{"m-golden-001", "m-creating-002", "m-encrypted-003", "m-staging-004", "m-partner-005"}, CorrelationID: "demo", Attempt: 1},
	}}},
	{"direct-batch.json", plain, []want{
		{typ: Direct, sourceID: "sha256:d804dc7942073eb680df299a496c76ba", req: reconcile("cn-hangzhou", "m-golden-001")},
		{
			typ: Direct, sourceID: "sha256:c9db8c0e81200c80489afa3eb8ae0433", corr: "batch-2",
			req: &request.Request{Action: request.Share, RegionID: "cn-hangzhou", ImageIDs: []string{"m-partner-005"}, Accounts: []string{"partners"}, CorrelationID: "batch-2", Attempt: 1},
		},
		{
			typ: Direct, sourceID: "sha256:a1225ec509804ccafb4eb091105a7f7b", corr: "batch-3",
			errCode: outcome.InvalidRequest, errHas: `unknown field "Accounts" (did you mean "accounts"?)`,
		},
	}},
	{"direct-typo.json", plain, []want{{
		typ: Direct, sourceID: "sha256:c0335caf5aedc55aa04da3ab860e200c", corr: "typo-1",
		errCode: outcome.InvalidRequest, errHas: `unknown field "acounts" (did you mean "accounts"?)`,
	}}},
	{"garbage.txt", plain, []want{{
		typ: Direct, sourceID: "sha256:0a7f56eab7990c834549915d609879f1",
		errCode: outcome.InvalidEvent, errHas: "payload is not JSON",
	}}},
	{"unknown-shape.json", plain, []want{{
		typ: Direct, sourceID: "sha256:171f884baaa1bfef58e9134dc68e74c6",
		errCode: outcome.InvalidEvent, errHas: `unrecognised payload (keys "events")`,
	}}},
}

func TestDecodeEventFiles(t *testing.T) {
	for _, tt := range fileTests {
		name := tt.file
		if tt.opt != plain {
			name += "/" + optName(tt.opt)
		}
		t.Run(name, func(t *testing.T) {
			payload, err := os.ReadFile(filepath.Join(eventsDir, tt.file))
			if err != nil {
				t.Fatal(err)
			}
			check(t, Decode(payload, tt.opt), tt.want)
		})
	}
}

// TestEveryEventFileIsTested makes adding a payload file without saying what
// it decodes to a test failure.
func TestEveryEventFileIsTested(t *testing.T) {
	files, err := os.ReadDir(eventsDir)
	if err != nil {
		t.Fatal(err)
	}
	tested := map[string]bool{}
	for _, tt := range fileTests {
		tested[tt.file] = true
	}
	for _, f := range files {
		if !tested[f.Name()] {
			t.Errorf("%s/%s has no entry in fileTests", eventsDir, f.Name())
		}
	}
}

// TestTopicStreamLeavesEnvelopesAlone: the STREAM option changes only what a
// bare request (or unknown payload) is taken for, never how a recognisable
// envelope decodes.
func TestTopicStreamLeavesEnvelopesAlone(t *testing.T) {
	for _, tt := range fileTests {
		if tt.opt != plain || tt.want[0].typ == Direct {
			continue
		}
		payload, err := os.ReadFile(filepath.Join(eventsDir, tt.file))
		if err != nil {
			t.Fatal(err)
		}
		t.Run(tt.file, func(t *testing.T) { check(t, Decode(payload, stream), tt.want) })
	}
}

func optName(o Options) string {
	switch o {
	case b64:
		return "Base64Body"
	case stream:
		return "TopicStream"
	}
	return "options"
}
