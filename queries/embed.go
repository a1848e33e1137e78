// Package queries embeds the indicator catalogue: one SQL file per
// indicator, each with its "-- key: value" header (see internal/indicator).
package queries

import "embed"

// FS holds the *.sql files of this folder.
//
//go:embed *.sql
var FS embed.FS
