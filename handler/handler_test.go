package handler_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imageshare/ecs-image-share/handler"
	"github.com/imageshare/ecs-image-share/internal/emulator"
	"github.com/imageshare/ecs-image-share/internal/emulator/emulatortest"
	"github.com/imageshare/ecs-image-share/internal/emulator/world"
	"github.com/imageshare/ecs-image-share/outcome"
	"github.com/imageshare/ecs-image-share/policy"
	"github.com/imageshare/ecs-image-share/request"
)

// testRequestKey is the fixture's REQUEST_KEY: the function seals its own
// work-queue requests with it.
const testRequestKey = "handler-test-request-key-0123456789abcdef"

const testPolicy = `
version: 1
groups:
  prod: ["2000000000000001", "2000000000000002", "2000000000000003", "2000000000000004",
         "2000000000000005", "2000000000000006", "2000000000000007", "2000000000000008",
         "2000000000000009", "2000000000000010", "2000000000000011", "2000000000000012"]
  partners: ["3000000000000001"]
rules:
  - name: prod-images
    match: {tags: {env: prod}}
    shareWith: [prod]
  - name: opt-in
    match: {tags: {share-with: "*"}}
    shareWithTagValue: share-with
allow: ["4000000000000001", "4000000000000002"]
prune: true
protect: ["2000000000000009"]
`

// testWorld: twelve prod accounts, a partner, one allowed account that
// exists and one that does not (4000000000000002).
func testWorld() *world.World {
	accounts := []string{"3000000000000001", "4000000000000001"}
	for i := 1; i <= 12; i++ {
		accounts = append(accounts, prodAccount(i))
	}
	w, err := world.Parse("test-world", []byte(`
owner: "1000000000000001"
credentials: {accessKeyId: AK, accessKeySecret: SK, securityToken: STS-TOKEN}
queues: [work, outcomes]
images:
  - {id: m-prod-1, tags: {env: prod}}
  - {id: m-creating-2, availableAfter: 150s, tags: {env: prod}}
  - {id: m-svckey-3, encryption: service-key, tags: {env: prod}}
  - {id: m-stale-4, tags: {env: prod}, sharedWith: ["3000000000000001", "2000000000000001"]}
  - {id: m-partner-5, tags: {share-with: "partners,ghosts"}}
`))
	if err != nil {
		panic(err)
	}
	w.Accounts = accounts
	return w
}

func prodAccount(i int) string { return "20000000000000" + twoDigits(i) }

func twoDigits(i int) string { return string(rune('0'+i/10)) + string(rune('0'+i%10)) }

// fixture is an emulator and a handler wired to it through the real SDKs.
type fixture struct {
	t   *testing.T
	emu *emulator.Server
	h   *handler.Handler
	inv handler.Invocation
	// cfg and deps built h: more instances of the function are made with them.
	cfg  handler.Config
	deps handler.Deps
}

// outcomes are every outcome published so far.
func (f *fixture) outcomes(t *testing.T) []outcome.Outcome {
	t.Helper()
	var outs []outcome.Outcome
	for _, m := range f.emu.MNS.Messages("outcomes") {
		var o outcome.Outcome
		if err := json.Unmarshal([]byte(m.Body), &o); err != nil {
			t.Fatalf("outcome is not JSON: %v: %s", err, m.Body)
		}
		outs = append(outs, o)
	}
	return outs
}

func newFixture(t *testing.T, mutate ...func(*handler.Config, *handler.Deps)) *fixture {
	t.Helper()
	return newFixtureWith(t, testWorld(), testPolicy, mutate...)
}

// newFixtureIn is newFixture on a world of the test's own.
func newFixtureIn(t *testing.T, w *world.World, mutate ...func(*handler.Config, *handler.Deps)) *fixture {
	t.Helper()
	return newFixtureWith(t, w, testPolicy, mutate...)
}

