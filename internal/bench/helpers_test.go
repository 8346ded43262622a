package bench

import "github.com/imageshare/ecs-image-share/trigger"

// decodeForTest returns "type sourceId" for each item of a payload.
func decodeForTest(payload []byte) []string {
	var out []string
	for _, it := range trigger.Decode(payload, trigger.Options{}) {
		out = append(out, string(it.Trigger.Type)+" "+it.SourceID)
	}
	return out
}
