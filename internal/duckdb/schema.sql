-- The rrstat store. Every load of a country is a snapshot; the data tables
-- hold the rows of every snapshot, keyed by snap. A person is identified by
-- (country, person_id) and within the store by pk = snap * 2^32 + ord.
-- Columns starting with _ are the loader's bookkeeping: _ord is the record
-- number in the source file (its line is kept in the snapshot's summary
-- rules), _reject and _value are set only on rows that are rejected and
-- deleted before the load commits.
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
CREATE TABLE IF NOT EXISTS returnees (
    snap BIGINT NOT NULL,
    pk BIGINT NOT NULL,
    _ord BIGINT NOT NULL,
    person_id VARCHAR,
    household_id VARCHAR,
    country VARCHAR,
    region VARCHAR,
    sex VARCHAR,
    birth_year INTEGER,
    return_date DATE,
    return_from VARCHAR,
    household_role VARCHAR,
    unaccompanied_minor BOOLEAN,
    legal_status VARCHAR,
    case_status VARCHAR,
    case_closed_date DATE,
    closure_reason VARCHAR,
    _reject SMALLINT,
    _value VARCHAR
);
CREATE TABLE IF NOT EXISTS needs (
    snap BIGINT NOT NULL,
    pk BIGINT,
    _ord BIGINT NOT NULL,
    person_id VARCHAR,
    need_type VARCHAR,
    identified_date DATE,
    _reject SMALLINT,
    _value VARCHAR
);
CREATE TABLE IF NOT EXISTS services (
    snap BIGINT NOT NULL,
    pk BIGINT,
    _ord BIGINT NOT NULL,
    service_id VARCHAR,
    person_id VARCHAR,
    service_type VARCHAR,
    service_date DATE,
    provider_type VARCHAR,
    status VARCHAR,
    _reject SMALLINT,
    _value VARCHAR
);
CREATE TABLE IF NOT EXISTS followups (
    snap BIGINT NOT NULL,
    pk BIGINT,
    _ord BIGINT NOT NULL,
    person_id VARCHAR,
    followup_date DATE,
    economic_score DECIMAL(7, 6),
    social_score DECIMAL(7, 6),
    psychosocial_score DECIMAL(7, 6),
    in_education BOOLEAN,
    employed BOOLEAN,
    has_civil_documents BOOLEAN,
    _reject SMALLINT,
    _value VARCHAR
);