// newFixtureWith is newFixture on a world and policy of the test's own.
func newFixtureWith(t *testing.T, w *world.World, policyYAML string, mutate ...func(*handler.Config, *handler.Deps)) *fixture {
	t.Helper()
	srv := emulatortest.Serve(t, w)
	cfg, err := handler.ConfigFromEnv(func(k string) string {
		return map[string]string{
			"OUTCOME_QUEUE": "outcomes", "WORK_QUEUE": "work",
			"MNS_ENDPOINT": srv.URL(), "ECS_ENDPOINT": srv.URL(),
			"WAIT_READY_SECONDS": "60", "DEFER_ATTEMPTS": "3", "FANOUT_THRESHOLD": "50",
			"REQUEST_KEY": testRequestKey,
		}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	pol, err := policy.Parse("policy.yaml", []byte(policyYAML))
	if err != nil {
		t.Fatal(err)
	}
	deps := handler.Deps{
		Policy: pol,
		Clock:  srv.Clock,
		Sleep:  func(ctx context.Context, d time.Duration) error { srv.Advance(d); return ctx.Err() },
		Logger: slog.New(slog.NewJSONHandler(io.Discard, nil)),
	}
	for _, m := range mutate {
		m(&cfg, &deps)
	}
	return &fixture{t: t, emu: srv, cfg: cfg, deps: deps, h: handler.New(cfg, deps), inv: handler.Invocation{
		RequestID: "req-1", AccountID: w.Owner, Region: w.Region,
		Credentials: handler.Credentials{AccessKeyID: "AK", AccessKeySecret: "SK", SecurityToken: "STS-TOKEN"},
	}}
}

// handle delivers a payload and returns the outcomes it published.
func (f *fixture) handle(payload string) ([]outcome.Outcome, error) {
	f.t.Helper()
	before := len(f.emu.MNS.Messages("outcomes"))
	_, err := f.h.Handle(context.Background(), f.inv, []byte(payload))
	var outs []outcome.Outcome
	for _, m := range f.emu.MNS.Messages("outcomes")[before:] {
		var o outcome.Outcome
		if jerr := json.Unmarshal([]byte(m.Body), &o); jerr != nil {
			f.t.Fatalf("outcome is not JSON: %v: %s", jerr, m.Body)
		}
		if verr := validateOutcome([]byte(m.Body)); verr != nil {
			f.t.Fatalf("outcome does not match its schema: %v: %s", verr, m.Body)
		}
		outs = append(outs, o)
	}
	return outs, err
}

func (f *fixture) mustHandle(payload string) []outcome.Outcome {
	f.t.Helper()
	outs, err := f.handle(payload)
	if err != nil {
		f.t.Fatalf("Handle: %v", err)
	}
	return outs
}

func (f *fixture) shared(image string) []string {
	s := slices.Clone(f.emu.ECS.SharedWith(image))
	slices.Sort(s)
	return s
}

func (f *fixture) modifyCalls() int { return f.emu.Faults.Counts()["ModifyImageSharePermission"] }

func readEvent(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile("../testdata/events/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func prodAccounts() []string {
	var a []string
	for i := 1; i <= 12; i++ {
		a = append(a, prodAccount(i))
	}
	return a
}

func TestActionTrailCreateImageSharesInTwoCalls(t *testing.T) {
	f := newFixture(t)
	ev := strings.ReplaceAll(readEvent(t, "actiontrail-createimage.json"), "m-golden-001", "m-prod-1")
	outs := f.mustHandle(ev)
	if len(outs) != 1 {
		t.Fatalf("%d outcomes, want 1", len(outs))
	}
	o := outs[0]
	if o.Status != outcome.Succeeded || o.Trigger.Type != "actiontrail" || o.Trigger.EventName != "CreateImage" || o.ImageID != "m-prod-1" {
		t.Fatalf("outcome %+v", o)
	}
	if !slices.Equal(o.Added, prodAccounts()) || !slices.Equal(f.shared("m-prod-1"), prodAccounts()) {
		t.Fatalf("added %v, shared %v", o.Added, f.shared("m-prod-1"))
	}
	if o.APICalls["ModifyImageSharePermission"] != 2 || f.modifyCalls() != 2 {
		t.Fatalf("apiCalls %v, emulator saw %d Modify calls; want 2", o.APICalls, f.modifyCalls())
	}
	if got := o.Because[prodAccount(1)]; !slices.Equal(got, []string{"prod-images/prod"}) {
		t.Fatalf("because = %v", got)
	}

	// The same event again: this instance worked it already, so the
	// duplicate is dropped: no call, no second outcome.
	calls := f.emu.Faults.Counts()["DescribeImages"]
	again := f.mustHandle(ev)
	if len(again) != 0 {
		t.Fatalf("redelivery gave %+v, want no outcome", again)
	}
	if f.modifyCalls() != 2 || f.emu.Faults.Counts()["DescribeImages"] != calls {
		t.Fatalf("redelivery made %d more Modify calls, %d more DescribeImages", f.modifyCalls()-2, f.emu.Faults.Counts()["DescribeImages"]-calls)
	}
}

func TestCreatingImageIsDeferredThenShared(t *testing.T) {
	f := newFixture(t)
	outs := f.mustHandle(`{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-creating-2","correlationId":"build-1"}`)
	if len(outs) != 1 || outs[0].Status != outcome.Deferred || outs[0].Error.Code != outcome.ImageNotReady || outs[0].Attempt != 1 {
		t.Fatalf("first outcome %+v", outs)
	}
	if f.modifyCalls() != 0 {
		t.Fatal("a Creating image got a Modify call")
	}
	work := f.emu.MNS.Messages("work")
	if len(work) != 1 || work[0].Visible {
		t.Fatalf("work queue %+v, want one delayed message", work)
	}
	var next map[string]any
	if err := json.Unmarshal([]byte(work[0].Body), &next); err != nil || next["attempt"] != float64(2) || next["correlationId"] != "build-1" {
		t.Fatalf("deferred request %s", work[0].Body)
	}
	// Waited 60 s of the 150 s; the delay is 60 s. At 120 s the work-queue
	// delivery may wait only while the queue (30 s visibility, MNS's
	// default) lets it hold the message: 15 s, so attempt 2 defers again.
	f.emu.Advance(work[0].NextVisibleTime.Sub(f.emu.Clock.Now()))
	outs = f.mustHandle(mnsEvent("msg-2", work[0].Body))
	if len(outs) != 1 || outs[0].Status != outcome.Deferred || outs[0].Attempt != 2 || outs[0].CorrelationID != "build-1" {
		t.Fatalf("second outcome %+v", outs)
	}
	if held := f.emu.Clock.Now().Sub(work[0].NextVisibleTime); held >= 30*time.Second {
		t.Fatalf("the work-queue delivery waited %s, past the queue's 30 s visibility timeout", held)
	}
	work = f.emu.MNS.Messages("work")
	if len(work) != 2 {
		t.Fatalf("work queue %+v, want the third attempt queued", work)
	}
	third := work[1]
	f.emu.Advance(third.NextVisibleTime.Sub(f.emu.Clock.Now()))
	outs = f.mustHandle(mnsEvent("msg-3", third.Body))
	if len(outs) != 1 || outs[0].Status != outcome.Succeeded || outs[0].Attempt != 3 || outs[0].CorrelationID != "build-1" {
		t.Fatalf("third outcome %+v", outs)
	}
	if !slices.Equal(f.shared("m-creating-2"), prodAccounts()) {
		t.Fatalf("shared %v", f.shared("m-creating-2"))
	}
	// The deferral queued twice (its first invocation ran twice) arrives in
	// another message: the outcome id follows the origin, not the message.
	if next["origin"] == "" || next["origin"] == nil {
		t.Fatalf("deferred request carries no origin: %s", work[0].Body)
	}
	// Keyed by the chain (origin, image, attempt), the fork is dropped.
	calls := f.emu.Faults.Counts()["DescribeImages"]
	dup := f.mustHandle(mnsEvent("msg-4", third.Body))
	if len(dup) != 0 || f.emu.Faults.Counts()["DescribeImages"] != calls {
		t.Fatalf("the same deferral in another message got outcomes %+v and %d calls, want none", dup, f.emu.Faults.Counts()["DescribeImages"]-calls)
	}
}

func TestNotReadyAfterLastAttemptIsFinal(t *testing.T) {
	f := newFixture(t)
	// The function's own third attempt: sealed with its key.
	body, err := request.Seal(request.Request{Action: request.Reconcile, RegionID: "cn-hangzhou", ImageIDs: []string{"m-creating-2"}, Attempt: 3, Origin: "evt-1"}, []byte(testRequestKey))
	if err != nil {
		t.Fatal(err)
	}
	outs := f.mustHandle(string(body))
	if len(outs) != 1 || outs[0].Status != outcome.Failed || outs[0].Error.Code != outcome.ImageNotReady || outs[0].Error.Retryable {
		t.Fatalf("outcome %+v", outs)
	}
	if !strings.Contains(outs[0].Error.Message, "gave up after 3 attempts") {
		t.Fatalf("message %q does not say it gave up", outs[0].Error.Message)
	}
	if n := len(f.emu.MNS.Messages("work")); n != 0 {
		t.Fatalf("%d messages deferred after the last attempt", n)
	}
}

func TestEncryptedImageRefusedWithRemedy(t *testing.T) {
	f := newFixture(t)
	outs := f.mustHandle(`{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-svckey-3"}`)
	if len(outs) != 1 || outs[0].Error == nil || outs[0].Error.Code != outcome.EncryptedImageUnsupported {
		t.Fatalf("outcome %+v", outs)
	}
	if !strings.Contains(outs[0].Error.Message, "CopyImage") || f.modifyCalls() > 1 {
		t.Fatalf("message %q, %d Modify calls", outs[0].Error.Message, f.modifyCalls())
	}
}

func TestQueueBatchDeniedAndMalformedDoNotStopTheRest(t *testing.T) {
	f := newFixture(t)
	payload := "[" + strings.Join([]string{
		mnsEventObject("m1", `{"action":"share","regionId":"cn-hangzhou","imageId":"m-partner-5","accounts":["9999999999999999","4000000000000001","4000000000000002"]}`),
		mnsEventObject("m2", `{"action":"share","regionId":"cn-hangzhou","imageId":"m-partner-5","acounts":["prod"]}`),
		mnsEventObject("m3", `not json at all`),
		mnsEventObject("m4", `{"action":"unshare","regionId":"cn-hangzhou","imageId":"m-stale-4","accounts":["2000000000000009","3000000000000001"]}`),
	}, ",") + "]"
	outs := f.mustHandle(payload)
	if len(outs) != 4 {
		t.Fatalf("%d outcomes, want one per message", len(outs))
	}
	bySource := map[string]outcome.Outcome{}
	for _, o := range outs {
		bySource[o.Trigger.EventID] = o
	}
	share := bySource["ev-m1"]
	if share.Status != outcome.Partial || !slices.Equal(share.Added, []string{"4000000000000001"}) {
		t.Fatalf("share outcome %+v", share)
	}
	codes := map[string]outcome.Code{}
	for _, fl := range share.Failures {
		codes[fl.Account] = fl.Code
	}
	if codes["9999999999999999"] != outcome.PolicyDenied || codes["4000000000000002"] != outcome.AccountNotFound {
		t.Fatalf("share failures %v", codes)
	}
	for _, id := range []string{"ev-m2", "ev-m3"} {
		if o := bySource[id]; o.Error == nil || o.Error.Code != outcome.InvalidRequest || o.Status != outcome.Failed {
			t.Fatalf("%s outcome %+v, want InvalidRequest", id, o)
		}
	}
	unshare := bySource["ev-m4"]
	if !slices.Equal(unshare.Removed, []string{"3000000000000001"}) || len(unshare.Failures) != 0 {
		t.Fatalf("unshare outcome %+v", unshare)
	}
	// 2000000000000009 was not shared with m-stale-4: nothing to remove, and
	// the denied account never reached ECS.
	for _, rec := range f.emu.ECS.ModifyLog() {
		if slices.Contains(rec.Add, "9999999999999999") {
			t.Fatal("a denied account was sent to ECS")
		}
	}
}

func TestUnshareOfProtectedAccountRefused(t *testing.T) {
	f := newFixture(t)
	f.mustHandle(`{"action":"share","regionId":"cn-hangzhou","imageId":"m-prod-1","accounts":["2000000000000009"]}`)
	outs := f.mustHandle(`{"action":"unshare","regionId":"cn-hangzhou","imageId":"m-prod-1","accounts":["2000000000000009"]}`)
	if len(outs) != 1 || len(outs[0].Failures) != 1 || outs[0].Failures[0].Code != outcome.ProtectedAccount {
		t.Fatalf("outcome %+v", outs)
	}
	if !slices.Contains(f.shared("m-prod-1"), "2000000000000009") {
		t.Fatal("a protected account was removed")
	}
}

func TestTimerSweepPrunesAndPublishesOnlyChanges(t *testing.T) {
	f := newFixture(t)
	f.mustHandle(`{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-prod-1"}`)
	outs := f.mustHandle(readEvent(t, "timer.json"))
	byImage := map[string]outcome.Outcome{}
	for _, o := range outs {
		byImage[o.ImageID] = o
	}
	if _, ok := byImage["m-prod-1"]; ok {
		t.Fatal("an unchanged image got a sweep outcome")
	}
	stale := byImage["m-stale-4"]
	if !slices.Equal(stale.Removed, []string{"3000000000000001"}) || stale.Status != outcome.Succeeded {
		t.Fatalf("stale image outcome %+v", stale)
	}
	sum, ok := byImage[""]
	if !ok || sum.Action != outcome.ActionSweep || sum.Counts["images"] != 5 || sum.Counts["notReady"] != 1 || sum.Counts["unchanged"] != 1 {
		t.Fatalf("sweep summary %+v", sum)
	}
	// The service-key image's refusal cannot change by itself: its event
	// published it; the sweep counts it and publishes nothing for it.
	if o, ok := byImage["m-svckey-3"]; ok || sum.Counts["refused"] != 1 || sum.Counts["failed"] != 0 {
		t.Fatalf("service-key image published %+v; summary %+v", o, sum)
	}
	again := f.mustHandle(readEvent(t, "timer.json"))
	for _, o := range again {
		if o.Action != outcome.ActionSweep && o.Status == outcome.Succeeded {
			t.Fatalf("a second sweep changed %s again", o.ImageID)
		}
	}
}

func TestLargeSweepFansOut(t *testing.T) {
	f := newFixture(t, func(c *handler.Config, _ *handler.Deps) { c.FanOutThreshold, c.FanOutImages = 2, 2 })
	outs := f.mustHandle(readEvent(t, "timer.json"))
	if len(outs) != 1 || outs[0].Counts["fannedOut"] != 5 || outs[0].Counts["messages"] != 3 {
		t.Fatalf("outcomes %+v", outs)
	}
	if f.modifyCalls() != 0 || len(f.emu.MNS.Messages("work")) != 3 {
		t.Fatalf("fan-out made %d Modify calls and %d messages", f.modifyCalls(), len(f.emu.MNS.Messages("work")))
	}
	// Worked from the queue, the fanned-out requests follow the inline
	// sweep's rule: the service-key image's standing refusal is not published.
	var images []string
	for _, m := range f.emu.MNS.Messages("work") {
		if !strings.Contains(m.Body, `"sweep":true`) {
			t.Fatalf("fanned-out request not marked as the sweep's: %s", m.Body)
		}
		for _, o := range f.mustHandle(m.Body) {
			images = append(images, o.ImageID)
		}
	}
	if slices.Contains(images, "m-svckey-3") || !slices.Contains(images, "m-stale-4") {
		t.Fatalf("fanned-out sweep published outcomes for %v", images)
	}
}

func TestTopicAndGarbagePayloads(t *testing.T) {
	f := newFixture(t)
	outs := f.mustHandle(readEvent(t, "garbage.txt"))
	if len(outs) != 1 || outs[0].Error.Code != outcome.InvalidEvent {
		t.Fatalf("garbage gave %+v", outs)
	}
	topic := `{"TopicOwner":"1000000000000001","Message":"{\"action\":\"reconcile\",\"regionId\":\"cn-hangzhou\",\"imageId\":\"m-partner-5\"}","Subscriber":"1000000000000001","PublishTime":1550216302888,"SubscriptionName":"fn","MessageMD5":"X","TopicName":"requests","MessageId":"TOPIC-1"}`
	outs = f.mustHandle(topic)
	if len(outs) != 1 || outs[0].Trigger.Type != "mns-topic" || !slices.Equal(outs[0].Added, []string{"3000000000000001"}) {
		t.Fatalf("topic gave %+v", outs)
	}
	if len(outs[0].Failures) != 1 || !strings.Contains(outs[0].Failures[0].Message, "ghosts") {
		t.Fatalf("unknown group not reported: %+v", outs[0].Failures)
	}
}

func TestInvalidPolicyFailsEveryInvocation(t *testing.T) {
	_, perr := policy.Parse("policy.yaml", []byte("version: 1\nrules: [{name: x, match: {tags: {a: b}}, shareWth: [g]}]\n"))
	f := newFixture(t, func(_ *handler.Config, d *handler.Deps) { d.Policy, d.PolicyErr = nil, perr })
	outs, err := f.handle(`{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-prod-1"}`)
	if err == nil || !strings.Contains(err.Error(), "InvalidPolicy") {
		t.Fatalf("error %v, want InvalidPolicy", err)
	}
	if len(outs) != 1 || outs[0].Error.Code != outcome.InvalidPolicy || !strings.Contains(outs[0].Error.Message, "policy.yaml:2") {
		t.Fatalf("outcomes %+v", outs)
	}
	if f.modifyCalls() != 0 {
		t.Fatal("an invalid policy shared something")
	}
}

func TestUnpublishableOutcomeFailsInvocation(t *testing.T) {
	f := newFixture(t, func(c *handler.Config, _ *handler.Deps) { c.OutcomeQueue = "missing" })
	if _, err := f.handle(`{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-prod-1"}`); err == nil {
		t.Fatal("Handle succeeded though no outcome could be published")
	}
}

func TestConfigFromEnv(t *testing.T) {
	_, err := handler.ConfigFromEnv(func(k string) string {
		return map[string]string{"DRY_RUN": "maybe", "DEFER_ATTEMPTS": "0", "ECS_CALLS_PER_SECOND": "-1", "LOG_LEVEL": "LOUD"}[k]
	})
	for _, want := range []string{"DRY_RUN", "DEFER_ATTEMPTS", "ECS_CALLS_PER_SECOND", "LOG_LEVEL", "OUTCOME_QUEUE"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v does not name %s", err, want)
		}
	}
	cfg, err := handler.ConfigFromEnv(func(k string) string { return map[string]string{"OUTCOME_TOPIC": "t"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.TotalDeferral(); got < 2*time.Hour {
		t.Fatalf("default deferral covers %v, want at least two hours", got)
	}
}

func mnsEventObject(id, body string) string {
	b, _ := json.Marshal(body)
	return `{"id":"ev-` + id + `","source":"MNS-work","specversion":"1.0","type":"mns:Queue:SendMessage","subject":"acs:mns:cn-hangzhou:1000000000000001:queues/work","time":"2026-01-01T00:00:00Z","aliyunaccountid":"1000000000000001","aliyunregionid":"cn-hangzhou","data":{"requestId":"r-` + id + `","messageId":"` + id + `","messageBody":` + string(b) + `}}`
}

func mnsEvent(id, body string) string { return "[" + mnsEventObject(id, body) + "]" }

func TestConfigECSBudget(t *testing.T) {
	tests := []struct {
		name    string
		env     map[string]string
		wantErr string // "" = valid
		rates   map[string]float64
		shared  bool
	}{
		{"default: per API", nil, "", nil, false},
		{"overrides", map[string]string{"ECS_API_CALLS_PER_SECOND": "ModifyImageSharePermission=50, DescribeImages=40.5"}, "",
			map[string]float64{"ModifyImageSharePermission": 50, "DescribeImages": 40.5}, false},
		{"instance scope", map[string]string{"ECS_RATE_SCOPE": "instance"}, "", nil, true},
		{"unknown API, with a suggestion", map[string]string{"ECS_API_CALLS_PER_SECOND": "DescribeImage=5"}, "did you mean DescribeImages?", nil, false},
		{"not a pair", map[string]string{"ECS_API_CALLS_PER_SECOND": "DescribeImages"}, `"DescribeImages" is not API=rate`, nil, false},
		{"zero rate", map[string]string{"ECS_API_CALLS_PER_SECOND": "DescribeImages=0"}, "not a positive number", nil, false},
		{"infinite rate", map[string]string{"ECS_API_CALLS_PER_SECOND": "DescribeImages=+Inf"}, "not a positive number", nil, false},
		{"duplicate", map[string]string{"ECS_API_CALLS_PER_SECOND": "DescribeImages=1,DescribeImages=2"}, "given twice", nil, false},
		{"bad scope", map[string]string{"ECS_RATE_SCOPE": "account"}, `ECS_RATE_SCOPE="account"`, nil, false},
		{"per-API rates with one budget", map[string]string{"ECS_RATE_SCOPE": "instance", "ECS_API_CALLS_PER_SECOND": "DescribeImages=5"}, "one budget for every API", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := handler.ConfigFromEnv(func(k string) string {
				if k == "OUTCOME_QUEUE" {
					return "q"
				}
				return tt.env[k]
			})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.ECSRate != 20 || cfg.ECSRateShared != tt.shared || len(cfg.ECSAPIRates) != len(tt.rates) {
				t.Fatalf("rate %v shared %v per API %v", cfg.ECSRate, cfg.ECSRateShared, cfg.ECSAPIRates)
			}
			for api, r := range tt.rates {
				if cfg.ECSAPIRates[api] != r {
					t.Errorf("%s: %v, want %v", api, cfg.ECSAPIRates[api], r)
				}
			}
		})
	}
}

// TestUnusableBudgetFailsInvocation: a Config built by hand with no rate
// fails every invocation instead of running ECS calls unpaced.
func TestUnusableBudgetFailsInvocation(t *testing.T) {
	f := newFixture(t, func(c *handler.Config, _ *handler.Deps) { c.ECSRate = 0 })
	if _, err := f.handle(`{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-prod-1"}`); err == nil || !strings.Contains(err.Error(), "rate") {
		t.Fatalf("Handle: %v, want an error about the rate", err)
	}
}

// TestPolicyLoadedOnFirstInvocation: with LoadPolicy the policy is read once,
// before the first invocation handles anything, and a bad one fails that
// invocation even when it only carries an event the function ignores.
func TestPolicyLoadedOnFirstInvocation(t *testing.T) {
	ignored, err := os.ReadFile("../testdata/events/actiontrail-other-api.json")
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name    string
		load    func() (*policy.Policy, error)
		wantErr string
	}{
		{"bad policy", func() (*policy.Policy, error) { return policy.Parse("p.yaml", []byte("version: 1\nrulez: []\n")) }, string(outcome.InvalidPolicy)},
		{"no policy and no error", func() (*policy.Policy, error) { return nil, nil }, "no policy"},
		{"good policy", func() (*policy.Policy, error) { return policy.Parse("p.yaml", []byte(testPolicy)) }, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			calls := 0
			f := newFixture(t, func(_ *handler.Config, d *handler.Deps) {
				d.Policy = nil
				d.LoadPolicy = func() (*policy.Policy, error) { calls++; return tt.load() }
			})
			for range 2 {
				_, err := f.h.Handle(context.Background(), f.inv, ignored)
				if tt.wantErr == "" && err != nil {
					t.Fatalf("ignored event with a good policy: %v", err)
				}
				if tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
					t.Fatalf("ignored event: error %v, want one containing %q", err, tt.wantErr)
				}
			}
			if calls != 1 {
				t.Fatalf("LoadPolicy called %d times over two invocations, want 1", calls)
			}
		})
	}
}

// TestIgnoredEventsNeedNoPublisher: an invocation whose events are all
// ignored builds no MNS client (an account id the MNS client refuses shows
// it), while any other fails at once because no outcome could be delivered.
func TestIgnoredEventsNeedNoPublisher(t *testing.T) {
	ignored, err := os.ReadFile("../testdata/events/actiontrail-other-api.json")
	if err != nil {
		t.Fatal(err)
	}
	f := newFixture(t)
	f.inv.AccountID = "not-an-account"
	sum, err := f.h.Handle(context.Background(), f.inv, ignored)
	if err != nil || sum.Ignored != 1 {
		t.Fatalf("ignored event: %+v, %v", sum, err)
	}
	if _, err := f.h.Handle(context.Background(), f.inv, []byte(`{"action":"reconcile","regionId":"cn-hangzhou","imageId":"m-prod-1"}`)); err == nil {
		t.Fatal("a reconcile ran though its outcome could not be published")
	}
	if n := f.emu.Faults.Counts()["DescribeImages"]; n != 0 {
		t.Fatalf("%d DescribeImages calls made without a publisher", n)
	}
}
