package charts

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/go-echarts/go-echarts/v2/components"

	"rrstat/internal/view"
)

// dashboard is the view and what the page adds to draw it: the sizes of
// its charts and the JSON block their options travel in.
type dashboard struct {
	*view.View
	Cols   int // columns of the headline cards
	Panels []panel

	data    data                 // the JSON block the script reads
	echarts []components.Charter // every chart, for the page's assets
}

// panel is an indicator's section of the page.
type panel struct {
	*view.Panel
	Total      view.Row    // the row of the table with the indicator's totals
	TrendCards []chartCard // the countries' trend, then ALL's
	ChartCards []chartCard // the breakdowns (following the selected country), the total by country
	// Notes are the notes of its charts, each once.
	Notes []string
	// Trends are the rows of the trend table: the totals of the window,
	// one row per country.
	Trends []view.TrendRow
}

// maxPrintHeight is the tallest a chart is printed, in CSS pixels: the
// height of A4 (297 mm) less the page's margins (25 mm) and a caption.
const maxPrintHeight = 940

// chartCard is where a chart is drawn on the page.
type chartCard struct {
	ID, Title  string
	PerCountry bool // follows the selected country on screen; every country at once in print
	// Height and PrintHeight are the chart's heights on screen and on A4
	// paper, in CSS pixels.
	Height, PrintHeight int
	Wide, PrintWide     bool // spans two columns of the grid
}

// data is the JSON block of the page.
type data struct {
	Countries []string          `json:"countries"` // the names of the selector, ALL first
	Codes     []string          `json:"codes"`     // their codes (a link may name one: #country=KZ)
	Symbols   map[string]string `json:"symbols"`   // what each mark means, for tooltips
	Decimal   string            `json:"decimal"`
	Group     string            `json:"group"`
	Charts    []dataChart       `json:"charts"`
}

// dataChart is one chart of the page: a drawing for each country (a
// breakdown, following the selector) or a single one, and what is drawn
// instead in print.
type dataChart struct {
	ID         string    `json:"id"`
	Indicator  string    `json:"indicator"`
	Dimension  string    `json:"dimension"` // a breakdown, "country" or "period"
	Kind       string    `json:"kind"`      // bar (horizontal), column, line
	Horizontal bool      `json:"horizontal"`
	Countries  []drawing `json:"countries,omitempty"` // one per country of the view (ALL first)
	Chart      *drawing  `json:"chart,omitempty"`
	Print      *drawing  `json:"print,omitempty"` // nil: print Chart
}

// drawing is one ECharts option and the texts its labels and tooltips
// show: the figure of each point as the view writes it, or its mark.
type drawing struct {
	Option json.RawMessage `json:"option"`
	Texts  [][]string      `json:"texts"` // per series, per point
	// Empty says why nothing is drawn when no point has a number.
	Empty string `json:"empty,omitempty"`
}

// build lays out the page of v and builds every chart option.
func build(v *view.View) (*dashboard, error) {
	d := &dashboard{View: v, Cols: cardColumns(len(v.Headline))}
	d.data = data{Symbols: map[string]string{}, Decimal: v.Words.Decimal, Group: v.Words.Group, Charts: []dataChart{}}
	for _, c := range v.Countries {
		d.data.Countries = append(d.data.Countries, c.Name)
		d.data.Codes = append(d.data.Codes, c.Code)
	}
	for _, s := range v.Symbols {
		d.data.Symbols[string(s.Mark)] = s.Meaning
	}
	for i := range v.Panels {
		p, err := d.panel(&v.Panels[i])
		if err != nil {
			return nil, err
		}
		d.Panels = append(d.Panels, p)
	}
	return d, nil
}

// cardColumns lays out n headline cards in even rows where it can.
func cardColumns(n int) int {
	switch {
	case n <= 4:
		return max(n, 1)
	case n == 5 || n == 6 || n == 9:
		return 3
	}
	return 4
}

