package httpapi

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Role is what a token may do (http.md).
type Role string

// The roles of http.md.
const (
	RoleAnalyst Role = "analyst" // uploads exports, sees snapshots, makes and fetches any report
	RoleDonor   Role = "donor"   // makes and fetches donor reports, reads the catalogue
)

// ParseRole returns the role named by s.
func ParseRole(s string) (Role, bool) {
	switch r := Role(s); r {
	case RoleAnalyst, RoleDonor:
		return r, true
	}
	return "", false
}

// Errors of the token file.
var (
	// ErrDuplicateName is returned by CreateToken for a name already in use.
	ErrDuplicateName = errors.New("token name already in use")
	// ErrUnknownName is returned by RevokeToken for a name not in the file.
	ErrUnknownName = errors.New("no token of that name")
	// ErrBadName is returned for a token name outside [A-Za-z0-9._@-]{1,64}.
	ErrBadName = errors.New("bad token name")
)

// tokenPrefix marks rrstat tokens, so that secret scanners and people
// recognise one that was pasted where it should not be.
const tokenPrefix = "rrs_"

var reName = regexp.MustCompile(`^[A-Za-z0-9._@-]{1,64}$`)

// TokenEntry is one token of the token file: never the token itself, only
// the SHA-256 of it.
type TokenEntry struct {
	Name      string    `json:"name"`
	Role      Role      `json:"role"`
	SHA256    string    `json:"sha256"`
	CreatedAt time.Time `json:"created_at"`
}

type tokenFile struct {
	Tokens []TokenEntry `json:"tokens"`
}

// ReadTokens reads the token file at path; a missing file holds no token.
func ReadTokens(path string) ([]TokenEntry, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return []TokenEntry{}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read token file: %w", err)
	}
	var f tokenFile
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("token file %s is damaged: %w", path, err)
	}
	for i, t := range f.Tokens {
		if _, ok := ParseRole(string(t.Role)); !ok || !reName.MatchString(t.Name) || len(t.SHA256) != 64 {
			return nil, fmt.Errorf("token file %s is damaged: entry %d is not a token", path, i+1)
		}
		if _, err := hex.DecodeString(t.SHA256); err != nil {
			return nil, fmt.Errorf("token file %s is damaged: entry %d is not a token", path, i+1)
		}
	}
	if f.Tokens == nil {
		f.Tokens = []TokenEntry{}
	}
	return f.Tokens, nil
}

// CreateToken makes a new random token for name with role, records its
// SHA-256 in the token file at path (created with mode 0600 when absent,
// rewritten atomically) and returns the token, which is stored nowhere. It
// returns an error wrapping ErrBadName or ErrDuplicateName when the name is
// not acceptable.
func CreateToken(path string, role Role, name string, now time.Time) (string, error) {
	if _, ok := ParseRole(string(role)); !ok {
		return "", fmt.Errorf("role must be analyst or donor, not %q", role)
	}
	if !reName.MatchString(name) {
		return "", fmt.Errorf("%w %q: use 1 to 64 letters, digits, '.', '_', '@' or '-'", ErrBadName, name)
	}
	unlock, err := lockTokens(path)
	if err != nil {
		return "", err
	}
	defer unlock()
	toks, err := ReadTokens(path)
	if err != nil {
		return "", err
	}
	for _, t := range toks {
		if t.Name == name {
			return "", fmt.Errorf("%w: %q; revoke it first or choose another name", ErrDuplicateName, name)
		}
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", err
	}
	token := tokenPrefix + base64.RawURLEncoding.EncodeToString(raw[:])
	toks = append(toks, TokenEntry{Name: name, Role: role, SHA256: hashToken(token), CreatedAt: now.UTC().Truncate(time.Second)})
	if err := writeTokens(path, toks); err != nil {
		return "", err
	}
	return token, nil
}

