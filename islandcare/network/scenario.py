"""Scenarios: who travels, at what hour, and which modes are running."""

from __future__ import annotations

from dataclasses import dataclass, replace

__all__ = ["PROFILES", "Scenario"]

#: Travel profiles: ``drive`` (a resident by car), ``walk`` (on foot),
#: ``ambulance`` (emergency vehicles, boats and helicopters).
PROFILES: tuple[str, ...] = ("drive", "walk", "ambulance")


@dataclass(frozen=True)
class Scenario:
    """One state of the world for a travel-time computation.

    Parameters
    ----------
    profile
        ``drive``, ``walk`` or ``ambulance`` (see :data:`PROFILES`).
    hour
        Hour of day (0-24, e.g. 9.5 for 09:30) for ferry waits and sailing
        hours; ``None`` uses the average wait (half the headway) at any hour
        a ferry sails.
    night
        No scheduled ferry sails, and day-only helicopters do not fly.
    sea_closed
        Weather closure: no boat at all, scheduled or emergency.
    air_grounded
        No helicopter flies.
    """

    profile: str = "drive"
    hour: float | None = None
    night: bool = False
    sea_closed: bool = False
    air_grounded: bool = False

    def __post_init__(self) -> None:
        if self.profile not in PROFILES:
            msg = f"profile must be one of {', '.join(PROFILES)}, not '{self.profile}'"
            raise ValueError(msg)
        if self.hour is not None and not 0 <= self.hour <= 24:
            msg = f"hour must be between 0 and 24, not {self.hour}"
            raise ValueError(msg)

    def with_(self, **changes: object) -> Scenario:
        """Return a copy with some fields changed."""
        return replace(self, **changes)  # type: ignore[arg-type]

    @property
    def label(self) -> str:
        """A short readable name of the scenario: profile, hour, night, sea closed, air grounded."""
        parts = [self.profile]
        if self.hour is not None:
            # int(): under numpy < 2, round() of a numpy float is a float
            parts.append(f"{int(self.hour):02d}:{int(round(self.hour % 1 * 60)):02d}")  # noqa: RUF046
        if self.night:
            parts.append("night")
        if self.sea_closed:
            parts.append("sea closed")
        if self.air_grounded:
            parts.append("air grounded")
        return ", ".join(parts)
