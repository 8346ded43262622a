package bench

import (
	"fmt"
	"image/color"
	"path/filepath"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// Figures keeps the results that the charts draw, beside the report's rows.
type Figures struct {
	Efficiency *EfficiencyResult
	Latency    *LatencyResult
	Bulk       []*BulkResult // in the order they ran
}

// Chart file names, written into the directory given to WriteCharts.
const (
	ChartCalls    = "bench-calls-per-image.svg"
	ChartSweep    = "bench-sweep-progress.svg"
	ChartLatency  = "bench-latency.svg"
	chartWidth    = 20 * vg.Centimeter
	chartHeight   = 9 * vg.Centimeter
	maxLinePoints = 400
)

// WriteCharts draws what f holds as SVG files in dir and returns their paths:
// calls per image by strategy against the minimum, the bulk sweeps' progress
// over time, and latency against its floor. A figure whose measurement did
// not run is skipped.
func WriteCharts(f Figures, dir string) ([]string, error) {
	var written []string
	save := func(p *plot.Plot, name string) error {
		path := filepath.Join(dir, name)
		if err := p.Save(chartWidth, chartHeight, path); err != nil {
			return fmt.Errorf("chart %s: %w", name, err)
		}
		written = append(written, path)
		return nil
	}
	if f.Efficiency != nil && len(f.Efficiency.Clean) > 0 {
		p, err := callsChart(f.Efficiency)
		if err != nil {
			return written, err
		}
		if err := save(p, ChartCalls); err != nil {
			return written, err
		}
	}
	if len(f.Bulk) > 0 {
		p, err := sweepChart(f.Bulk)
		if err != nil {
			return written, err
		}
		if err := save(p, ChartSweep); err != nil {
			return written, err
		}
	}
	if f.Latency != nil && len(f.Latency.Strategies) > 0 {
		p, err := latencyChart(f.Latency)
		if err != nil {
			return written, err
		}
		if err := save(p, ChartLatency); err != nil {
			return written, err
		}
	}
	return written, nil
}

// axisName shortens a strategy's name for an axis label.
func axisName(strategy string) string {
	name := strategy
	if i := strings.Index(name, " ("); i > 0 {
		name = name[:i]
	}
	name = strings.Replace(name, "whole list in one call", "whole list", 1)
	return strings.Replace(name, "one call per account", "per account", 1)
}

// shortName is a strategy's axis label, with the emulator's reading of more
// than 10 ids for the whole-list call.
func shortName(s StrategyResult) string {
	name := axisName(s.Strategy)
	if s.Strategy == stratWholeList {
		name += ", " + s.MoreThan10
	}
	return name
}

// callsChart: Modify calls per image for each strategy, the clean workload
// and the one with unknown accounts side by side, and the minimum as a line.
func callsChart(r *EfficiencyResult) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("ModifyImageSharePermission calls per image, %d images", r.images())
	p.Y.Label.Text = "calls per image"
	clean, unknown := plotter.Values{}, plotter.Values{}
	var names []string
	for i, s := range r.Clean {
		names = append(names, shortName(s))
		clean = append(clean, float64(s.Calls)/float64(s.Images))
		if i < len(r.OneUnknown) {
			u := r.OneUnknown[i]
			unknown = append(unknown, float64(u.Calls)/float64(u.Images))
		} else {
			unknown = append(unknown, 0)
		}
	}
	w := vg.Points(14)
	b1, err := plotter.NewBarChart(clean, w)
	if err != nil {
		return nil, err
	}
	b1.Color, b1.Offset = color.RGBA{R: 66, G: 133, B: 244, A: 255}, -w/2
	b2, err := plotter.NewBarChart(unknown, w)
	if err != nil {
		return nil, err
	}
	b2.Color, b2.Offset = color.RGBA{R: 251, G: 188, B: 5, A: 255}, w/2
	minimum := float64(r.Clean[0].Minimum) / float64(r.Clean[0].Images)
	line, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: minimum}, {X: float64(len(names)) - 0.5, Y: minimum}})
	if err != nil {
		return nil, err
	}
	line.Color, line.Dashes = color.RGBA{R: 219, G: 68, B: 55, A: 255}, []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(b1, b2, line)
	p.Legend.Add("all accounts exist", b1)
	p.Legend.Add("1 image in 10 names an unknown account", b2)
	p.Legend.Add(fmt.Sprintf("minimum, ceil(max(adds, removes)/10): %.2f", minimum), line)
	p.Legend.Top, p.Legend.Left = true, true
	p.NominalX(names...)
	p.Y.Min = 0
	return p, nil
}

