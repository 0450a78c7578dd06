"""Errors a user can fix. The CLI prints them without a traceback."""

from __future__ import annotations

__all__ = ["MAX_SHOWN", "InputError", "Problem", "capped_lines", "format_problem"]

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or doubtful) in a user's input.

    Parameters
    ----------
    file
        The file the problem is in.
    row
        Row as the user counts it in the file (CSV/Excel: the spreadsheet row
        number, header = row 1; GeoJSON: feature number from 1), or None.
    column
        Column name, or None.
    message
        What is wrong and what was expected.
    severity
        ``error`` (the table cannot be used) or ``warning`` (used, but check).
    """

    file: str
    row: int | None
    column: str | None
    message: str
    severity: str = "error"


def format_problem(p: Problem) -> str:
    """Render a problem as ``file, row N, column C: message``."""
    where = [str(p.file)]
    if p.row is not None:
        where.append(f"row {p.row}")
    if p.column is not None:
        where.append(f"column '{p.column}'")
    return f"{p.severity}: {', '.join(where)}: {p.message}"


#: Problems listed on the command line and in the app; the rest are counted.
MAX_SHOWN: int = 200


def capped_lines(problems: list[Problem], *, limit: int = MAX_SHOWN) -> list[str]:
    """Return the first ``limit`` problems as text, then one line counting the rest."""
    lines = [format_problem(p) for p in problems[:limit]]
    rest = problems[limit:]
    if rest:
        n_err = sum(p.severity == "error" for p in rest)
        lines.append(f"... and {len(rest)} more ({n_err} errors, {len(rest) - n_err} warnings) "
                     f"not shown; fix those above first")
    return lines


class InputError(Exception):
    """A mistake in a user's input (file, option, table), with what to do.

    Parameters
    ----------
    message
        The summary line.
    problems
        The individual problems found, each with file, row and column.
    """

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems: list[Problem] = list(problems or [])

    def __str__(self) -> str:
        lines = [self.args[0]]
        lines += ["  " + format_problem(p) for p in self.problems]
        return "\n".join(lines)
