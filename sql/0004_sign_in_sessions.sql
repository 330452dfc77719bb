-- Backend: both (SpatiaLite and PostGIS). Sign-in sessions, user bookkeeping, and indexes for
-- reviewing the audit log and for counting failed sign-ins of a name (hotspots/db/users.py).
-- A session is known to the browser only as a random token signed with the cookie secret;
-- the database keeps the token's SHA-256, so a copy of this table cannot be replayed.
ALTER TABLE app_user ADD COLUMN last_sign_in_at TIMESTAMP;
ALTER TABLE app_user ADD COLUMN password_changed_at TIMESTAMP;

CREATE TABLE app_session (
    id @PK@,
    token_hash TEXT NOT NULL UNIQUE,
    username TEXT NOT NULL REFERENCES app_user (username),
    purpose TEXT,
    started_at TIMESTAMP NOT NULL,
    last_seen TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    end_reason TEXT
);
CREATE INDEX app_session_username ON app_session (username, ended_at);

CREATE INDEX audit_log_username ON audit_log (username, at);
CREATE INDEX audit_log_action ON audit_log (action, at);