// sweepChart: the share of the sweep's ECS calls answered over time, one
// line per budget mode.
func sweepChart(runs []*BulkResult) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = "Bulk sweep progress: ECS calls answered over time"
	p.X.Label.Text = "seconds since the timer invocation"
	p.Y.Label.Text = "share of the sweep's calls answered"
	colors := []color.Color{
		color.RGBA{R: 66, G: 133, B: 244, A: 255},
		color.RGBA{R: 219, G: 68, B: 55, A: 255},
		color.RGBA{R: 15, G: 157, B: 88, A: 255},
	}
	for i, r := range runs {
		n := len(r.Progress)
		if n == 0 {
			continue
		}
		step := max(1, n/maxLinePoints)
		xys := plotter.XYs{{X: 0, Y: 0}}
		for j := 0; j < n; j += step {
			xys = append(xys, plotter.XY{X: r.Progress[j].Seconds, Y: float64(r.Progress[j].Done) / float64(n)})
		}
		xys = append(xys, plotter.XY{X: r.Progress[n-1].Seconds, Y: 1})
		l, err := plotter.NewLine(xys)
		if err != nil {
			return nil, err
		}
		l.Color, l.Width = colors[i%len(colors)], vg.Points(1.5)
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("%s: %s", r.Config.Mode(), r.Elapsed.Round(1e8)), l)
	}
	p.Legend.Top, p.Legend.Left = true, true
	p.Y.Min, p.Y.Max, p.X.Min = 0, 1, 0
	return p, nil
}

// latencyChart: each strategy's median time to share one new image, and the
// floor, (minimum calls + 2) × the emulated latency, as a line.
func latencyChart(r *LatencyResult) (*plot.Plot, error) {
	p := plot.New()
	p.Title.Text = fmt.Sprintf("One new image shared with %d accounts, %s per call", r.Config.Accounts, r.Config.PerCall)
	p.Y.Label.Text = "milliseconds (median)"
	strategies := append([]LatencyStrategy(nil), r.Strategies...)
	sort.SliceStable(strategies, func(i, j int) bool {
		return strategies[i].Strategy == stratProduct && strategies[j].Strategy != stratProduct
	})
	vals := plotter.Values{}
	var names []string
	for _, s := range strategies {
		vals = append(vals, float64(s.Median.Microseconds())/1000)
		name := axisName(s.Strategy)
		if s.NotDone > 0 {
			name += fmt.Sprintf(" [%d not shared]", s.NotDone)
		}
		names = append(names, name)
	}
	bars, err := plotter.NewBarChart(vals, vg.Points(24))
	if err != nil {
		return nil, err
	}
	bars.Color = color.RGBA{R: 66, G: 133, B: 244, A: 255}
	floor := float64(r.Bound.Microseconds()) / 1000
	line, err := plotter.NewLine(plotter.XYs{{X: -0.5, Y: floor}, {X: float64(len(vals)) - 0.5, Y: floor}})
	if err != nil {
		return nil, err
	}
	line.Color, line.Dashes = color.RGBA{R: 219, G: 68, B: 55, A: 255}, []vg.Length{vg.Points(4), vg.Points(3)}
	p.Add(bars, line)
	p.Legend.Add(fmt.Sprintf("floor, (%d + 2) × %s = %.0f ms", r.Minimum, r.Config.PerCall, floor), line)
	p.Legend.Top, p.Legend.Left = true, false
	p.NominalX(names...)
	p.Y.Min = 0
	return p, nil
}
