"""The deployment's buurten in the database: loaded once per municipality, read by every service."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, sessionmaker

from services.db.models import BuurtRow
from services.geo.model import Buurt


class SqlBuurtStore:
    """The buurten table."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def count(self) -> int:
        with self._sessions() as session:
            return session.scalar(select(func.count()).select_from(BuurtRow)) or 0

    def replace_all(self, buurten: Sequence[Buurt]) -> int:
        """Replace the municipality's buurten (a new CBS year, another municipality); returns the count."""
        with self._sessions.begin() as session:
            session.execute(delete(BuurtRow))
            session.add_all(_row(buurt) for buurt in buurten)
        return len(buurten)

    def load_all(self) -> list[Buurt]:
        with self._sessions() as session:
            rows = session.scalars(select(BuurtRow).order_by(BuurtRow.code)).all()
            return [_buurt(row) for row in rows]


def _row(buurt: Buurt) -> BuurtRow:
    feature = buurt.to_feature()
    properties = feature["properties"]
    return BuurtRow(
        code=buurt.code,
        name=buurt.name,
        wijk_code=buurt.wijk_code,
        wijk_name=buurt.wijk_name,
        stadsdeel_code=buurt.stadsdeel_code,
        stadsdeel_name=buurt.stadsdeel_name,
        centroid_lat=properties["centroid_lat"],
        centroid_lon=properties["centroid_lon"],
        population=buurt.population,
        geometry=feature["geometry"],
    )


def _buurt(row: BuurtRow) -> Buurt:
    return Buurt.from_feature(
        {
            "type": "Feature",
            "properties": {
                "code": row.code,
                "name": row.name,
                "wijk_code": row.wijk_code,
                "wijk_name": row.wijk_name,
                "stadsdeel_code": row.stadsdeel_code,
                "stadsdeel_name": row.stadsdeel_name,
                "centroid_lat": row.centroid_lat,
                "centroid_lon": row.centroid_lon,
                "population": row.population,
            },
            "geometry": row.geometry,
        }
    )
