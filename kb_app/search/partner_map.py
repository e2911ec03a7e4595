"""A small hand-drawn map of the partner countries: rough outlines projected to SVG paths, shaded by live counts."""
from __future__ import annotations

import math
from dataclasses import dataclass

# Rough outlines as (longitude, latitude) points, drawn by hand from well-known coastal and border places;
# good enough to recognise the countries, far too coarse for anything else.
OUTLINES: dict[str, list[list[tuple[float, float]]]] = {
    "IT": [
        [(7.0, 45.9), (8.4, 46.3), (9.3, 46.5), (10.1, 46.6), (10.5, 46.9), (12.1, 47.0), (13.7, 46.5),
         (13.6, 45.8), (13.7, 45.6), (12.3, 45.4), (12.3, 44.5), (13.5, 43.6), (14.2, 42.4), (15.2, 41.9),
         (16.1, 41.9), (15.9, 41.6), (16.9, 41.1), (18.5, 40.1), (18.3, 39.8), (17.0, 40.5), (16.5, 39.7),
         (17.1, 39.0), (16.5, 38.4), (15.7, 37.9), (15.6, 38.3), (16.0, 39.0), (15.6, 40.0), (14.9, 40.3),
         (14.8, 40.6), (14.2, 40.8), (13.0, 41.2), (12.3, 41.7), (11.1, 42.4), (10.5, 43.0), (10.3, 43.5),
         (10.2, 43.9), (9.8, 44.1), (8.9, 44.4), (8.2, 43.9), (7.5, 43.8), (7.7, 44.1), (6.9, 44.4),
         (7.0, 45.0), (6.6, 45.1)],
        [(12.4, 37.8), (13.3, 38.2), (14.3, 38.0), (15.6, 38.3), (15.1, 37.5), (15.1, 36.7), (14.3, 37.0),
         (12.6, 37.6)],
        [(9.2, 41.3), (9.8, 40.9), (9.7, 40.0), (9.6, 39.2), (9.1, 39.2), (8.4, 38.9), (8.5, 39.9),
         (8.4, 40.6), (8.2, 40.9)],
    ],
    "ES": [
        [(-1.8, 43.4), (-3.8, 43.5), (-5.8, 43.6), (-7.7, 43.75), (-8.3, 43.4), (-9.3, 43.0), (-8.9, 42.1),
         (-8.2, 42.1), (-6.9, 41.9), (-6.2, 41.6), (-6.9, 41.0), (-6.9, 40.3), (-7.0, 39.7), (-7.5, 39.6),
         (-7.0, 38.9), (-7.3, 38.4), (-7.0, 38.0), (-7.4, 37.2), (-6.4, 36.8), (-6.3, 36.5), (-5.6, 36.0),
         (-4.4, 36.7), (-2.1, 36.7), (-0.8, 37.6), (-0.5, 38.3), (0.2, 38.8), (-0.3, 39.5), (0.9, 40.7),
         (2.2, 41.4), (3.2, 42.0), (3.2, 42.4), (1.7, 42.5), (0.7, 42.8), (-0.8, 42.9)],
        [(2.4, 39.6), (3.1, 39.9), (3.4, 39.7), (3.0, 39.3), (2.5, 39.5)],
    ],
    "DE": [
        [(7.0, 53.3), (8.0, 53.6), (8.6, 53.9), (8.9, 54.3), (8.6, 54.9), (9.9, 54.8), (10.2, 54.4),
         (11.1, 54.4), (10.9, 53.95), (11.5, 54.0), (12.1, 54.2), (13.0, 54.4), (13.4, 54.6), (14.2, 53.9),
         (14.4, 53.3), (14.6, 52.6), (14.7, 52.0), (15.0, 51.1), (14.3, 51.0), (13.0, 50.5), (12.1, 50.3),
         (12.5, 49.8), (13.0, 49.3), (13.8, 48.8), (13.0, 48.3), (13.0, 47.5), (12.2, 47.7), (11.0, 47.4),
         (10.2, 47.3), (9.6, 47.5), (8.6, 47.7), (7.6, 47.6), (7.8, 48.5), (8.2, 49.0), (6.4, 49.2),
         (6.4, 49.8), (6.1, 50.2), (6.0, 50.8), (5.9, 51.0), (6.2, 51.4), (5.95, 51.8), (6.8, 51.95),
         (7.0, 52.4), (7.2, 53.0)],
    ],
    "BE": [
        [(2.55, 51.1), (3.4, 51.35), (3.9, 51.2), (4.4, 51.35), (4.8, 51.45), (5.1, 51.3), (5.8, 51.15),
         (5.7, 50.75), (6.0, 50.75), (6.4, 50.35), (6.1, 50.1), (5.8, 50.1), (5.8, 49.55), (5.4, 49.5),
         (4.85, 49.8), (4.85, 50.15), (4.1, 50.3), (3.7, 50.4), (3.1, 50.8)],
    ],
    "FR": [
        [(2.55, 51.1), (1.6, 50.9), (1.6, 50.2), (0.2, 49.7), (-1.3, 49.7), (-1.9, 49.7), (-1.6, 48.6),
         (-3.0, 48.8), (-4.7, 48.4), (-4.3, 47.8), (-2.5, 47.3), (-1.2, 46.2), (-1.2, 45.5), (-1.3, 44.5),
         (-1.5, 43.5), (-1.8, 43.4), (-0.8, 42.9), (0.7, 42.8), (1.7, 42.5), (3.2, 42.4), (3.0, 43.2),
         (4.0, 43.5), (4.8, 43.4), (5.4, 43.3), (6.6, 43.1), (7.5, 43.8), (7.7, 44.1), (6.9, 44.4),
         (7.0, 45.0), (6.6, 45.1), (7.0, 45.9), (6.1, 46.2), (6.5, 46.9), (7.0, 47.4), (7.6, 47.6),
         (7.8, 48.5), (8.2, 49.0), (6.4, 49.2), (5.8, 49.55), (5.4, 49.5), (4.85, 49.8), (4.85, 50.15),
         (4.1, 50.3), (3.7, 50.4), (3.1, 50.8)],
    ],
    "PT": [
        [(-8.9, 42.1), (-8.8, 41.2), (-9.0, 40.0), (-9.5, 39.4), (-9.5, 38.8), (-8.9, 38.5), (-8.8, 37.9),
         (-9.0, 37.0), (-7.4, 37.2), (-7.0, 38.0), (-7.3, 38.4), (-7.0, 38.9), (-7.5, 39.6), (-7.0, 39.7),
         (-6.9, 40.3), (-6.9, 41.0), (-6.2, 41.6), (-6.9, 41.9), (-8.2, 42.1)],
    ],
}
PARTNER_COUNTRIES = ("IT", "BE", "ES", "DE")
# Where each country's count bubble sits (longitude, latitude), away from narrow necks of land.
LABEL_AT = {"IT": (12.6, 42.9), "ES": (-3.7, 40.2), "DE": (10.2, 51.2), "BE": (3.0, 51.75),
            "FR": (2.4, 46.8), "PT": (-8.1, 39.6)}

