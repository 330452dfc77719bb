-- Backend: both (SpatiaLite and PostGIS). A sighting's time may be a range (the partner
-- intelligence form's "between ... and ...", or an import's seen_until): seen_at is then the
-- middle of the range (hotspots/ingest/rules.py says why) and both ends are kept here, so an
-- analysis can later spread the range over the hours it covers. NULL for a single moment.
ALTER TABLE sighting ADD COLUMN seen_from TIMESTAMP;
ALTER TABLE sighting ADD COLUMN seen_until TIMESTAMP;
