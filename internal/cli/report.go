package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/imageshare/ecs-image-share/engine"
	"github.com/imageshare/ecs-image-share/outcome"
	"github.com/imageshare/ecs-image-share/policy"
)

// report is what plan and apply print, in every format. Its JSON form is
// --output json: per image the outcome (the function's field names), then
// totals, per rule, and with --baseline the policy change's difference.
type report struct {
	Command  string             `json:"command"`
	DryRun   bool               `json:"dryRun"`
	Regions  []string           `json:"regions"`
	Images   []*outcome.Outcome `json:"images"`
	Totals   totals             `json:"totals"`
	Rules    []*ruleTotals      `json:"rules"`
	Baseline *baselineDiff      `json:"baseline,omitempty"`
	// Copies are the copies the policy wants of the images (plan only).
	Copies []*plannedCopy `json:"copies,omitempty"`

	results []*engine.Result
}

// totals count a run. Add and Remove count accounts (to add and remove in
// a plan; added and removed by apply); a refusal is an image refused whole
// (not owned, service-key encrypted, not available) or one account refused
// (quota, removal guard, unknown group in a tag).
type totals struct {
	Images          int                    `json:"images"`
	Add             int                    `json:"add"`
	Remove          int                    `json:"remove"`
	Refusals        int                    `json:"refusals"`
	RefusedImages   int                    `json:"refusedImages"`
	RefusedAccounts int                    `json:"refusedAccounts"`
	Unchanged       int                    `json:"unchanged"` // images with nothing to do
	Errors          int                    `json:"errors"`    // images that could not be planned or applied
	ImagesChanging  int                    `json:"imagesChanging"`
	ImagesRemoving  int                    `json:"imagesRemoving"`
	ByStatus        map[outcome.Status]int `json:"byStatus"`
}

// ruleTotals are a rule's share of the run, by the reasons in because:
// a rule ("prod-images" from "prod-images/prod"), or "prune" and "protect".
type ruleTotals struct {
	Rule    string `json:"rule"`
	Images  int    `json:"images"`
	Add     int    `json:"add"`
	Remove  int    `json:"remove"`
	Refused int    `json:"refused"`
}

// baselineDiff is what a policy change does: per image, the accounts the
// image is shared with after the new policy's plan that it would not be
// after the baseline's (gained), and the reverse (lost).
type baselineDiff struct {
	Images []*imageDiff `json:"images"` // only images with a difference
	Totals struct {
		Images int `json:"images"`
		Gained int `json:"gained"`
		Lost   int `json:"lost"`
	} `json:"totals"`
	Rules []*ruleDiff `json:"rules"`
}

type imageDiff struct {
	RegionID string              `json:"regionId"`
	ImageID  string              `json:"imageId"`
	Gained   []string            `json:"gained"`
	Lost     []string            `json:"lost"`
	Because  map[string][]string `json:"because"`
}

type ruleDiff struct {
	Rule   string `json:"rule"`
	Images int    `json:"images"`
	Gained int    `json:"gained"`
	Lost   int    `json:"lost"`
}

