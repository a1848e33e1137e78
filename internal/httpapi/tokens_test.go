package httpapi

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestTokenFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "tokens.json")
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	a, err := CreateToken(path, RoleAnalyst, "alice", now)
	if err != nil {
		t.Fatal(err)
	}
	d, err := CreateToken(path, RoleDonor, "donor@fund.org", now)
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`^rrs_[A-Za-z0-9_-]{43}$`).MatchString(a) || a == d {
		t.Errorf("tokens %q %q", a, d)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("token file mode %v, %v", st.Mode(), err)
	}
	raw, _ := os.ReadFile(path)
	if strings.Contains(string(raw), a) || strings.Contains(string(raw), a[4:]) || strings.Contains(string(raw), d[4:]) {
		t.Error("the token file holds a token")
	}
	if !strings.Contains(string(raw), hashToken(a)) {
		t.Error("the token file lacks the token's SHA-256")
	}
	if _, err := CreateToken(path, RoleDonor, "alice", now); !errors.Is(err, ErrDuplicateName) {
		t.Errorf("duplicate name: %v", err)
	}
	for _, bad := range []string{"", "a b", "../x", strings.Repeat("n", 65), "名前"} {
		if _, err := CreateToken(path, RoleDonor, bad, now); !errors.Is(err, ErrBadName) {
			t.Errorf("name %q: %v", bad, err)
		}
	}
	if _, err := CreateToken(path, "admin", "bob", now); err == nil {
		t.Error("role admin accepted")
	}
	// No temporary file is left beside the token file.
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("folder holds %d entries", len(entries))
	}

	tok, n, err := OpenTokens(path)
	if err != nil || n != 2 {
		t.Fatalf("OpenTokens: %d, %v", n, err)
	}
	check := func(token string, want Identity, wantOK bool) {
		t.Helper()
		id, ok, err := tok.Lookup(token)
		if err != nil || ok != wantOK || id != want {
			t.Errorf("Lookup: %+v %v %v, want %+v %v", id, ok, err, want, wantOK)
		}
	}
	check(a, Identity{"alice", RoleAnalyst}, true)
	check(d, Identity{"donor@fund.org", RoleDonor}, true)
	check(a+"x", Identity{}, false)
	check("", Identity{}, false)
	check(hashToken(a), Identity{}, false) // the stored hash is not a token

	// Revoking takes effect without a restart.
	if err := RevokeToken(path, "alice"); err != nil {
		t.Fatal(err)
	}
	check(a, Identity{}, false)
	check(d, Identity{"donor@fund.org", RoleDonor}, true)
	if err := RevokeToken(path, "alice"); !errors.Is(err, ErrUnknownName) {
		t.Errorf("second revoke: %v", err)
	}
	// So does a new token.
	b, err := CreateToken(path, RoleAnalyst, "bob", now)
	if err != nil {
		t.Fatal(err)
	}
	check(b, Identity{"bob", RoleAnalyst}, true)

	// A damaged file accepts no token at all.
	if err := os.WriteFile(path, []byte(`{"tokens": [{"name": "x"`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := tok.Lookup(d); ok || err == nil {
		t.Errorf("damaged file: ok=%v err=%v", ok, err)
	}
	// A missing file holds none.
	os.Remove(path)
	if _, ok, err := tok.Lookup(d); ok || err != nil {
		t.Errorf("missing file: ok=%v err=%v", ok, err)
	}
}

// TestRevokedTokenRefused revokes a token while the service runs.
func TestRevokedTokenRefused(t *testing.T) {
	s := newService(t, serviceOptions{})
	if r := s.do("GET", "/api/reports", s.donor, nil); r.status != 200 {
		t.Fatalf("before: %d", r.status)
	}
	if err := RevokeToken(s.tokensPath, "donor-1"); err != nil {
		t.Fatal(err)
	}
	if r := s.do("GET", "/api/reports", s.donor, nil); r.status != 401 {
		t.Errorf("after revoking: %d", r.status)
	}
	if r := s.do("GET", "/api/reports", s.analyst, nil); r.status != 200 {
		t.Errorf("other token after revoking: %d", r.status)
	}
}
