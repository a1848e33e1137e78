package publish

import (
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// swapPortable replaces out by tmp with two renames: the old report is
// moved aside first, so a crash between them leaves it complete under a
// hidden name (removed by the next report to the same folder).
func swapPortable(tmp, out string) error {
	old := filepath.Join(filepath.Dir(out), "."+filepath.Base(out)+".old-"+strconv.FormatInt(time.Now().UnixNano(), 36))
	if err := os.Rename(out, old); err != nil && !os.IsNotExist(err) {
		return err
	}
	if err := os.Rename(tmp, out); err != nil {
		os.Rename(old, out)
		return err
	}
	return os.RemoveAll(old)
}
