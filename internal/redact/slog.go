package redact

import (
	"context"
	"log/slog"
)

// Handler wraps h so that every record's message and attributes (those of
// the record, of Logger.With, nested groups and LogValuers included) are
// scrubbed before h formats them. It is the second net under the engine's:
// whatever a caller logs, no credential of s reaches the log.
func (s *Scrubber) Handler(h slog.Handler) slog.Handler {
	if rh, ok := h.(*handler); ok && rh.s == s {
		return h
	}
	return &handler{s: s, h: h}
}

type handler struct {
	s *Scrubber
	h slog.Handler
}

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.h.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, h.s.String(r.Message), r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(h.s.attr(a))
		return true
	})
	return h.h.Handle(ctx, out)
}

func (h *handler) WithAttrs(as []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(as))
	for i, a := range as {
		clean[i] = h.s.attr(a)
	}
	return &handler{s: h.s, h: h.h.WithAttrs(clean)}
}

func (h *handler) WithGroup(name string) slog.Handler {
	return &handler{s: h.s, h: h.h.WithGroup(name)}
}

// attr scrubs one attribute, recursing into groups.
func (s *Scrubber) attr(a slog.Attr) slog.Attr {
	v := a.Value.Resolve()
	switch v.Kind() {
	case slog.KindString:
		return slog.String(a.Key, s.String(v.String()))
	case slog.KindGroup:
		g := v.Group()
		clean := make([]slog.Attr, len(g))
		for i, ga := range g {
			clean[i] = s.attr(ga)
		}
		return slog.Attr{Key: a.Key, Value: slog.GroupValue(clean...)}
	case slog.KindAny:
		return slog.Any(a.Key, s.Any(v.Any()))
	}
	return slog.Attr{Key: a.Key, Value: v}
}
