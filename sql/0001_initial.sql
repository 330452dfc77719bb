-- Backend: both (SpatiaLite and PostGIS). The initial schema.
-- @PK@ and @GEOMETRY(table, column, TYPE)@ are expanded by hotspots/db/migrate.py.
-- Points are stored in EPSG:4326 (with lon/lat beside them, so frames load without parsing
-- geometry); distances are computed in British National Grid by the analysis code.
-- Direct identifiers never enter this database: no names, dates of birth, phone numbers,
-- e-mail addresses, full addresses or postcodes of young people, NHS or police references.

CREATE TABLE app_user (
    id @PK@,
    username TEXT NOT NULL UNIQUE,
    password_hash TEXT,
    role TEXT NOT NULL CHECK (role IN ('analyst', 'licensing', 'lscb', 'admin')),
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    failed_attempts INTEGER NOT NULL DEFAULT 0,
    locked_until TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE import_batch (
    id @PK@,
    kind TEXT NOT NULL,
    file_name TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    layer_name TEXT,
    rows_read INTEGER NOT NULL DEFAULT 0,
    accepted INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0,
    duplicate INTEGER NOT NULL DEFAULT 0,
    username TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    undone_at TIMESTAMP
);
CREATE INDEX import_batch_sha256 ON import_batch (sha256);

CREATE TABLE young_person (
    id @PK@,
    pseudonym TEXT NOT NULL UNIQUE,
    birth_year INTEGER,
    age_band TEXT,
    gender TEXT,
    ethnicity TEXT,
    needs_flags TEXT NOT NULL DEFAULT '',
    home_area_code TEXT,
    screening_score INTEGER,
    risk_level TEXT CHECK (risk_level IS NULL OR risk_level IN ('low', 'medium', 'high')),
    grooming_models TEXT NOT NULL DEFAULT '',
    mfh_count INTEGER NOT NULL DEFAULT 0,
    review_date DATE,
    batch_id INTEGER REFERENCES import_batch (id),
    created_at TIMESTAMP NOT NULL
);

CREATE TABLE premises (
    id @PK@,
    premises_ref TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    category TEXT NOT NULL,
    licence_ref TEXT,
    lon DOUBLE PRECISION NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    batch_id INTEGER REFERENCES import_batch (id)
);
@GEOMETRY(premises, geom, POINT)@;

CREATE TABLE sighting (
    id @PK@,
    source_ref TEXT NOT NULL UNIQUE,
    seen_at TIMESTAMP NOT NULL,
    lon DOUBLE PRECISION NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    precision TEXT NOT NULL CHECK (precision IN ('exact', 'street', 'area')),
    grooming_models TEXT NOT NULL DEFAULT '',
    indicators TEXT NOT NULL DEFAULT '',
    premises_id INTEGER REFERENCES premises (id),
    vehicle_token TEXT,
    source_agency TEXT NOT NULL,
    source_evaluation TEXT,
    intelligence_assessment TEXT,
    handling_code TEXT,
    note TEXT,
    area_code TEXT,
    review_date DATE,
    batch_id INTEGER REFERENCES import_batch (id)
);
@GEOMETRY(sighting, geom, POINT)@;
CREATE INDEX sighting_seen_at ON sighting (seen_at);
CREATE INDEX sighting_batch ON sighting (batch_id);

CREATE TABLE sighting_person (
    sighting_id INTEGER NOT NULL REFERENCES sighting (id) ON DELETE CASCADE,
    person_id INTEGER NOT NULL REFERENCES young_person (id) ON DELETE CASCADE,
    PRIMARY KEY (sighting_id, person_id)
);
CREATE INDEX sighting_person_person ON sighting_person (person_id);

CREATE TABLE area (
    id @PK@,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    batch_id INTEGER REFERENCES import_batch (id),
    UNIQUE (kind, code)
);
@GEOMETRY(area, geom, MULTIPOLYGON)@;

-- Point layers imported for context (e.g. police.uk recorded crime), analysable like sightings.
CREATE TABLE context_point (
    id @PK@,
    layer_name TEXT NOT NULL,
    source_ref TEXT,
    seen_at TIMESTAMP NOT NULL,
    category TEXT,
    area_code TEXT,
    lon DOUBLE PRECISION NOT NULL,
    lat DOUBLE PRECISION NOT NULL,
    batch_id INTEGER REFERENCES import_batch (id)
);
@GEOMETRY(context_point, geom, POINT)@;
CREATE INDEX context_point_layer ON context_point (layer_name, seen_at);

-- A hotspot run keeps its parameters and the data version, so a map shown at a meeting
-- can be reproduced later.
CREATE TABLE hotspot_run (
    id @PK@,
    created_at TIMESTAMP NOT NULL,
    username TEXT NOT NULL,
    method TEXT NOT NULL,
    layer_name TEXT NOT NULL,
    parameters TEXT NOT NULL,
    period_start DATE,
    period_end DATE,
    data_version INTEGER NOT NULL,
    note TEXT
);

CREATE TABLE hotspot (
    id @PK@,
    run_id INTEGER NOT NULL REFERENCES hotspot_run (id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    rank INTEGER,
    sightings INTEGER NOT NULL,
    distinct_people INTEGER NOT NULL,
    statistics TEXT NOT NULL
);
@GEOMETRY(hotspot, geom, MULTIPOLYGON)@;

CREATE TABLE disruption (
    id @PK@,
    action_type TEXT NOT NULL,
    hotspot_name TEXT,
    premises_id INTEGER REFERENCES premises (id),
    start_date DATE NOT NULL,
    end_date DATE,
    agency TEXT NOT NULL,
    notes TEXT,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
@GEOMETRY(disruption, geom, MULTIPOLYGON)@;

-- Append-only by rule (the application never updates or deletes it); 0002 enforces it.
CREATE TABLE audit_log (
    id @PK@,
    at TIMESTAMP NOT NULL,
    username TEXT NOT NULL,
    role TEXT,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    detail TEXT,
    purpose TEXT
);
CREATE INDEX audit_log_at ON audit_log (at);

-- One row: bumped by every write, so caches key on it and see new data at once.
CREATE TABLE data_version (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    version INTEGER NOT NULL
);
INSERT INTO data_version (id, version) VALUES (1, 0);