# Countries too small to hold their bubble get it offshore, with a line to this point inside them.
LEADER_TO = {"BE": (4.6, 50.65)}

WEST, EAST, NORTH, SOUTH = -10.0, 19.0, 55.3, 35.7
SCALE = 22.0
_COS = math.cos(math.radians((NORTH + SOUTH) / 2))


def project(lon: float, lat: float) -> tuple[float, float]:
    """Equirectangular projection around the map's middle latitude, in SVG user units."""
    return round((lon - WEST) * _COS * SCALE, 1), round((NORTH - lat) * SCALE, 1)


WIDTH, HEIGHT = project(EAST, SOUTH)


def _path(rings: list[list[tuple[float, float]]]) -> str:
    parts = []
    for ring in rings:
        points = [project(lon, lat) for lon, lat in ring]
        parts.append("M" + " L".join(f"{x},{y}" for x, y in points) + " Z")
    return " ".join(parts)


PATHS = {code: _path(rings) for code, rings in OUTLINES.items()}


@dataclass
class MapCountry:
    code: str
    path: str
    count: int
    shade: int  # 0 = no records, 1..4 = light to dark
    partner: bool
    label_x: float
    label_y: float
    leader: tuple[float, float] | None = None


def country_map(counts: dict[str, int]) -> list[MapCountry]:
    """Every drawn country with its count and a shade from 0 (none) to 4 (the most records)."""
    top = max((counts.get(code, 0) for code in OUTLINES), default=0)
    out = []
    for code, path in PATHS.items():
        n = counts.get(code, 0)
        shade = 0 if n == 0 or top == 0 else min(4, 1 + int(3 * n / top + 0.5))
        x, y = project(*LABEL_AT[code])
        leader = project(*LEADER_TO[code]) if code in LEADER_TO else None
        out.append(MapCountry(code=code, path=path, count=n, shade=shade, partner=code in PARTNER_COUNTRIES,
                              label_x=x, label_y=y, leader=leader))
    return out
