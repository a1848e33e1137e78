package layout

import (
	"strings"

	"rrstat/internal/cell"
	"rrstat/internal/export"
	"rrstat/internal/indicator"
)

// The labels below are what the workbook and the dashboard show for the
// canonical codes of indicators.csv. Categories that come from the data
// (regions, countries returned from) are shown as they are, apart from a few
// well-known country codes.

var dimensionLabels = map[string]string{
	cell.TotalDimension: "Total",
	"sex":               "Sex",
	"age_group":         "Age group (years)",
	"return_from":       "Returned from",
	"region":            "Region",
	"service_type":      "Service type",
	"need_type":         "Need type",
	"provider_type":     "Provider type",
	"closure_reason":    "Closure reason",
}

// DimensionLabel returns the heading of a disaggregation ("Age group
// (years)" for age_group). An unknown dimension is returned as it is.
func DimensionLabel(dim string) string {
	if l, ok := dimensionLabels[dim]; ok {
		return l
	}
	return dim
}

var sexLabels = map[string]string{"F": "Female", "M": "Male"}

// countryNames are the ISO 3166-1 alpha-2 codes the programmes report on
// and return from. Other codes are shown as codes.
var countryNames = map[string]string{
	cell.AllCountries: "All countries",
	"AF":              "Afghanistan",
	"IQ":              "Iraq",
	"KG":              "Kyrgyzstan",
	"KZ":              "Kazakhstan",
	"SY":              "Syria",
	"TJ":              "Tajikistan",
	"TM":              "Turkmenistan",
	"TR":              "Türkiye",
	"UZ":              "Uzbekistan",
}

// CountryLabel returns the name of a reporting country code ("Kazakhstan"
// for KZ, "All countries" for ALL), or the code itself when it is not known.
func CountryLabel(code string) string {
	if n, ok := countryNames[code]; ok {
		return n
	}
	return code
}

// CategoryLabel returns the label of a category of dimension dim: "Female"
// for sex F, "Family reunification" for service_type family_reunification,
// "Not recorded" for the unknown region. Categories that come from the data
// are returned unchanged (they may hold anything: callers escape them).
func CategoryLabel(dim, cat string) string {
	switch dim {
	case cell.TotalDimension:
		return "Total"
	case "sex":
		if l, ok := sexLabels[cat]; ok {
			return l
		}
	case "age_group":
		return cat
	case "return_from":
		if n, ok := countryNames[cat]; ok && cat != cell.AllCountries {
			return n
		}
	case "region":
		if cat == export.UnknownRegion {
			return "Not recorded"
		}
	default:
		if d, ok := indicator.KnownDimensions[dim]; ok && !d.Open() {
			return codeLabel(cat)
		}
	}
	return cat
}

// codeWords are codes that do not read well with only the first letter
// upper-cased.
var codeWords = map[string]string{"ngo": "NGO"}

// codeLabel turns a code-list code into words: "lost_contact" -> "Lost contact".
func codeLabel(code string) string {
	if w, ok := codeWords[code]; ok {
		return w
	}
	s := strings.ReplaceAll(code, "_", " ")
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
