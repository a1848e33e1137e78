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