// rulesOf are the rules the reasons name: a reason's text up to '/', ' ',
// ':' or '(' (rule and group names contain none of them), except "prune
// (r1, r2): ..." which names the rules whose prune removes the account.
// A reason naming no rule ("prune: ...", "protect: ...") counts as its
// first word.
func rulesOf(reasons []string) []string {
	var out []string
	add := func(n string) {
		if n != "" && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	for _, r := range reasons {
		if inner, ok := strings.CutPrefix(r, "prune ("); ok {
			names, _, _ := strings.Cut(inner, ")")
			for _, n := range strings.Split(names, ", ") {
				add(n)
			}
			continue
		}
		if i := strings.IndexAny(r, "/ :("); i > 0 {
			r = r[:i]
		}
		add(r)
	}
	return out
}

func refused(res *engine.Result) bool {
	return res.Err != nil && res.Plan != nil && res.Plan.Refusal != nil
}

func newReport(command string, regions []string, results []*engine.Result, source string) *report {
	rep := &report{Command: command, Regions: regions, results: results, Images: []*outcome.Outcome{}, Rules: []*ruleTotals{}}
	rep.Totals.ByStatus = map[outcome.Status]int{}
	rules := map[string]*ruleTotals{}
	rule := func(n string) *ruleTotals {
		if rules[n] == nil {
			rules[n] = &ruleTotals{Rule: n}
		}
		return rules[n]
	}
	t := &rep.Totals
	for _, res := range results {
		rep.DryRun = res.DryRun
		o := res.Outcome()
		o.OutcomeID = outcome.ID(source, res.Region+"/"+res.ImageID, 1)
		o.Trigger = outcome.Trigger{Type: outcome.TriggerDirect, EventID: source}
		o.Action = outcome.ActionReconcile
		o.Attempt = 1
		rep.Images = append(rep.Images, o)

		t.Images++
		t.ByStatus[res.Status]++
		t.Add += len(res.Added)
		t.Remove += len(res.Removed)
		if len(res.Added)+len(res.Removed) > 0 {
			t.ImagesChanging++
		}
		if len(res.Removed) > 0 {
			t.ImagesRemoving++
		}
		if res.Status == outcome.Unchanged {
			t.Unchanged++
		}
		switch {
		case refused(res):
			t.RefusedImages++
		case res.Err != nil:
			t.Errors++
		}
		t.RefusedAccounts += len(res.Failures)

		touched := map[string]bool{}
		for _, a := range res.Added {
			for _, n := range rulesOf(res.Because[a]) {
				rule(n).Add++
				touched[n] = true
			}
		}
		for _, a := range res.Removed {
			for _, n := range rulesOf(res.Because[a]) {
				rule(n).Remove++
				touched[n] = true
			}
		}
		for _, f := range res.Failures {
			for _, n := range rulesOf(res.Because[f.Account]) {
				rule(n).Refused++
				touched[n] = true
			}
		}
		if refused(res) {
			var all []string
			for _, rs := range res.Because {
				all = append(all, rs...)
			}
			for _, n := range rulesOf(all) {
				rule(n).Refused++
				touched[n] = true
			}
		}
		for n := range touched {
			rule(n).Images++
		}
	}
	t.Refusals = t.RefusedImages + t.RefusedAccounts
	for _, n := range slices.Sorted(maps.Keys(rules)) {
		rep.Rules = append(rep.Rules, rules[n])
	}
	return rep
}

// diff fills Baseline: for each image, the new policy's plan (already made)
// against the baseline's plan of the same observation.
func (rep *report) diff(results []*engine.Result, base *policy.Policy, dir policy.Directory, prune *bool) {
	d := &baselineDiff{Images: []*imageDiff{}, Rules: []*ruleDiff{}}
	rules := map[string]*ruleDiff{}
	rule := func(n string) *ruleDiff {
		if rules[n] == nil {
			rules[n] = &ruleDiff{Rule: n}
		}
		return rules[n]
	}
	for _, res := range results {
		if res.Observed == nil || res.Plan == nil {
			continue
		}
		in, err := decide(base, dir, prune)(*res.Observed)
		if err != nil {
			continue
		}
		old := engine.Plan(*res.Observed, in, engine.Limits{})
		before, after := old.After(), res.Plan.After()
		gained := slices.DeleteFunc(slices.Clone(after), func(a string) bool { return slices.Contains(before, a) })
		lost := slices.DeleteFunc(slices.Clone(before), func(a string) bool { return slices.Contains(after, a) })
		if len(gained)+len(lost) == 0 {
			continue
		}
		id := &imageDiff{RegionID: res.Region, ImageID: res.ImageID, Gained: gained, Lost: lost, Because: map[string][]string{}}
		touched := map[string]bool{}
		for _, a := range gained {
			id.Because[a] = slices.Clone(res.Plan.Because[a])
			for _, n := range rulesOf(res.Plan.Because[a]) {
				rule(n).Gained++
				touched[n] = true
			}
		}
		for _, a := range lost {
			why := slices.Clone(res.Plan.Because[a])
			for _, r := range old.Because[a] {
				why = append(why, "baseline: "+r)
			}
			id.Because[a] = why
			// A loss belongs to the rule that no longer asks for it, else
			// to what removes it now (prune).
			ns := rulesOf(old.Because[a])
			if len(ns) == 0 {
				ns = rulesOf(res.Plan.Because[a])
			}
			for _, n := range ns {
				rule(n).Lost++
				touched[n] = true
			}
		}
		for n := range touched {
			rule(n).Images++
		}
		d.Images = append(d.Images, id)
		d.Totals.Images++
		d.Totals.Gained += len(gained)
		d.Totals.Lost += len(lost)
	}
	for _, n := range slices.Sorted(maps.Keys(rules)) {
		d.Rules = append(d.Rules, rules[n])
	}
	rep.Baseline = d
}

// changes says whether there is something to change (a plan), was changed
// (apply), or with a baseline whether the policy change makes a difference.
func (rep *report) changes() bool {
	if rep.Baseline != nil {
		return rep.Baseline.Totals.Images > 0
	}
	for _, c := range rep.Copies {
		if c.Status == outcome.Planned {
			return true
		}
	}
	return rep.Totals.Add+rep.Totals.Remove > 0
}

// problems are the reasons for exit 1: images that could not be planned or
// applied. A refusal decided from what was observed (encrypted, not owned)
// is part of the plan, not a problem.
func (rep *report) problems() []string {
	var out []string
	for _, res := range rep.results {
		switch {
		case res.Err != nil && !refused(res):
			out = append(out, fmt.Sprintf("image %s (%s): %s: %s", res.ImageID, res.Region, res.Err.Code, res.Err.Message))
		case !res.DryRun && (res.Status == outcome.Partial || res.Status == outcome.Failed) && res.Plan != nil && len(res.Plan.Batches) > 0:
			out = append(out, fmt.Sprintf("image %s (%s): %s: %s", res.ImageID, res.Region, res.Status, strings.Join(failureNotes(res.Failures), ", ")))
		}
	}
	return out
}

func (rep *report) write(w io.Writer, format string) error {
	switch format {
	case outputJSON:
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	case outputMarkdown:
		_, err := io.WriteString(w, rep.markdown())
		return err
	default:
		title := "Plan"
		if !rep.DryRun {
			title = "Applied"
		}
		return rep.writeText(w, title)
	}
}

// totalsLine is the one-line summary, e.g.
//
//	Plan: 4 images in cn-hangzhou, cn-shanghai: 3 to add, 1 to remove, 1 refused (1 image, 0 accounts), 1 unchanged.
func (rep *report) totalsLine(title string) string {
	t := rep.Totals
	add, remove := "to add", "to remove"
	if !rep.DryRun {
		add, remove = "added", "removed"
	}
	s := fmt.Sprintf("%s: %s in %s: %d %s, %d %s, %d refused (%s, %s), %s unchanged",
		title, plural(t.Images, "image"), strings.Join(rep.Regions, ", "), t.Add, add, t.Remove, remove,
		t.Refusals, plural(t.RefusedImages, "image"), plural(t.RefusedAccounts, "account"), plural(t.Unchanged, "image"))
	if t.Errors > 0 {
		s += fmt.Sprintf(", %s with errors", plural(t.Errors, "image"))
	}
	return s + "."
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func (rep *report) writeText(w io.Writer, title string) error {
	var b strings.Builder
	if rep.Baseline != nil {
		rep.baselineText(&b)
	} else {
		for _, res := range rep.results {
			imageText(&b, res)
		}
	}
	copiesText(&b, rep.Copies)
	b.WriteString(rep.totalsLine(title) + "\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func because(res *engine.Result, a string) string {
	if why := res.Because[a]; len(why) > 0 {
		return "  (" + strings.Join(why, ", ") + ")"
	}
	return ""
}

// imageText is one image's readable plan or outcome.
func imageText(b *strings.Builder, res *engine.Result) {
	fmt.Fprintf(b, "image %s (%s)", res.ImageID, res.Region)
	if o := res.Observed; o != nil {
		fmt.Fprintf(b, ": %s, owner %s, shared with %d", o.Status, o.OwnerID, len(o.Shared))
		if o.Encrypted {
			b.WriteString(", encrypted")
		}
		if len(o.Tags) > 0 {
			var tags []string
			for _, k := range slices.Sorted(maps.Keys(o.Tags)) {
				tags = append(tags, k+"="+o.Tags[k])
			}
			fmt.Fprintf(b, ", tags %s", strings.Join(tags, ","))
		}
	}
	b.WriteString("\n")
	for _, a := range res.Added {
		fmt.Fprintf(b, "  + %s%s\n", a, because(res, a))
	}
	for _, r := range res.Removed {
		fmt.Fprintf(b, "  - %s%s\n", r, because(res, r))
	}
	for _, u := range res.Unchanged {
		fmt.Fprintf(b, "  = %s%s\n", u, because(res, u))
	}
	for _, f := range res.Failures {
		fmt.Fprintf(b, "  ! %s %s: %s\n", f.Account, f.Code, f.Message)
	}
	if res.Err != nil {
		what := "error"
		if refused(res) {
			what = "refused"
		}
		fmt.Fprintf(b, "  %s %s: %s\n", what, res.Err.Code, res.Err.Message)
	}
	if p := res.Plan; p != nil && len(p.Batches) > 0 {
		var calls []string
		for _, bt := range p.Batches {
			calls = append(calls, fmt.Sprintf("+%d -%d", len(bt.Add), len(bt.Remove)))
		}
		fmt.Fprintf(b, "  %d ModifyImageSharePermission call(s): %s\n", len(p.Batches), strings.Join(calls, ", "))
	}
	fmt.Fprintf(b, "  status %s\n", res.Status)
}

func (rep *report) baselineText(b *strings.Builder) {
	d := rep.Baseline
	for _, id := range d.Images {
		fmt.Fprintf(b, "image %s (%s)\n", id.ImageID, id.RegionID)
		for _, a := range id.Gained {
			fmt.Fprintf(b, "  gains %s  (%s)\n", a, strings.Join(id.Because[a], ", "))
		}
		for _, a := range id.Lost {
			fmt.Fprintf(b, "  loses %s  (%s)\n", a, strings.Join(id.Because[a], ", "))
		}
	}
	fmt.Fprintf(b, "Policy change: %s: %s gained, %s lost.\n",
		plural(d.Totals.Images, "image"), plural(d.Totals.Gained, "account"), plural(d.Totals.Lost, "account"))
}

// markdownRows bounds the per-image rows of a PR comment: GitHub caps a
// comment at 65536 characters, and a reviewer reads the per-rule table.
const markdownRows = 50

func (rep *report) markdown() string {
	var b strings.Builder
	t := rep.Totals
	if d := rep.Baseline; d != nil {
		fmt.Fprintf(&b, "#### ecs-image-share: the policy change gains %s and loses %s on %s\n\n",
			plural(d.Totals.Gained, "account"), plural(d.Totals.Lost, "account"), plural(d.Totals.Images, "image"))
		fmt.Fprintf(&b, "%s in %s. The whole plan under the new policy: %d to add, %d to remove, %d refused.\n\n",
			plural(t.Images, "image"), strings.Join(rep.Regions, ", "), t.Add, t.Remove, t.Refusals)
		if len(d.Rules) > 0 {
			b.WriteString("| rule | images | accounts gained | accounts lost |\n|:--|--:|--:|--:|\n")
			for _, r := range d.Rules {
				fmt.Fprintf(&b, "| %s | %d | %d | %d |\n", mdCell(r.Rule), r.Images, r.Gained, r.Lost)
			}
			b.WriteString("\n<details><summary>Images</summary>\n\n| image | region | gained | lost |\n|:--|:--|:--|:--|\n")
			for i, id := range d.Images {
				if i == markdownRows {
					fmt.Fprintf(&b, "| … and %d more | | | |\n", len(d.Images)-i)
					break
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", mdCell(id.ImageID), mdCell(id.RegionID), strings.Join(id.Gained, " "), strings.Join(id.Lost, " "))
			}
			b.WriteString("\n</details>\n")
		}
		return b.String()
	}
	verb := "plan"
	if !rep.DryRun {
		verb = "apply"
	}
	fmt.Fprintf(&b, "#### ecs-image-share %s: %d to add, %d to remove, %d refused\n\n", verb, t.Add, t.Remove, t.Refusals)
	fmt.Fprintf(&b, "%s in %s; %s unchanged", plural(t.Images, "image"), strings.Join(rep.Regions, ", "), plural(t.Unchanged, "image"))
	if t.Errors > 0 {
		fmt.Fprintf(&b, "; **%s with errors**", plural(t.Errors, "image"))
	}
	b.WriteString(".\n\n")
	if len(rep.Rules) > 0 {
		b.WriteString("| rule | images | add | remove | refused |\n|:--|--:|--:|--:|--:|\n")
		for _, r := range rep.Rules {
			fmt.Fprintf(&b, "| %s | %d | %d | %d | %d |\n", mdCell(r.Rule), r.Images, r.Add, r.Remove, r.Refused)
		}
		b.WriteString("\n")
	}
	var rows []*engine.Result
	for _, res := range rep.results {
		if res.Status != outcome.Unchanged {
			rows = append(rows, res)
		}
	}
	if len(rows) > 0 {
		fmt.Fprintf(&b, "<details><summary>Images with changes or refusals (%d)</summary>\n\n| image | region | status | add | remove | refused |\n|:--|:--|:--|--:|--:|:--|\n", len(rows))
		for i, res := range rows {
			if i == markdownRows {
				fmt.Fprintf(&b, "| … and %d more | | | | | |\n", len(rows)-i)
				break
			}
			var notes []string
			if res.Err != nil {
				notes = append(notes, string(res.Err.Code))
			}
			notes = append(notes, failureNotes(res.Failures)...)
			fmt.Fprintf(&b, "| %s | %s | %s | %d | %d | %s |\n", mdCell(res.ImageID), mdCell(res.Region), res.Status,
				len(res.Added), len(res.Removed), mdCell(strings.Join(notes, ", ")))
		}
		b.WriteString("\n</details>\n")
	}
	return b.String()
}

// mdCell keeps a value from breaking the table: image ids and rule names
// are the cloud's and the policy's, not ours.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "\r", " ", "<", "&lt;", ">", "&gt;").Replace(s)
}
