"""What would answer more: which missing data blocks how many places.

Each gap names the table a planner fills to close it (the ``islandcare
template <table>`` command writes that table's template). Counted from an
:class:`~islandcare.analyses.report.AreaReport`; no words here, the maps,
summary and report say them in their language.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from islandcare.analyses.report import AreaReport
from islandcare.analyses.rules import Unreached

__all__ = ["Gap", "data_gaps"]


@dataclass(frozen=True)
class Gap:
    """One kind of missing data and what it blocks.

    Attributes
    ----------
    key
        ``no_point``, ``no_sea_link``, ``no_ambulance_count``,
        ``approximate_facility`` or ``facility_no_point``.
    count
        How many rows of the data are missing it (villages, islands' places,
        townships, facilities).
    blocked
        How many places (villages and township seats) it leaves unknown or
        rests on.
    table
        The table to fill: ``villages``, ``sealinks`` or ``facilities``.
    """

    key: str
    count: int
    blocked: int
    table: str

    @property
    def command(self) -> str:
        """The command that writes the table's template."""
        return f"islandcare template {self.table} -o {self.table}.xlsx"


def data_gaps(rep: AreaReport) -> list[Gap]:
    """Return the data gaps of an area, largest first; only those with a count above zero.

    Parameters
    ----------
    rep
        The area's analysis.

    Returns
    -------
    list of Gap
    """
    pl = rep.places
    fac = rep.area.layers["facilities"]
    no_point = pl["location_quality"].eq("none")
    codes = [c for c in pl.columns if c.endswith("reason_code")]  # every rule's (analyses.rules.Unreached)
    sea = pl[codes].eq(Unreached.NO_LINK_IN_DATA.value).any(axis=1) if codes else pd.Series(False, index=pl.index)
    # masks of the facilities, not selections of their rows (a GeoDataFrame's is slow)
    approx = (fac["location_quality"].eq("approximate") & fac.geometry.notna()).to_numpy()
    approx_names = set(fac["name"].to_numpy()[approx])
    on_approx = pl["nearest_facility"].isin(approx_names) if "nearest_facility" in pl else no_point & False
    fac_none = fac.geometry.isna() | fac.geometry.is_empty
    gaps = [
        Gap("no_point", int((no_point & pl["unit"].eq("village")).sum()), int(no_point.sum()), "villages"),
        Gap("no_sea_link", int(sea.sum()), int(sea.sum()), "sealinks"),
        Gap("approximate_facility", int(approx.sum()), int(on_approx.sum()), "facilities"),
        Gap("facility_no_point", int(fac_none.sum()), 0, "facilities"),
    ]
    norm = rep.norm
    if norm is not None and len(norm):
        missing = norm["present"].isna()
        if missing.any():
            codes = norm["township_code"].fillna("").astype(str)
            seat_codes = pl.loc[pl["unit"].eq("township_seat"), "code"].astype(str)
            if (codes[missing] == "").any():  # "the rest of the area": every seat not named
                blocked = int((~seat_codes.isin(set(codes[~missing]) - {""})).sum())
            else:
                blocked = int(seat_codes.isin(set(codes[missing])).sum())
            gaps.append(Gap("no_ambulance_count", int(missing.sum()), blocked, "facilities"))
    return sorted((g for g in gaps if g.count), key=lambda g: -g.blocked)
