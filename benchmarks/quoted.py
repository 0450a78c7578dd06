"""Model against the transfer times the gazetteer quotes, item by item.

Run from the repository: ``python benchmarks/quoted.py``. Prints each quoted
transfer (tests/data/quoted_transfers.csv, every row with its source), the
model's figure for the same leg, and the difference; rows the model cannot
compare say why.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from islandcare.analyses.quoted import compare_quoted, read_quoted  # noqa: E402
from islandcare.data.pack import load_pack  # noqa: E402


def main() -> None:
    table = read_quoted(ROOT / "tests" / "data" / "quoted_transfers.csv")
    areas = {k: load_pack(k) for k in sorted(set(table["area"]))}
    res = compare_quoted(table, areas)
    print(f"{'item':<28}{'kind':<16}{'quoted':>8}{'model':>8}{'diff':>8}  source")
    for _, r in res.iterrows():
        if r["model_minutes"] == r["model_minutes"]:
            print(f"{r['item']:<28}{r['kind']:<16}{r['quoted_minutes']:>8.0f}{r['model_minutes']:>8.1f}"
                  f"{100 * r['difference']:>+7.0f}%  {r['source']}")
        else:
            print(f"{r['item']:<28}{r['kind']:<16}{r['quoted_minutes']:>8.0f}{'—':>8}{'':>8}  "
                  f"not compared: {r['why_not']}")
    done = res[res["model_minutes"] == res["model_minutes"]]
    worst = done.reindex(done["difference"].abs().sort_values(ascending=False).index)
    print(f"\n{len(done)} compared; largest differences: "
          + ", ".join(f"{r['item']} {100 * r['difference']:+.0f}%" for _, r in worst.head(3).iterrows()))


if __name__ == "__main__":
    main()
