package world

import (
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/imageshare/ecs-image-share/internal/suggest"
)

// Problem is one thing wrong with a world file, where it is: reported like
// a policy's problems, file:line:column: path: message.
type Problem struct {
	Line, Column int
	Path         string // e.g. images[2].owner; "" for the whole file
	Message      string
}

// ValidationError lists every problem of a world file, in file order.
type ValidationError struct {
	File     string
	Problems []Problem
}

func (e *ValidationError) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		loc := e.File
		if p.Line > 0 {
			loc += fmt.Sprintf(":%d:%d", p.Line, max(p.Column, 1))
		}
		if p.Path != "" {
			loc += ": " + p.Path
		}
		lines[i] = loc + ": " + p.Message
	}
	return strings.Join(lines, "\n")
}

// located collects problems and knows where each path of the file is.
type located struct {
	at       map[string]*yaml.Node // path → value node
	firstCol map[int]int           // line → column of its first node
	problems []Problem
}

func child(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// add records a problem at path, or at the nearest enclosing path the file
// has (a defaulted field is not in the file; its parent is).
func (l *located) add(path, format string, args ...any) {
	p := Problem{Path: path, Message: fmt.Sprintf(format, args...)}
	for q := path; ; {
		if n, ok := l.at[q]; ok {
			p.Line, p.Column = n.Line, n.Column
			break
		}
		i := strings.LastIndexAny(q, ".[")
		if i < 0 {
			if n, ok := l.at[""]; ok && q != "" {
				p.Line, p.Column = n.Line, n.Column
			}
			break
		}
		q = q[:i]
	}
	l.problems = append(l.problems, p)
}

func (l *located) addNode(n *yaml.Node, path, format string, args ...any) {
	l.problems = append(l.problems, Problem{Line: n.Line, Column: n.Column, Path: path, Message: fmt.Sprintf(format, args...)})
}

var (
	timeType = reflect.TypeOf(time.Time{})
	// Compiled on first use, like the package's other patterns (cold start).
	yamlLineText = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`) })
)

// walk records where every path is and reports every unknown key (with the
// known key it probably meant), at every depth, before decoding: the
// decoder stops at the first unknown key inside a custom unmarshaler.
func (l *located) walk(n *yaml.Node, t reflect.Type, path string) {
	if n == nil {
		return
	}
	if l.firstCol[n.Line] == 0 || n.Column < l.firstCol[n.Line] {
		l.firstCol[n.Line] = n.Column
	}
	if n.Kind == yaml.DocumentNode {
		for _, c := range n.Content {
			l.walk(c, t, path)
		}
		return
	}
	l.at[path] = n
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t.Kind() == reflect.Struct && t != timeType && n.Kind == yaml.MappingNode:
		known := map[string]reflect.Type{}
		var names []string
		for i := range t.NumField() {
			name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
			if name != "" && name != "-" {
				known[name] = t.Field(i).Type
				names = append(names, name)
			}
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			l.walkPos(k)
			ft, ok := known[k.Value]
			if !ok {
				msg := "unknown key"
				if s := suggest.Closest(k.Value, names); s != "" {
					msg += fmt.Sprintf(" (did you mean %s?)", s)
				}
				l.addNode(k, child(path, k.Value), "%s", msg)
				continue
			}
			l.walk(v, ft, child(path, k.Value))
		}
	case t.Kind() == reflect.Slice && n.Kind == yaml.SequenceNode:
		for i, c := range n.Content {
			l.walk(c, t.Elem(), path+"["+strconv.Itoa(i)+"]")
		}
	case t.Kind() == reflect.Map && n.Kind == yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			l.walkPos(n.Content[i])
			l.walk(n.Content[i+1], t.Elem(), child(path, n.Content[i].Value))
		}
	default:
		for _, c := range n.Content {
			l.walkPos(c)
		}
	}
}

// walkPos only records a node's line for column lookups.
func (l *located) walkPos(n *yaml.Node) {
	if l.firstCol[n.Line] == 0 || n.Column < l.firstCol[n.Line] {
		l.firstCol[n.Line] = n.Column
	}
	for _, c := range n.Content {
		l.walkPos(c)
	}
}

// decodeErrors turns the decoder's errors ("line 3: cannot unmarshal ...")
// into problems; unknown keys are left out, walk reported them already.
func (l *located) decodeErrors(err error) {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	for _, m := range msgs {
		if strings.Contains(m, " not found in type ") {
			continue
		}
		p := Problem{Message: m}
		if sm := yamlLineText().FindStringSubmatch(m); sm != nil {
			p.Line, _ = strconv.Atoi(sm[1])
			p.Column = l.firstCol[p.Line]
			p.Message = sm[2]
		}
		l.problems = append(l.problems, p)
	}
}

func (l *located) sorted() []Problem {
	sort.SliceStable(l.problems, func(i, j int) bool {
		a, b := l.problems[i], l.problems[j]
		if a.Line != b.Line {
			return a.Line < b.Line
		}
		return a.Column < b.Column
	})
	return l.problems
}
