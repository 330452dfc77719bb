-- Backend: both (SpatiaLite and PostGIS). Column mappings remembered per source layout.
-- A file's headings (normalised, in any order) give its fingerprint; the mapping last used for
-- that fingerprint and record type is offered for the next file from the same system, so an
-- export is mapped once. Only column names are kept here, never values.
CREATE TABLE import_mapping (
    id @PK@,
    kind TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    headers TEXT NOT NULL,
    mapping TEXT NOT NULL,
    username TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    UNIQUE (kind, fingerprint)
);