// RevokeToken removes the token called name from the token file at path.
// It returns an error wrapping ErrUnknownName when there is none.
func RevokeToken(path, name string) error {
	unlock, err := lockTokens(path)
	if err != nil {
		return err
	}
	defer unlock()
	toks, err := ReadTokens(path)
	if err != nil {
		return err
	}
	kept := toks[:0:0]
	for _, t := range toks {
		if t.Name != name {
			kept = append(kept, t)
		}
	}
	if len(kept) == len(toks) {
		return fmt.Errorf("%w %q in %s", ErrUnknownName, name, path)
	}
	return writeTokens(path, kept)
}

// lockTokens takes an exclusive lock for a change of the token file at
// path, waiting for another process's change to end (8 token creates at
// once keep 8 tokens). The lock is held on the file's folder (flock), which
// holds no lock file of its own that could be left behind.
func lockTokens(path string) (func(), error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("token file folder: %w", err)
	}
	d, err := os.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("lock token file: %w", err)
	}
	for {
		err = unix.Flock(int(d.Fd()), unix.LOCK_EX)
		if !errors.Is(err, unix.EINTR) {
			break
		}
	}
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("lock token file: %w", err)
	}
	return func() {
		unix.Flock(int(d.Fd()), unix.LOCK_UN)
		d.Close()
	}, nil
}

// writeTokens replaces the token file atomically: a private temporary file
// in the same folder, synced, then renamed over the old one.
func writeTokens(path string, toks []TokenEntry) (err error) {
	sort.SliceStable(toks, func(i, j int) bool { return toks[i].Name < toks[j].Name })
	b, err := json.MarshalIndent(tokenFile{Tokens: toks}, "", "  ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("token file folder: %w", err)
	}
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-")
	if err != nil {
		return fmt.Errorf("write token file: %w", err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := f.Chmod(0o600); err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write token file: %w", err)
	}
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// Identity is who a request comes from.
type Identity struct {
	Name string
	Role Role
}

// Tokens checks bearer tokens against a token file. It notices when the
// file changes (a token created or revoked while the service runs) and
// re-reads it; when the file cannot be read or is damaged it accepts no
// token at all.
type Tokens struct {
	path string

	mu      sync.Mutex
	stat    os.FileInfo
	entries []TokenEntry
	hashes  [][]byte
	loadErr error
}

// OpenTokens returns the checker of the token file at path (which may not
// exist yet) and the number of tokens it holds now.
func OpenTokens(path string) (*Tokens, int, error) {
	t := &Tokens{path: path}
	t.mu.Lock()
	defer t.mu.Unlock()
	t.refresh()
	return t, len(t.entries), t.loadErr
}

// refresh re-reads the file when it changed since the last read; t.mu is held.
func (t *Tokens) refresh() {
	st, err := os.Stat(t.path)
	if err != nil {
		st = nil
	}
	if t.stat != nil && st != nil && os.SameFile(t.stat, st) && t.stat.ModTime().Equal(st.ModTime()) && t.stat.Size() == st.Size() && t.loadErr == nil {
		return
	}
	if t.stat == nil && st == nil && t.entries != nil {
		return
	}
	t.stat = st
	entries, err := ReadTokens(t.path)
	t.loadErr = err
	if err != nil {
		entries = []TokenEntry{}
	}
	t.entries = entries
	t.hashes = make([][]byte, len(entries))
	for i, e := range entries {
		t.hashes[i], _ = hex.DecodeString(e.SHA256)
	}
}

// Lookup returns the identity of token, comparing its hash with every
// stored hash in constant time. It returns false for an unknown token.
func (t *Tokens) Lookup(token string) (Identity, bool, error) {
	sum := sha256.Sum256([]byte(token))
	t.mu.Lock()
	t.refresh()
	entries, hashes, err := t.entries, t.hashes, t.loadErr
	t.mu.Unlock()
	found := -1
	for i, h := range hashes {
		// No early exit: the time taken does not depend on which entry matches.
		if subtle.ConstantTimeCompare(sum[:], h) == 1 {
			found = i
		}
	}
	if found < 0 {
		return Identity{}, false, err
	}
	return Identity{Name: entries[found].Name, Role: entries[found].Role}, true, err
}
