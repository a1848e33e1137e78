//go:build !unix

package duckdb

import "time"

// cpuTime is not measured here: RRSTAT_TRACE shows wall times only.
func cpuTime() time.Duration { return 0 }
