package export

// The four tables of an export, in the order of data-contract.md (also the
// order in which their bytes enter the content hash).
const (
	Returnees = "returnees"
	Needs     = "needs"
	Services  = "services"
	Followups = "followups"
)

// TableNames lists the tables in contract order.
var TableNames = []string{Returnees, Needs, Services, Followups}

// Load statuses.
const (
	StatusLoaded    = "loaded"
	StatusUnchanged = "unchanged"
	StatusFailed    = "failed"
	StatusValid     = "valid" // validate: the checks passed, nothing stored
)

// TableCounts are one table's row counts. RowsRead = Loaded + Merged +
// Rejected always holds.
type TableCounts struct {
	RowsRead int64 `json:"rows_read"`
	Loaded   int64 `json:"loaded"`
	Merged   int64 `json:"merged"`
	Rejected int64 `json:"rejected"`
}

// Reject is one rejected row: where it is, the offending value and the
// first rule it broke.
type Reject struct {
	Table  string `json:"table"`
	File   string `json:"file"`
	Line   int64  `json:"line"` // physical line (header = 1), sheet row, or Parquet row + 1
	Column string `json:"column"`
	Value  string `json:"value"`
	Reason string `json:"reason"`
}

// Tables holds the counts of the four tables; it marshals in contract order.
type Tables struct {
	Returnees TableCounts `json:"returnees"`
	Needs     TableCounts `json:"needs"`
	Services  TableCounts `json:"services"`
	Followups TableCounts `json:"followups"`
}

// Get returns a pointer to the counts of the named table, or nil.
func (t *Tables) Get(name string) *TableCounts {
	switch name {
	case Returnees:
		return &t.Returnees
	case Needs:
		return &t.Needs
	case Services:
		return &t.Services
	case Followups:
		return &t.Followups
	}
	return nil
}

// Summary is the result of loading (or validating) one export, as
// `rrstat load --json` prints it (cli.md). It is stored with the snapshot.
type Summary struct {
	Path          string   `json:"path"`
	Country       string   `json:"country"`
	Status        string   `json:"status"`
	SnapshotID    string   `json:"snapshot_id"`
	ContentSHA256 string   `json:"content_sha256"`
	Error         string   `json:"error,omitempty"`
	Tables        Tables   `json:"tables"`
	Rejects       []Reject `json:"rejects"`
	Warnings      []string `json:"warnings"`
}
