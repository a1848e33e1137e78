package httpapi

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sync"
	"time"
)

// AuditEntry is one line of the audit log. It names who did what and how
// it ended, never the token and never a value from an export: every
// detail is either chosen by the service (ids, canonical labels) or
// checked against a closed pattern before it is written.
type AuditEntry struct {
	Time      time.Time `json:"time"`
	TokenName string    `json:"token_name"` // empty when no known token was given
	Role      Role      `json:"role,omitempty"`
	Action    string    `json:"action"`
	// Outcome is ok, denied (401/403), refused (other 4xx, 429 among them),
	// error (5xx), or started: a request that changes something is
	// recorded before it starts, so that a crash cannot hide a change.
	Outcome string `json:"outcome"`
	Status  int    `json:"status"`
	Remote  string `json:"remote,omitempty"` // the client's IP address
	// Safe details.
	Reason     string   `json:"reason,omitempty"` // a fixed word: no_token, unknown_token, role, too_large, bad_request ...
	ReportID   string   `json:"report_id,omitempty"`
	File       string   `json:"file,omitempty"`
	Period     string   `json:"period,omitempty"`
	Audience   string   `json:"audience,omitempty"`
	K          int      `json:"k,omitempty"`
	Countries  []string `json:"countries,omitempty"`
	Country    string   `json:"country,omitempty"`
	SnapshotID string   `json:"snapshot_id,omitempty"`
	LoadStatus string   `json:"load_status,omitempty"`
	Bytes      int64    `json:"bytes,omitempty"`
	// Count is set on the summary of a flood: that many refused requests
	// from Remote with Status since Since, not logged one by one.
	Count int        `json:"count,omitempty"`
	Since *time.Time `json:"since,omitempty"`
}

// Audit writes audit entries as JSON lines, one write per entry, each
// synced to disk before Write returns.
type Audit struct {
	mu sync.Mutex
	w  io.Writer
	c  io.Closer
}

type syncer interface{ Sync() error }

// OpenAudit opens (appending, creating with mode 0600) the audit log at path.
func OpenAudit(path string) (*Audit, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open audit log: %w", err)
	}
	return &Audit{w: f, c: f}, nil
}

// NewAudit writes the audit log to w (tests, or a log shipper).
func NewAudit(w io.Writer) *Audit { return &Audit{w: w} }

// Write appends one entry.
func (a *Audit) Write(e AuditEntry) error {
	b, err := json.Marshal(e)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	a.mu.Lock()
	defer a.mu.Unlock()
	if _, err = a.w.Write(b); err != nil {
		return err
	}
	if f, ok := a.w.(syncer); ok {
		return f.Sync()
	}
	return nil
}

// Close closes the log file.
func (a *Audit) Close() error {
	if a.c == nil {
		return nil
	}
	return a.c.Close()
}
