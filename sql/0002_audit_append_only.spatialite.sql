-- Backend: SpatiaLite. The audit log is append-only: UPDATE and DELETE are refused.
-- (Anyone holding the file can still drop the trigger; the file lives on an encrypted disk,
-- see docs/SECURITY.md.)
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused');
END;
