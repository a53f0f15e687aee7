"""Kinds over text repeated between list items of one record: outcome descriptions pasted under
several measures, and arm descriptions copied into intervention descriptions.

Repetition on its own is often right: one arm with one intervention describes the same thing
twice; one instrument's description fits each of its subscales and each time point. These kinds
report only the repetitions that leave an item wrongly or not at all described:

- ``repeated_outcome_description``: one outcome description used under outcome measures that are
  not the same measure, where the description names nothing of some of them (a generic text such
  as "Blood will be drawn", or one measure's text under another measure), and identical outcome
  entries (the same outcome registered twice).
- ``arm_description_copied``: an arm description copied into an intervention description where
  the copy misdescribes: the intervention is given in several arms (its description tells one
  arm's story), several interventions of one arm carry the arm's description (they cannot be told
  apart), or the copy changes a number (the arm and the intervention disagree).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..findings import kind_frame
from ..frames import OUTCOME_KINDS, RecordSet
from .arms_links import arm_intervention_links
from .base import FunctionKind, require_keys
from .patterns import LazyPattern
from .patterns import mask as _mask

_WORD_RE = LazyPattern(r"[^\W_]+")
_ARROW_SEP = r"[^\p{L}\p{N}]+"


def _normalized(texts: pd.Series) -> pa.Array:
    """Lower-case words joined by single spaces (punctuation and whitespace ignored)."""
    arr = pa.array(texts.to_numpy(dtype=object), type=pa.large_string(), from_pandas=True)
    spaced = pc.replace_substring_regex(pc.utf8_lower(arr), _ARROW_SEP, " ")
    return pc.utf8_trim_whitespace(spaced)


def _word_counts(norm: pa.Array) -> np.ndarray:
    spaces = pc.count_substring(norm, " ").to_numpy(zero_copy_only=False)
    lengths = pc.utf8_length(norm).to_numpy(zero_copy_only=False)
    spaces = np.nan_to_num(spaces.astype("float64"), nan=0.0)
    lengths = np.nan_to_num(lengths.astype("float64"), nan=0.0)
    return np.where(lengths > 0, spaces + 1, 0).astype("int64")


def _records_mask(rs: RecordSet, ids: Any) -> np.ndarray:
    """A mask over ``rs.studies`` rows: the records whose id is in ``ids`` (pyarrow is_in)."""
    ids = pd.unique(pd.Series(ids, dtype="str"))
    if not len(ids):
        return np.zeros(len(rs.studies), dtype=bool)
    return _mask(
        pc.is_in(
            pa.array(rs.studies["record_id"].astype("str")),
            value_set=pa.array(ids, type=pa.string()),
        )
    )


# --- kind: repeated_outcome_description ------------------------------------------------------

_OUTCOME_DEFAULTS: dict[str, Any] = {
    "column": "description",
    "min_words": 8,
    "min_chars": 40,
    # only outcomes whose parts the input carries as separate fields (API v2 JSON, XML); a CSV or
    # plain-text cell split heuristically may put a time frame into the description
    "structured_only": False,
    # outcomes whose titles differ only by numbers and these words are one measure listed per
    # time point: not counted
    "ignore_same_measure": True,
    "time_words": [
        "at",
        "from",
        "to",
        "and",
        "of",
        "in",
        "the",
        "on",
        "by",
        "until",
        "up",
        "over",
        "baseline",
        "day",
        "days",
        "week",
        "weeks",
        "wk",
        "wks",
        "month",
        "months",
        "year",
        "years",
        "hour",
        "hours",
        "h",
        "hr",
        "hrs",
        "minute",
        "minutes",
        "min",
        "visit",
        "v",
        "d",
        "w",
        "m",
        "y",
        "time",
        "point",
        "timepoint",
        "post",
        "pre",
        "after",
        "before",
        "dose",
        "dosing",
        "cycle",
        "end",
        "treatment",
        "follow",
        "followup",
        "screening",
        "first",
        "second",
        "third",
        "final",
        "last",
        "change",
    ],
    # words of a title that do not say *what* is measured: a description naming none of the
    # other words of a title says nothing about that measure
    "generic_words": [
        "a",
        "an",
        "as",
        "or",
        "for",
        "with",
        "within",
        "between",
        "during",
        "than",
        "per",
        "vs",
        "versus",
        "its",
        "their",
        "this",
        "that",
        "these",
        "those",
        "all",
        "any",
        "each",
        "other",
        "who",
        "which",
        "what",
        "how",
        "is",
        "are",
        "was",
        "were",
        "be",
        "will",
        "been",
        "being",
        "has",
        "have",
        "number",
        "numbers",
        "percentage",
        "percent",
        "proportion",
        "rate",
        "rates",
        "ratio",
        "mean",
        "median",
        "average",
        "total",
        "overall",
        "level",
        "levels",
        "value",
        "values",
        "score",
        "scores",
        "scale",
        "measure",
        "measures",
        "measurement",
        "measured",
        "assessment",
        "assessed",
        "evaluation",
        "evaluated",
        "incidence",
        "frequency",
        "occurrence",
        "amount",
        "participants",
        "participant",
        "patients",
        "patient",
        "subjects",
        "subject",
        "people",
        "persons",
        "group",
        "groups",
        "arm",
        "arms",
        "study",
        "studies",
        "trial",
        "outcome",
        "outcomes",
        "primary",
        "secondary",
        "effect",
        "effects",
        "efficacy",
        "safety",
        "relative",
        "absolute",
        "difference",
        "differences",
        "compared",
        "comparison",
        "using",
        "use",
        "used",
        "based",
        "defined",
        "defining",
        "experiencing",
        "experienced",
        "having",
        "reported",
        "reporting",
        "observed",
        "assessing",
        "measuring",
        "evaluating",
        "determine",
        "determined",
        "cumulative",
        "new",
        "any",
    ],
}


def _validate_outcome(params: dict[str, Any]) -> None:
    require_keys(params, set(_OUTCOME_DEFAULTS))
    p = {**_OUTCOME_DEFAULTS, **params}
    if p["column"] not in ("description", "measure", "time_frame"):
        raise ValueError("column must be description, measure or time_frame")
    for key in ("min_words", "min_chars"):
        if int(p[key]) < 1:
            raise ValueError(f"{key} must be a positive integer")
    for key in ("time_words", "generic_words"):
        if not isinstance(p[key], list | tuple) or not all(isinstance(w, str) for w in p[key]):
            raise TypeError(f"{key} must be a list of words")


_NUMBER_UNIT = LazyPattern(r"(?<=[0-9])(?=[^\W\d_])|(?<=[^\W\d_])(?=[0-9])")


def _words(text: Any) -> list[str]:
    """Lower-case words; a number and its unit are two words ("5mg" = "5 mg"), '&' is 'and'."""
    if not isinstance(text, str):
        return []
    text = _NUMBER_UNIT.sub(" ", text.replace("&", " and "))
    return [w.lower() for w in _WORD_RE.findall(text)]


def _stem(word: str) -> str:
    """A crude stem, enough to match 'triglycerides' with 'triglyceride', 'scoring' with 'score'."""
    for suffix in ("ies", "es", "s", "ing", "ed"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def _measure_key(measure: Any, time_words: frozenset[str]) -> str:
    """An outcome title without numbers and time words: equal keys = one measure, several times."""
    words = _words(measure)
    return " ".join(w for w in words if w not in time_words and not w.rstrip("stndrh").isdigit())


def _distinctive(measure: Any, skip: frozenset[str]) -> set[str]:
    """The words of an outcome title that say what it measures (stems; no numbers, time words
    or generic words such as 'number', 'participants', 'change')."""
    return {
        _stem(w)
        for w in _words(measure)
        if w not in skip and not w.rstrip("stndrh").isdigit() and len(w) > 1
    }


_PARALLEL_MAX = 3  # words that tell two parallel titles apart ("leg" / "back" pain)


def _misdescribed(text: str, measures: list[Any], skip: frozenset[str]) -> tuple[int, int] | None:
    """Is one shared description one measure's text pasted under a parallel measure? Two titles
    are parallel when they share words and differ by a few ("Leg pain intensity" / "Back pain
    intensity", "Incidence of allergic rhinitis" / "... conjunctivitis"); the text is the first
    one's when it names what sets the first apart and nothing of what sets the second apart.
    Returns (index of the misdescribed measure, index of the one the text fits) or None."""
    described = {_stem(w) for w in _words(text)}
    own = [_distinctive(m, skip) for m in measures]
    for i, a in enumerate(own):
        for j, b in enumerate(own):
            if i == j or not (a & b):
                continue
            only_a, only_b = a - b, b - a
            if not (0 < len(only_a) <= _PARALLEL_MAX and 0 < len(only_b) <= _PARALLEL_MAX):
                continue
            # the text names everything that sets the first apart, nothing of the second
            if only_a <= described and not only_b & described:
                return j, i
    return None


def _outcome_path(kind: str, pos: int, column: str) -> str:
    return f"outcomes[{kind}][{pos}].{column}"


def _outcome_label(kind: str, pos: int) -> str:
    name = "outcome" if kind == "unspecified" else f"{kind} outcome"
    return f"{name} {pos + 1}"


def _outcome_prefilter(rs: RecordSet, params: dict[str, Any]) -> np.ndarray:
    """Records with two outcomes whose normalized texts in the column are equal (vectorized)."""
    p = {**_OUTCOME_DEFAULTS, **params}
    oc = rs.outcomes
    col = p["column"]
    if oc.empty:
        return np.zeros(len(rs.studies), dtype=bool)
    keep = oc[col].notna().to_numpy(dtype=bool, copy=True)
    if p["structured_only"]:
        keep &= oc["raw"].isna().to_numpy()
    if not keep.any():
        return np.zeros(len(rs.studies), dtype=bool)
    sub = oc[keep]
    norm = pd.Series(_normalized(sub[col]).to_numpy(zero_copy_only=False), index=sub.index)
    dup = pd.DataFrame({"r": sub["record_id"], "n": norm}).duplicated(keep=False)
    return _records_mask(rs, sub["record_id"][dup.to_numpy()])


def run_outcome(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    """One finding per group of outcomes sharing a description (at the second of them, naming
    the others) when the group holds different measures and the description names nothing of
    some of them, or when the entries are identical."""
    p = {**_OUTCOME_DEFAULTS, **params}
    col = p["column"]
    oc = rs.outcomes
    keep = oc[col].notna()
    if p["structured_only"]:
        keep &= oc["raw"].isna()
    oc = oc[keep]
    if oc.empty:
        return kind_frame([])
    norm = _normalized(oc[col])
    words = _word_counts(norm)
    chars = oc[col].str.len().to_numpy(dtype="int64", na_value=0)
    ok = (words >= int(p["min_words"])) & (chars >= int(p["min_chars"]))
    others = [c for c in ("measure", "description", "time_frame") if c != col]
    df = pd.DataFrame(
        {
            "record_id": oc["record_id"].to_numpy(dtype=object),
            "kind": oc["kind"].to_numpy(dtype=object),
            "position": oc["position"].to_numpy(dtype="int64"),
            "text": oc[col].to_numpy(dtype=object),
            "norm": norm.to_numpy(zero_copy_only=False),
            "words": words,
            "other0": _normalized(oc[others[0]]).to_numpy(zero_copy_only=False),
            "other1": _normalized(oc[others[1]]).to_numpy(zero_copy_only=False),
            "measure": oc["measure"].to_numpy(dtype=object),
        }
    )[ok]
    df = df[df.duplicated(["record_id", "norm"], keep=False)]
    if df.empty:
        return kind_frame([])
    order = {k: i for i, k in enumerate(OUTCOME_KINDS)}
    df = df.assign(korder=df["kind"].map(order).fillna(len(order))).sort_values(
        ["record_id", "korder", "position"], kind="stable"
    )
    what = col.replace("_", " ")
    time_words = frozenset(w.lower() for w in p["time_words"])
    skip = time_words | frozenset(w.lower() for w in p["generic_words"])
    rows = []
    for (rid, _), g in df.groupby(["record_id", "norm"], sort=False):
        kinds, positions = g["kind"].tolist(), [int(i) for i in g["position"]]
        places = [_outcome_path(k, i, col) for k, i in zip(kinds, positions, strict=True)]
        texts = g["text"].tolist()
        same = {c: g[f"other{i}"].nunique(dropna=False) == 1 for i, c in enumerate(others)}
        if all(same.values()):
            note = "identical outcome entries: the same outcome is registered twice"
            target = 1
        else:
            measures = g["measure"].tolist()
            if (
                p["ignore_same_measure"]
                and len({_measure_key(m, time_words) for m in measures}) == 1
            ):
                continue  # one measure listed once per time point
            wrong = _misdescribed(texts[0], measures, skip)
            if wrong is None:
                continue  # a shared definition, instrument or method text: fits every measure
            target, fits = wrong
            note = (
                f"it describes '{_shorten(str(measures[fits]))}' and names nothing of "
                f"'{_shorten(str(measures[target]))}'"
            )
        also = [x for i, x in enumerate(places) if i != target]
        shown = ", ".join(also[:4]) + (f" and {len(also) - 4} more" if len(also) > 4 else "")
        rows.append(
            {
                "record_id": rid,
                "field": places[target],
                "start": 0,
                "end": len(texts[target]),
                "message": (
                    f"the same {int(g['words'].iloc[0])}-word outcome {what} is used by "
                    f"{len(places)} outcome measures ({note}; also {shown})"
                ),
                "related_field": also[0],
                "related_start": 0,
                "related_end": len(texts[0]),
            }
        )
    return kind_frame(rows)


def _shorten(text: str, limit: int = 50) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


# --- kind: arm_description_copied ------------------------------------------------------------

_ARM_DEFAULTS: dict[str, Any] = {"min_words": 8, "min_ratio": 0.9, "shingle_words": 4}


def _validate_arm(params: dict[str, Any]) -> None:
    require_keys(params, set(_ARM_DEFAULTS))
    p = {**_ARM_DEFAULTS, **params}
    if not 0 < float(p["min_ratio"]) <= 1:
        raise ValueError("min_ratio must be in (0, 1]")
    if int(p["min_words"]) < 1 or not 2 <= int(p["shingle_words"]) <= int(p["min_words"]):
        raise ValueError("min_words must be positive and shingle_words in 2 .. min_words")


def _coverage(a: list[str], b: list[str], k: int) -> float:
    """Share of the words of ``a`` that lie in runs of >= k words shared with ``b``."""
    if len(a) < k or len(b) < k:
        return 1.0 if a and a == b else 0.0
    grams = {tuple(b[j : j + k]) for j in range(len(b) - k + 1)}
    cover = np.zeros(len(a), dtype=bool)
    for i in range(len(a) - k + 1):
        if tuple(a[i : i + k]) in grams:
            cover[i : i + k] = True
    return float(cover.mean())


_NUMBER = LazyPattern(r"[0-9]+(?:[.,][0-9]+)?")


def _numbers_differ(a: list[str], b: list[str]) -> tuple[str, str] | None:
    """Where the word sequences ``a`` and ``b`` differ only by a number in one place ("for 6
    months" / "for 4 months"): the two numbers."""
    import difflib

    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op != "replace" or i2 - i1 != 1 or j2 - j1 != 1:
            continue
        x, y = a[i1], b[j1]
        if _NUMBER.fullmatch(x) and _NUMBER.fullmatch(y):
            return x, y
    return None


def _arm_prefilter(rs: RecordSet, params: dict[str, Any]) -> np.ndarray:
    """Records with both an arm description and an intervention description (vectorized)."""
    arms, itv = rs.arms, rs.interventions
    if arms.empty or itv.empty:
        return np.zeros(len(rs.studies), dtype=bool)
    ad = arms[arms["description"].notna()]
    idesc = itv[itv["description"].notna()]
    common = np.intersect1d(ad["record_id"].astype("str"), idesc["record_id"].astype("str"))
    if not len(common):
        return np.zeros(len(rs.studies), dtype=bool)
    return _records_mask(rs, common)


def run_arm(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    p = {**_ARM_DEFAULTS, **params}
    k, min_words, min_ratio = int(p["shingle_words"]), int(p["min_words"]), float(p["min_ratio"])
    arms = rs.arms.reset_index(drop=True)
    itv = rs.interventions.reset_index(drop=True)
    links = arm_intervention_links(arms, itv)
    if links.empty:
        return kind_frame([])
    ad = arms["description"].to_numpy(dtype=object)
    idesc = itv["description"].to_numpy(dtype=object)
    n_arms = links.groupby("itv")["arm"].nunique()
    arms_of: dict[int, list[int]] = defaultdict(list)
    for arm, it in zip(links["arm"].tolist(), links["itv"].tolist(), strict=True):
        arms_of[it].append(arm)
    links = links[pd.notna(ad[links["arm"]]) & pd.notna(idesc[links["itv"]])]
    if links.empty:
        return kind_frame([])
    words: dict[tuple[str, int], list[str]] = {}

    def toks(side: str, row: int) -> list[str]:
        key = (side, row)
        if key not in words:
            words[key] = _words(ad[row] if side == "a" else idesc[row])
        return words[key]

    labels = arms["label"].tolist()
    apos, ipos = arms["position"].tolist(), itv["position"].tolist()
    inames = itv["name"].tolist()
    # a copy: the intervention's description is the arm's description (each covers the other)
    copies: list[tuple[int, int, float]] = []  # (arm, itv, ratio)
    for arm, it in zip(links["arm"].tolist(), links["itv"].tolist(), strict=True):
        a, b = toks("a", arm), toks("i", it)
        if len(a) < min_words:
            continue
        ratio = _coverage(a, b, k)
        if ratio >= min_ratio and _coverage(b, a, k) >= min_ratio:
            copies.append((arm, it, ratio))
    rows: list[dict[str, Any]] = []
    by_arm: dict[int, list[int]] = defaultdict(list)
    for arm, it, _ in copies:
        by_arm[arm].append(it)
    reported: set[int] = set()
    rids = arms["record_id"].tolist()

    def twin(arm: int) -> str:
        return f"arm '{labels[arm]}' (arms[{int(apos[arm])}].description)"

    def row(arm: int, it: int, message: str) -> dict[str, Any]:
        return {
            "record_id": str(rids[arm]),
            "field": f"interventions[{int(ipos[it])}].description",
            "start": 0,
            "end": len(idesc[it]),
            "message": message,
            "related_field": f"arms[{int(apos[arm])}].description",
            "related_start": 0,
            "related_end": len(ad[arm]),
        }

    # several different interventions of one arm carry the arm's description: they cannot be
    # told apart
    for arm, its in by_arm.items():
        named = {str(inames[i]).strip().lower() for i in its}
        if len(its) < 2 or len(named) < 2:
            continue
        its = sorted(its, key=lambda i: ipos[i])
        names = ", ".join(f"'{inames[i]}'" for i in its)
        rows.append(
            row(
                arm,
                its[1],
                f"the description of {twin(arm)} is copied into the descriptions of "
                f"{len(its)} of its interventions ({names}): each intervention's description "
                "should say what that intervention is",
            )
        )
        reported.update(its)
    for arm, it, ratio in copies:
        if it in reported:
            continue
        # an intervention given in several arms that carries one arm's description, where
        # another of its arms describes a variant of it ("IMRT" / "IMRT with dose restriction",
        # "100% oxygen" / "room air"): its description is wrong for that arm
        variant = next(
            (
                b
                for b in arms_of.get(it, ())
                if b != arm
                and pd.notna(ad[b])
                and _jaccard(toks("a", arm), toks("a", b)) >= _VARIANT_JACCARD
                and _coverage(toks("i", it), toks("a", b), k) < min_ratio
            ),
            None,
        )
        if variant is not None:
            rows.append(
                row(
                    arm,
                    it,
                    f"the intervention '{inames[it]}' is given in {int(n_arms.get(it, 1))} arms, "
                    f"but its description is the description of {twin(arm)}, which differs "
                    f"from that of arm '{labels[variant]}': it describes one arm, not the "
                    "intervention",
                )
            )
            reported.add(it)
            continue
        diff = _numbers_differ(toks("a", arm), toks("i", it)) if ratio < 1.0 else None
        if diff is not None:
            rows.append(
                row(
                    arm,
                    it,
                    f"the intervention description copies the description of {twin(arm)} but "
                    f"changes a number ('{diff[1]}' where the arm says '{diff[0]}'): the two "
                    "disagree",
                )
            )
            reported.add(it)
    return kind_frame(rows)


_VARIANT_JACCARD = 0.35  # two arm descriptions sharing this much vocabulary describe variants


def _jaccard(a: list[str], b: list[str]) -> float:
    sa, sb = set(a), set(b)
    return len(sa & sb) / len(sa | sb) if sa or sb else 0.0


KINDS = (
    FunctionKind(
        name="repeated_outcome_description",
        run_fn=run_outcome,
        validate_fn=_validate_outcome,
        prefilter_fn=_outcome_prefilter,
    ),
    FunctionKind(
        name="arm_description_copied",
        run_fn=run_arm,
        validate_fn=_validate_arm,
        prefilter_fn=_arm_prefilter,
    ),
)
