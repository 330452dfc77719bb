-- Backend: both (SpatiaLite and PostGIS). Disruption actions become editable and evaluable.
-- The area an action covers is the existing `disruption.geom` (MULTIPOLYGON, EPSG:4326): a
-- hotspot outline, a circle around premises, or a circle around a point chosen on the map,
-- stored when the action is recorded so that its evaluation can be repeated later.
-- Allowed values of `status` are checked in hotspots/disruption/actions.py (one rule).
ALTER TABLE disruption ADD COLUMN status TEXT NOT NULL DEFAULT 'planned';
ALTER TABLE disruption ADD COLUMN target_kind TEXT NOT NULL DEFAULT 'area';
ALTER TABLE disruption ADD COLUMN target_label TEXT;
ALTER TABLE disruption ADD COLUMN evaluation_due DATE;
ALTER TABLE disruption ADD COLUMN evaluated_at TIMESTAMP;
ALTER TABLE disruption ADD COLUMN last_verdict TEXT;
ALTER TABLE disruption ADD COLUMN updated_by TEXT;
ALTER TABLE disruption ADD COLUMN updated_at TIMESTAMP;
CREATE INDEX disruption_evaluation_due ON disruption (evaluation_due);
