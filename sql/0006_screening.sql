-- Backend: both (SpatiaLite and PostGIS). Risk screenings kept as dated assessments, so a
-- young person's profile shows its risk over time. The agency's case reference is never
-- stored: the pseudonym is an HMAC of it (hotspots/screening.py). Codes are '|'-joined.
CREATE TABLE screening (
    id @PK@,
    person_id INTEGER NOT NULL REFERENCES young_person (id) ON DELETE CASCADE,
    assessed_at TIMESTAMP NOT NULL,
    agency TEXT NOT NULL,
    score INTEGER NOT NULL,
    risk_level TEXT NOT NULL CHECK (risk_level IN ('low', 'medium', 'high')),
    items TEXT NOT NULL DEFAULT '',
    indicators TEXT NOT NULL DEFAULT '',
    grooming_models TEXT NOT NULL DEFAULT '',
    answers TEXT NOT NULL DEFAULT '{}',
    created_by TEXT NOT NULL
);
CREATE INDEX screening_person ON screening (person_id, assessed_at);
