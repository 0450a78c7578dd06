"""Town or countryside for each village, by the rule the area file names.

``[settlement_class] rule``:

- ``official_2016``: the statistics bureau's urban–rural class (城乡分类代码, 2016) the
  pack holds for the village (``ur_code_2016``); the codes in ``town_codes`` (the area
  files: 1xx, 城镇) are town, all others (2xx, 乡村) countryside. A village with no class in the
  pack keeps the register-suffix rule (or a planner's own class), and says so.
- ``register_suffix``: 居委会/社区 as town, 村/村委会 as countryside.
"""

from __future__ import annotations

import pandas as pd

from islandcare.config import AreaConfig

__all__ = ["class_counts", "village_classes"]

_NO_CLASS = " (no official 2016 class matched)"


def _code(v: object) -> str | None:
    if v is None or (isinstance(v, float) and pd.isna(v)) or v is pd.NA:
        return None
    s = str(v).strip()
    return s.split(".")[0] if s else None


def village_classes(villages: pd.DataFrame, cfg: AreaConfig) -> tuple[list[str], list[str]]:
    """Return the class (town/countryside) and the rule that decided it, for each village row.

    Parameters
    ----------
    villages
        Rows with ``settlement_class`` and ``class_rule`` (the pack's or a planner's), and
        ``ur_code_2016``/``ur_label_2016`` when the pack has the official classes.
    cfg
        The area's settings (``settlement_class.rule`` and ``settlement_class.town_codes``).
    """
    classes = [str(c) for c in villages["settlement_class"]]
    rules = [str(r) for r in villages["class_rule"]]
    if cfg.get("settlement_class.rule") != "official_2016":
        return classes, rules
    town = {str(c) for c in cfg.get("settlement_class.town_codes")}
    codes = villages["ur_code_2016"] if "ur_code_2016" in villages else pd.Series(None, index=villages.index)
    labels = villages.get("ur_label_2016", codes)
    for i, (code, label) in enumerate(zip(codes, labels, strict=True)):
        c = _code(code)
        if c is None:
            if rules[i].startswith("register name") and not rules[i].endswith(_NO_CLASS):
                rules[i] += _NO_CLASS
            continue
        classes[i] = "town" if c in town else "countryside"
        lab = "" if label is None or (isinstance(label, float) and pd.isna(label)) else f" {label}"
        rules[i] = f"official urban–rural class 2016: {c}{lab}"
    return classes, rules


def class_counts(villages: pd.DataFrame) -> dict:
    """Town and countryside villages, and how many the official 2016 class decided."""
    rule = villages["class_rule"].astype(str)
    official = rule.str.startswith("official urban–rural class 2016")
    return {"town": int((villages["settlement_class"] == "town").sum()),
            "countryside": int((villages["settlement_class"] == "countryside").sum()),
            "by_official_class_2016": int(official.sum()),
            "by_register_suffix": int(rule.str.startswith("register name").sum()),
            "by_other_rule": int((~official & ~rule.str.startswith("register name")).sum())}
