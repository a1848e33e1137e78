package charts

import (
	"encoding/json"
	"fmt"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/components"
	"github.com/go-echarts/go-echarts/v2/opts"

	"rrstat/internal/view"
)

// plot is what one ECharts option draws: series of a view chart over
// category labels, one point of each series per label.
type plot struct {
	kind   string // bar (horizontal), column, line
	labels []string
	series []view.Series
	axis   view.Axis
	legend bool
}

// countryPlot is a breakdown for the country of series i: the categories
// that occur in that country, each labelled with its point's mark.
func countryPlot(ch *view.Chart, i int) plot {
	s := ch.Series[i]
	one := view.Series{Name: s.Name, Colour: s.Colour, Dashed: s.Dashed}
	var labels []string
	for _, pt := range s.Points {
		if pt.Mark == view.Absent {
			continue
		}
		one.Points = append(one.Points, pt)
		labels = append(labels, pt.Label)
	}
	return plot{kind: ch.Kind, labels: labels, series: []view.Series{one}, axis: ch.Axis}
}

// wholePlot draws the given series of a chart over all its categories,
// labelled with the marks of the chart.
func wholePlot(ch *view.Chart, series []view.Series) plot {
	return plot{kind: ch.Kind, labels: ch.Labels, series: series, axis: ch.Axis, legend: len(series) > 1}
}

// The colours of the page's ink (as dashboard.css).
const (
	ink   = "#1F2937"
	muted = "#4B5563"
	rule  = "#E5E7EB"
)

// draw builds the option of a plot with go-echarts and the texts of its
// points. A point without a number is "-" in the option (a gap, never a
// zero) and its mark in the texts.
func (d *dashboard) draw(p plot) (drawing, error) {
	c := newOption(p)
	c.Validate()
	raw, err := json.Marshal(c.(interface{ JSON() map[string]any }).JSON())
	if err != nil {
		return drawing{}, err
	}
	raw, err = finish(raw, p)
	if err != nil {
		return drawing{}, err
	}
	d.echarts = append(d.echarts, c)
	dr := drawing{Option: raw, Texts: [][]string{}}
	numbers, drawn, suppressed := 0, 0, 0
	for _, s := range p.series {
		texts := []string{}
		for _, pt := range s.Points {
			texts = append(texts, pt.Text)
			if s.Dashed {
				continue
			}
			drawn++
			switch {
			case pt.HasNumber():
				numbers++
			case pt.Mark == view.Suppressed:
				suppressed++
			}
		}
		dr.Texts = append(dr.Texts, texts)
	}
	w := d.View.Words
	switch {
	case len(p.labels) == 0:
		dr.Empty = w.NoCategories
	case numbers > 0:
	case suppressed == drawn:
		dr.Empty = w.AllSuppressed
	default:
		dr.Empty = w.NoFigures
	}
	return dr, nil
}

// value is a point as ECharts draws it: its number, or "-" for a gap.
func value(pt view.Point) any {
	if pt.HasNumber() {
		return pt.Number
	}
	return "-"
}