func (d *dashboard) panel(vp *view.Panel) (panel, error) {
	p := panel{Panel: vp}
	for _, r := range vp.Table.Rows {
		if r.Total {
			p.Total = r
			break
		}
	}
	for _, r := range d.View.Trends {
		if r.Indicator == vp.Indicator {
			p.Trends = append(p.Trends, r)
		}
	}
	note := func(ch *view.Chart) {
		if ch.Note == "" {
			return
		}
		// A chart's note says what its marks mean: a note that another
		// says already (wholly) is drawn once.
		for i, n := range p.Notes {
			switch {
			case strings.Contains(n, ch.Note):
				return
			case strings.Contains(ch.Note, n):
				p.Notes[i] = ch.Note
				return
			}
		}
		p.Notes = append(p.Notes, ch.Note)
	}
	for _, ch := range []*view.Chart{&vp.Trend.Countries, &vp.Trend.All} {
		if len(ch.Series) == 0 {
			continue
		}
		card, err := d.single(vp.Indicator, ch)
		if err != nil {
			return p, err
		}
		p.TrendCards = append(p.TrendCards, card)
		note(ch)
	}
	for i := range vp.Charts {
		ch := &vp.Charts[i]
		var card chartCard
		var err error
		if ch.Dimension == "country" {
			card, err = d.single(vp.Indicator, ch)
		} else {
			card, err = d.breakdown(vp.Indicator, ch)
		}
		if err != nil {
			return p, err
		}
		p.ChartCards = append(p.ChartCards, card)
		note(ch)
	}
	return p, nil
}

// single adds a chart drawn the same for every country: a trend or the
// total by country.
func (d *dashboard) single(id string, ch *view.Chart) (chartCard, error) {
	pl := wholePlot(ch, ch.Series)
	dr, err := d.draw(pl)
	if err != nil {
		return chartCard{}, fmt.Errorf("chart %s: %w", ch.ID, err)
	}
	d.data.Charts = append(d.data.Charts, dataChart{ID: ch.ID, Indicator: id, Dimension: ch.Dimension, Kind: ch.Kind, Horizontal: ch.Kind == "bar", Chart: &dr})
	card := chartCard{ID: ch.ID, Title: ch.Title}
	switch {
	case ch.Kind == "line":
		card.Height, card.PrintHeight = 260, 240
	case ch.Kind == "bar":
		card.Height = max(150, 56+30*len(ch.Categories))
		card.PrintHeight = card.Height
	default:
		card.Height, card.PrintHeight = 260, 210
	}
	return card, nil
}

// breakdown adds a chart of one breakdown: on screen the selected
// country's categories, in print every country at once.
func (d *dashboard) breakdown(id string, ch *view.Chart) (chartCard, error) {
	dc := dataChart{ID: ch.ID, Indicator: id, Dimension: ch.Dimension, Kind: ch.Kind, Horizontal: ch.Kind == "bar"}
	for i := range ch.Series {
		dr, err := d.draw(countryPlot(ch, i))
		if err != nil {
			return chartCard{}, fmt.Errorf("chart %s of %s: %w", ch.ID, ch.Series[i].Name, err)
		}
		dc.Countries = append(dc.Countries, dr)
	}
	all := ch.CountrySeries()
	pr, err := d.draw(wholePlot(ch, all))
	if err != nil {
		return chartCard{}, fmt.Errorf("chart %s: %w", ch.ID, err)
	}
	dc.Print = &pr
	d.data.Charts = append(d.data.Charts, dc)

	n := len(ch.Categories)
	card := chartCard{ID: ch.ID, Title: ch.Title, PerCountry: true}
	if ch.Kind == "bar" {
		card.Height = max(180, 56+26*n)
		// At most a page of A4 (less its margins and the caption): a chart
		// is never split across pages.
		card.PrintHeight = min(maxPrintHeight, max(190, 64+n*(8+8*len(all))))
		card.Wide = n > 6
		card.PrintWide = n*len(all) > 12
	} else {
		card.Height, card.PrintHeight = 260, 210
		card.Wide = n > 8
		card.PrintWide = n*len(all) > 12
	}
	return card, nil
}
