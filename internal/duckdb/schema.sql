-- The rrstat store. Every load of a country is a snapshot. The rows of a
-- snapshot live in its own four tables, s<snap>_returnees, s<snap>_needs,
-- s<snap>_services and s<snap>_followups, written by the loader; a snapshot
-- exists, and can be reported on, once its row in snapshots is committed.
-- Within a snapshot a person is identified by pk, a 64-bit hash of the
-- snapshot and person_id whose uniqueness the loader checks.
CREATE TABLE IF NOT EXISTS meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);
CREATE SEQUENCE IF NOT EXISTS snapshot_seq START 1;
CREATE TABLE IF NOT EXISTS snapshots (
    snap BIGINT PRIMARY KEY,
    snapshot_id VARCHAR NOT NULL UNIQUE,
    country VARCHAR NOT NULL,
    loaded_at TIMESTAMP NOT NULL,
    content_sha256 VARCHAR NOT NULL,
    source VARCHAR NOT NULL,
    persons BIGINT NOT NULL,
    rows_loaded BIGINT NOT NULL,
    summary JSON NOT NULL
);
CREATE TABLE IF NOT EXISTS current_snapshots (
    country VARCHAR PRIMARY KEY,
    snap BIGINT NOT NULL
);
CREATE TABLE IF NOT EXISTS rejects (
    snap BIGINT NOT NULL,
    kind VARCHAR NOT NULL, -- rejected | merged
    tbl VARCHAR NOT NULL,
    file VARCHAR NOT NULL,
    line BIGINT NOT NULL,
    col VARCHAR NOT NULL,
    value VARCHAR,
    reason VARCHAR NOT NULL
);
-- The release ledger (disclosure.md rule 6): every donor report, with
-- every cell it published and the figures it hid. A release is 'pending'
-- from just before its report folder is put in place until just after;
-- Ledger settles a pending release by its folder (see releases.go).
CREATE TABLE IF NOT EXISTS releases (
    release_id VARCHAR PRIMARY KEY,
    seq BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    period VARCHAR NOT NULL,
    window_periods INTEGER NOT NULL,
    k INTEGER NOT NULL,
    countries VARCHAR NOT NULL,
    snapshots VARCHAR NOT NULL,
    folder VARCHAR NOT NULL,
    state VARCHAR NOT NULL,
    primary_suppressed INTEGER NOT NULL,
    secondary_suppressed INTEGER NOT NULL,
    series_suppressed INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS release_cells (
    release_id VARCHAR NOT NULL,
    indicator VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    period VARCHAR NOT NULL,
    p0 DATE NOT NULL,
    p1 DATE NOT NULL,
    country VARCHAR NOT NULL,
    dimension VARCHAR NOT NULL,
    category VARCHAR NOT NULL,
    flag VARCHAR NOT NULL,
    numerator BIGINT NOT NULL,
    denominator BIGINT NOT NULL
);
