//go:build linux

package publish

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// swapInto puts the complete folder tmp at out. An existing out is
// exchanged with tmp atomically (renameat2 RENAME_EXCHANGE), so at every
// moment out is either the old complete report or the new one; the old one
// is then removed.
func swapInto(tmp, out string) error {
	err := unix.Renameat2(unix.AT_FDCWD, tmp, unix.AT_FDCWD, out, unix.RENAME_EXCHANGE)
	switch {
	case err == nil:
		return os.RemoveAll(tmp) // tmp now holds the old report
	case errors.Is(err, unix.ENOENT):
		return os.Rename(tmp, out) // no older report
	case errors.Is(err, unix.EINVAL), errors.Is(err, unix.ENOSYS):
		return swapPortable(tmp, out) // a file system without the exchange
	}
	return err
}
