package publish

import (
	"rrstat/internal/indicator"
	"rrstat/internal/release"
)

// WithoutSeriesProtection switches rule 9 off until the returned function
// is called: a test shows what it prevents.
func WithoutSeriesProtection() (restore func()) {
	protect = func(indicator.Catalogue, []*release.Release, *release.Release) *release.Protection {
		return &release.Protection{}
	}
	return func() { protect = release.Protect }
}

// AtStage makes a donor report call f at each of its stages ("recorded":
// its release is recorded pending, the folder not yet in place;
// "swapped": the folder is in place, the release still pending).
func AtStage(f func(string)) { stage = f }
