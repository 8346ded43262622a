package trigger

// requestKeys are the request's fields: an object holding any of them (in any
// case) is read as a request, so that a request with a typo gets an
// InvalidRequest naming the typo rather than an InvalidEvent for an unknown
// shape.
var requestKeys = []string{"action", "regionId", "imageIds", "imageId", "accounts", "dryRun", "correlationId", "attempt"}

// decodeDirect reads a payload (or batch element) that is itself a request: a
// direct invocation, or a topic STREAM body when opt.TopicStream is set.
// Neither carries an id, so SourceID is a content hash (see withRequest).
func decodeDirect(raw []byte, opt Options) Item {
	typ := Direct
	if opt.TopicStream {
		typ = MNSTopic
	}
	return withRequest(Item{Trigger: Trigger{Type: typ}}, raw)
}
