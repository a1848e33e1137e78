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
