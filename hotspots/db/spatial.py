"""The few spatial SQL expressions that differ between SpatiaLite and PostGIS.

Backend: both; each entry says which. Table and column names here are our own constants,
never user input; values always travel as bound parameters.
"""

from __future__ import annotations

#: A point in EPSG:4326 from two numeric columns or parameters.
POINT_FROM_LONLAT = {
    "spatialite": "MakePoint({lon}, {lat}, 4326)",
    "postgis": "ST_SetSRID(ST_MakePoint({lon}, {lat}), 4326)",
}

#: A geometry from WKT in EPSG:4326 (same name on both backends).
GEOMETRY_FROM_WKT = {
    "spatialite": "ST_GeomFromText({wkt}, 4326)",
    "postgis": "ST_GeomFromText({wkt}, 4326)",
}

#: Geometry as WKB for reading into shapely.
GEOMETRY_AS_WKB = {
    "spatialite": "ST_AsBinary({geom})",
    "postgis": "ST_AsBinary({geom})",
}

#: Rows of `table` whose point lies within a polygon given as WKT, using the spatial index.
#: SpatiaLite's R*Tree is only used through its SpatialIndex virtual table.
POINTS_WITHIN = {
    "spatialite": (
        "SELECT t.id FROM {table} AS t WHERE t.ROWID IN ("
        " SELECT ROWID FROM SpatialIndex WHERE f_table_name = '{table}'"
        " AND search_frame = ST_GeomFromText(:wkt, 4326))"
        " AND ST_Within(t.geom, ST_GeomFromText(:wkt, 4326))"
    ),
    "postgis": (
        "SELECT t.id FROM {table} AS t WHERE ST_Within(t.geom, ST_GeomFromText(:wkt, 4326))"
    ),
}


def point_from_lonlat(backend: str, lon: str = "lon", lat: str = "lat") -> str:
    return POINT_FROM_LONLAT[backend].format(lon=lon, lat=lat)
