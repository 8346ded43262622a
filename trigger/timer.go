package trigger

import (
	"bytes"
	"encoding/json"
	"io"

	"github.com/imageshare/ecs-image-share/outcome"
	"github.com/imageshare/ecs-image-share/request"
)

// decodeTimer reads a timer tick: {"triggerTime": "2023-12-26T07:49:00Z",
// "triggerName": "...", "payload": "..."}. The tick becomes a Sweep. SourceID
// is triggerName@triggerTime: the same tick redelivered gets the same id, and
// two timers firing at once get different ones.
//
// The payload (the timer's configured text) is empty, free text (a label,
// kept in Sweep.Payload), or a JSON object {"regions": [...], "dryRun": bool}
// narrowing the sweep; a JSON object with anything else is an InvalidRequest,
// so a typo in the timer's configuration is reported, not ignored.
func decodeTimer(o object) Item {
	name, at := o.str("triggerName"), o.str("triggerTime")
	id := name + "@" + at
	it := Item{Trigger: Trigger{Type: Timer, EventID: id, EventName: name}, SourceID: id}
	if name == "" || at == "" {
		return invalidEvent(it, "timer event needs both triggerName and triggerTime")
	}
	var payload string
	if raw, ok := o.get("payload"); ok {
		raw = bytes.TrimSpace(raw)
		switch {
		case len(raw) > 0 && raw[0] == '{':
			payload = string(raw) // an object, not a string: a hand-written test event
		case json.Unmarshal(raw, &payload) != nil:
			return invalidEvent(it, "timer event %s: payload is not a string", quoteID(id))
		}
	}
	sweep, err := parseSweep(payload)
	if err != nil {
		it.Err = err
		return it
	}
	it.Sweep = &sweep
	return it
}

// parseSweep reads a timer's payload; see decodeTimer.
func parseSweep(payload string) (Sweep, *outcome.Error) {
	s := Sweep{Payload: payload}
	text := bytes.TrimSpace([]byte(payload))
	if len(text) == 0 || text[0] != '{' {
		return s, nil
	}
	var cfg struct {
		Regions []string `json:"regions"`
		DryRun  bool     `json:"dryRun"`
	}
	dec := json.NewDecoder(bytes.NewReader(text))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&cfg); err != nil {
		return s, outcome.Errorf(outcome.InvalidRequest, `timer payload is JSON but not {"regions": [...], "dryRun": bool}: %v`, err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return s, outcome.Errorf(outcome.InvalidRequest, "timer payload has data after the JSON object")
	}
	for _, r := range cfg.Regions {
		if !request.IsRegionID(r) {
			return s, outcome.Errorf(outcome.InvalidRequest, "timer payload: regions entry %s is not a region id (e.g. cn-hangzhou)", quoteID(r))
		}
	}
	s.Regions, s.DryRun = unique(cfg.Regions), cfg.DryRun
	return s, nil
}
