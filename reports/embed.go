// Package reports embeds the built-in report layouts (reports/*.yaml): what
// a report shows to whom. queries/ says what is computed; a layout says which
// indicators the workbook and the dashboard show, in which order, with which
// tables and charts (see internal/layout).
package reports

import "embed"

// FS holds the *.yaml layouts of this folder: quarterly.yaml (the default
// report) and donor-summary.yaml (a one-page donor summary), the labels of
// each language (labels/en.yaml, ru.yaml, uz.yaml: see internal/labels).
// targets-example.csv, the example of a --targets file, is not embedded:
// --targets reads the user's own file.
//
//go:embed *.yaml labels/*.yaml
var FS embed.FS

// Default is the name of the layout a report uses unless told otherwise.
const Default = "quarterly.yaml"
