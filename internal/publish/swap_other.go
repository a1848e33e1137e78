//go:build !linux

package publish

func swapInto(tmp, out string) error { return swapPortable(tmp, out) }
