"""The database: one engine for SpatiaLite or PostGIS, numbered migrations, the only door to SQL."""

from hotspots.db.engine import backend_of, make_engine
from hotspots.db.migrate import migrate, schema_version

__all__ = ["backend_of", "make_engine", "migrate", "schema_version"]
