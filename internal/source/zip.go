package source

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"rrstat/internal/export"
)

// checkZip refuses an archive with more entries, or more declared unpacked
// bytes, than the limits allow. It reads only the central directory.
func checkZip(zr *zip.Reader, name string, lim Limits) error {
	if lim.MaxEntries > 0 && len(zr.File) > lim.MaxEntries {
		return fmt.Errorf("%w: %s holds %d entries, more than the limit of %d", ErrTooLarge, name, len(zr.File), lim.MaxEntries)
	}
	var total uint64
	for _, f := range zr.File {
		if lim.MaxPartBytes > 0 && f.UncompressedSize64 > uint64(lim.MaxPartBytes) {
			return fmt.Errorf("%w: %s: %s unpacks to more than the limit of %s for one part", ErrTooLarge, name, path.Base(f.Name), SizeText(lim.MaxPartBytes))
		}
		total += f.UncompressedSize64
		if lim.MaxUnpackedBytes > 0 && total > uint64(lim.MaxUnpackedBytes) {
			return fmt.Errorf("%w: %s unpacks to more than the limit of %s", ErrTooLarge, name, SizeText(lim.MaxUnpackedBytes))
		}
	}
	return nil
}

// unzip extracts the table files of a zip export into dir. The files may
// sit at the archive's root or inside one top-level folder (data-contract.md);
// only files named like a table (returnees.csv ...) are extracted, under
// their base names, so no name in the archive can reach outside dir. The
// unpacked size is counted as it is written, whatever the headers claim.
func unzip(src, dir string, lim Limits) error {
	zr, err := zip.OpenReader(src)
	if err != nil {
		return export.Refusef("%s: not a readable zip file: %v", filepath.Base(src), err)
	}
	defer zr.Close()
	if err := checkZip(&zr.Reader, filepath.Base(src), lim); err != nil {
		return err
	}
	byFolder := map[string][]*zip.File{}
	for _, f := range zr.File {
		if f.FileInfo().IsDir() {
			continue
		}
		name := path.Clean(strings.ReplaceAll(f.Name, `\`, "/"))
		parts := strings.Split(name, "/")
		if len(parts) > 2 || strings.HasPrefix(name, "__MACOSX") || strings.HasPrefix(path.Base(name), ".") {
			continue
		}
		base := strings.ToLower(path.Base(name))
		ext := path.Ext(base)
		if export.TableByName(strings.TrimSuffix(base, ext)) == nil || (ext != ".csv" && ext != ".parquet") {
			continue
		}
		folder := ""
		if len(parts) == 2 {
			folder = parts[0]
		}
		byFolder[folder] = append(byFolder[folder], f)
	}
	var chosen []*zip.File
	switch {
	case len(byFolder[""]) > 0:
		chosen = byFolder[""]
	case len(byFolder) == 1:
		for _, fs := range byFolder {
			chosen = fs
		}
	case len(byFolder) > 1:
		var names []string
		for k := range byFolder {
			names = append(names, k)
		}
		sort.Strings(names)
		return export.Refusef("%s: the tables are in several folders (%s); put one export in a zip, at its root or in one folder", filepath.Base(src), strings.Join(names, ", "))
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	var written int64
	for _, f := range chosen {
		base := path.Base(path.Clean(strings.ReplaceAll(f.Name, `\`, "/")))
		dst := filepath.Join(dir, base)
		if _, err := os.Stat(dst); err == nil {
			return export.Refusef("%s: %s appears twice", filepath.Base(src), base)
		}
		n, err := extract(f, dst, lim, written)
		written += n
		if err != nil {
			if errors.Is(err, ErrTooLarge) {
				return fmt.Errorf("%w: %s unpacks to more than the limit of %s", ErrTooLarge, filepath.Base(src), SizeText(lim.MaxUnpackedBytes))
			}
			return export.Refusef("%s: cannot unpack %s: %v", filepath.Base(src), f.Name, err)
		}
	}
	return nil
}

func extract(f *zip.File, dst string, lim Limits, already int64) (int64, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return 0, err
	}
	var r io.Reader = rc
	if lim.MaxUnpackedBytes > 0 {
		r = io.LimitReader(rc, lim.MaxUnpackedBytes-already+1)
	}
	n, err := io.Copy(out, r)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err == nil && lim.MaxUnpackedBytes > 0 && already+n > lim.MaxUnpackedBytes {
		err = ErrTooLarge
	}
	return n, err
}

// zipRoot returns the folder unzip extracted into.
func zipRoot(dir string) (string, error) {
	if _, err := os.Stat(dir); err != nil {
		return "", errors.New("the zip holds no table files (returnees.csv, needs.csv, services.csv, followups.csv)")
	}
	return dir, nil
}

// SizeText says a size in the largest binary unit that divides it
// ("512 MiB"), for the limits in messages.
func SizeText(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