// newOption builds the ECharts option of a plot with go-echarts. Labels
// and series names are data: they only ever go into JSON strings.
func newOption(p plot) components.Charter {
	horizontal := p.kind == "bar"
	var colours []string
	for _, s := range p.series {
		colours = append(colours, s.Colour)
	}
	minInterval := 0.0
	if p.axis.Decimals == 0 {
		minInterval = 1
	}
	var vmin, vmax any
	if p.axis.Min != nil {
		vmin = *p.axis.Min
	}
	if p.axis.Max != nil {
		vmax = *p.axis.Max
	}
	valueLabel := &opts.AxisLabel{Color: muted, HideOverlap: opts.Bool(true)}
	catLabel := &opts.AxisLabel{Color: ink, Interval: "0"}
	split := &opts.SplitLine{Show: opts.Bool(true), LineStyle: &opts.LineStyle{Color: rule}}
	grid := opts.Grid{Left: "8", Right: "20", Top: "34", Bottom: "8", ContainLabel: opts.Bool(true)}
	if horizontal {
		grid.Right, grid.Top, grid.Bottom = "44", "8", "30"
	}
	if p.legend {
		grid.Bottom = map[bool]string{false: "34", true: "56"}[horizontal]
	}
	pointer := "line"
	if p.kind != "line" {
		pointer = "shadow"
	}
	global := []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{Theme: "white"}),
		charts.WithAnimation(false),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis", AxisPointer: &opts.AxisPointer{Type: pointer}}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(p.legend), Bottom: "0", TextStyle: &opts.TextStyle{Color: ink}}),
		charts.WithGridOpts(grid),
		charts.WithColorsOpts(opts.Colors(colours)),
	}
	if horizontal {
		global = append(global,
			charts.WithXAxisOpts(opts.XAxis{Type: "value", Name: p.axis.Title, NameLocation: "middle", NameGap: 26,
				Min: vmin, Max: vmax, MinInterval: minInterval, AxisLabel: valueLabel, SplitLine: split}),
			charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true), AxisLabel: catLabel}),
		)
	} else {
		global = append(global,
			charts.WithXAxisOpts(opts.XAxis{Type: "category", AxisLabel: catLabel}),
			charts.WithYAxisOpts(opts.YAxis{Type: "value", Name: p.axis.Title, NameLocation: "end", NameGap: 14,
				Min: vmin, Max: vmax, MinInterval: minInterval, AxisLabel: valueLabel, SplitLine: split}),
		)
	}
	solid := 0
	for _, s := range p.series {
		if !s.Dashed {
			solid++
		}
	}
	if p.kind == "line" {
		c := charts.NewLine()
		c.SetGlobalOptions(global...)
		c.SetXAxis(p.labels)
		for _, s := range p.series {
			var data []opts.LineData
			for _, pt := range s.Points {
				data = append(data, opts.LineData{Value: value(pt)})
			}
			style := opts.LineStyle{Color: s.Colour, Width: 2, Type: "solid"}
			symbol := "circle"
			if s.Dashed {
				style.Type, style.Width, symbol = "dashed", 1.5, "diamond"
			}
			c.AddSeries(s.Name, data,
				charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true), Symbol: symbol, SymbolSize: 7,
					// A target line joins its targets; a line of figures
					// breaks at every point without a number.
					ConnectNulls: opts.Bool(s.Dashed)}),
				charts.WithLineStyleOpts(style),
				charts.WithItemStyleOpts(opts.ItemStyle{Color: s.Colour}),
				charts.WithLabelOpts(opts.Label{Show: opts.Bool(solid == 1 && !s.Dashed), Position: "top", Color: ink, FontSize: 11}),
				charts.WithLabelLayoutOpts(opts.LabelLayout{HideOverlap: opts.Bool(true)}))
		}
		return c
	}
	c := charts.NewBar()
	c.SetGlobalOptions(global...)
	c.SetXAxis(p.labels)
	position := "top"
	if horizontal {
		position = "right"
	}
	size := float32(11)
	if len(p.series) > 1 {
		size = 9
	}
	for _, s := range p.series {
		var data []opts.BarData
		for _, pt := range s.Points {
			bd := opts.BarData{Value: value(pt)}
			if pt.Colour != "" {
				bd.ItemStyle = &opts.ItemStyle{Color: pt.Colour}
			}
			data = append(data, bd)
		}
		c.AddSeries(s.Name, data,
			charts.WithItemStyleOpts(opts.ItemStyle{Color: s.Colour}),
			charts.WithLabelOpts(opts.Label{Show: opts.Bool(true), Position: position, Color: ink, FontSize: size}),
			// A label that would overlap another is left out: the table
			// under the charts has every figure.
			charts.WithLabelLayoutOpts(opts.LabelLayout{HideOverlap: opts.Bool(true)}),
			charts.WithBarChartOpts(opts.BarChart{BarCategoryGap: "30%", BarGap: "8%"}))
	}
	if horizontal {
		c.XYReversal()
	}
	return c
}

// finish adds to an option what go-echarts has no field for: the style of
// the value axis's title, and a tooltip kept inside the chart.
func finish(raw []byte, p plot) ([]byte, error) {
	var o map[string]any
	if err := json.Unmarshal(raw, &o); err != nil {
		return nil, err
	}
	axis := "yAxis"
	style := map[string]any{"color": muted, "fontSize": 12, "align": "left"}
	if p.kind == "bar" {
		axis = "xAxis"
		delete(style, "align")
	}
	list, ok := o[axis].([]any)
	if !ok || len(list) == 0 {
		return nil, fmt.Errorf("option has no %s", axis)
	}
	list[0].(map[string]any)["nameTextStyle"] = style
	if t, ok := o["tooltip"].(map[string]any); ok {
		t["confine"] = true
	}
	return json.Marshal(o)
}
