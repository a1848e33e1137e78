package synth

// region is a first-level administrative unit with a sampling weight,
// roughly its population in millions (returnees are drawn in proportion).
type region struct {
	name   string
	weight float64
}

// regions are the first-level administrative units of each country, with
// the spellings the sample exports use.
var regions = map[string][]region{
	// 12 regions, the Republic of Karakalpakstan and Tashkent city.
	"UZ": {
		{"Andijan", 3.3}, {"Bukhara", 2.0}, {"Fergana", 3.9}, {"Jizzakh", 1.5},
		{"Kashkadarya", 3.4}, {"Khorezm", 1.9}, {"Namangan", 2.9}, {"Navoi", 1.0},
		{"Samarkand", 4.1}, {"Surkhandarya", 2.8}, {"Syrdarya", 0.9}, {"Tashkent", 3.0},
		{"Tashkent city", 3.0}, {"Karakalpakstan", 2.0},
	},
	// 17 regions (after the 2022 reform) and the cities of republican
	// significance; weights lean to the west and south, where most of the
	// returnees come from.
	"KZ": {
		{"Abai", 0.4}, {"Akmola", 0.5}, {"Aktobe", 1.8}, {"Almaty", 2.2},
		{"Almaty city", 2.2}, {"Astana", 1.5}, {"Atyrau", 1.2}, {"East Kazakhstan", 0.6},
		{"Jetisu", 0.4}, {"Karaganda", 1.2}, {"Kostanay", 0.5}, {"Kyzylorda", 0.8},
		{"Mangystau", 1.3}, {"North Kazakhstan", 0.3}, {"Pavlodar", 0.5}, {"Shymkent", 1.8},
		{"Turkistan", 2.0}, {"Ulytau", 0.15}, {"West Kazakhstan", 1.0}, {"Zhambyl", 1.5},
	},
	// 7 regions and the cities of Bishkek and Osh; most returnees are from
	// the south.
	"KG": {
		{"Batken", 0.9}, {"Bishkek", 1.2}, {"Chuy", 1.0}, {"Issyk-Kul", 0.4},
		{"Jalal-Abad", 2.2}, {"Naryn", 0.2}, {"Osh", 2.5}, {"Osh city", 0.6}, {"Talas", 0.2},
	},
	// Dushanbe, the regions of Sughd and Khatlon, the Gorno-Badakhshan
	// Autonomous Region and the Districts of Republican Subordination.
	"TJ": {
		{"Dushanbe", 1.0}, {"Sughd", 2.6}, {"Khatlon", 3.3}, {"GBAO", 0.2},
		{"Districts of Republican Subordination", 2.1},
	},
}

// Shares of households whose region is missing: an empty cell, or the
// literal "unknown" that the contract reads as missing.
const (
	regionEmptyShare   = 0.03
	regionUnknownShare = 0.004
)

// regionPicker samples a region by weight with a cumulative table.
type regionPicker struct {
	names []string
	cum   []float64
}

func newRegionPicker(country string) regionPicker {
	var p regionPicker
	total := 0.0
	for _, r := range regions[country] {
		total += r.weight
	}
	acc := 0.0
	for _, r := range regions[country] {
		acc += r.weight / total
		p.names = append(p.names, r.name)
		p.cum = append(p.cum, acc)
	}
	return p
}

// pick returns the region for a uniform u in [0,1), or "" / "unknown" for
// the missing shares.
func (p regionPicker) pick(u float64) string {
	if u < regionEmptyShare {
		return ""
	}
	if u < regionEmptyShare+regionUnknownShare {
		return "unknown"
	}
	u = (u - regionEmptyShare - regionUnknownShare) / (1 - regionEmptyShare - regionUnknownShare)
	for i, c := range p.cum {
		if u < c {
			return p.names[i]
		}
	}
	return p.names[len(p.names)-1]
}
