"""Kinds over arm groups and interventions.

``arm_links`` (``params.check``):
  - ``arm-without-intervention``: an arm group (other than the ``exempt_arm_types``, e.g.
    NO_INTERVENTION) that no intervention lists in its arm groups and that names no intervention;
    records of the ``skip_study_types`` (OBSERVATIONAL: groups/cohorts need no intervention) are
    left alone;
  - ``intervention-without-arm``: an intervention linked to no arm group, in a record that lists
    arm groups (records without any, registered before arms existed, are left alone);
  - ``unmatched-arm-label``: an intervention's arm group label that matches no arm group of the
    record, or an arm group's intervention name ("Drug: X", the type prefix stripped by
    ``name_prefix``) that matches no intervention.
  Links are compared ignoring case and runs of white space. API v2 records link both ways
  (interventions' ``armGroupLabels``, arms' ``interventionNames``); legacy XML only from
  interventions to arms; CSVs and the plain-text export carry no arms (``carries``), so nothing
  here runs on them. Vectorized: keys built with str operations, membership with ``isin``.

``lumped_interventions``: one intervention entry names several products ("Ivonescimab,TAS-102",
  "Bevacizumab + CAPEOX"). Declarative: ``types`` (intervention types checked), ``prefilter``
  (RE2, pyarrow), ``separators`` (Python regex splitting the name; ``secondary_separators``
  split further only a name the first ones split: "A, B and C" but not "A and B"), ``strip`` (removed first:
  parentheses), ``skip_name`` (a name that says it is one product or alternatives: "cocktail",
  "fixed-dose", "CAR-T cells targeting A, B", "A or B"), and the test of a product-like part:
  ``max_words``, ``min_letters`` (a code with a digit needs two: "AK104"), ``not_product`` (doses, routes, forms, placebo, descriptive
  phrases), ``shared_suffix`` (a dosage form ending only the last part names one product:
  "Lopinavir and Ritonavir Tablets"). Flagged when at least ``min_products`` parts look like
  products and no part is a synonym (a substring) of another ("FB825, FB825-15D11"). Python only on the few names the prefilter keeps.
"""

from __future__ import annotations

import re
from typing import Any

import pandas as pd

from ..findings import kind_frame
from ..frames import RecordSet, arm_field, carries, intervention_field, isin
from .base import FunctionKind, require_keys
from .patterns import LazyPattern
from .randomization_single_arm import arrow_match

CHECKS = ("arm-without-intervention", "intervention-without-arm", "unmatched-arm-label")
DEFAULT_NAME_PREFIX = (
    r"^(?:drug|device|biological|vaccine|procedure|procedure/surgery|radiation|behavioral|genetic|"
    r"dietary[ _]supplement|combination[ _]product|diagnostic[ _]test|other)[ \t]*:[ \t]*"
)
_LINK_KEYS = {"check", "exempt_arm_types", "skip_study_types", "name_prefix", "max_labels"}
_SEP = "\x1f"


# --- arm_links -------------------------------------------------------------------------------


def _split_list(joined: pd.Series) -> pd.Series:
    """A '|'-joined list column as one item per row (index kept), str dtype even when empty."""
    return joined.astype("str").str.split("|").explode().dropna().astype("str")


def arm_intervention_links(arms: pd.DataFrame, itv: pd.DataFrame) -> pd.DataFrame:
    """(record_id, arm, itv) row pairs linked by the intervention's arm labels or the arm's
    intervention names ('Type: Name'); ``arm`` and ``itv`` are row numbers of the frames."""
    if arms.empty or itv.empty:
        return pd.DataFrame({"record_id": [], "arm": [], "itv": []}, dtype="int64")
    a = pd.DataFrame(
        {
            "record_id": arms["record_id"],
            "key": arms["label"].str.strip().str.lower(),
            "arm": arms.index,
        }
    )
    i_lab = _split_list(itv["arm_labels"])
    i = pd.DataFrame(
        {
            "record_id": itv["record_id"].loc[i_lab.index],
            "key": i_lab.str.strip().str.lower(),
            "itv": i_lab.index,
        }
    )
    by_label = a.merge(i, on=["record_id", "key"])[["record_id", "arm", "itv"]]
    a_nm = _split_list(arms["intervention_names"])
    a2 = pd.DataFrame(
        {
            "record_id": arms["record_id"].loc[a_nm.index],
            "key": a_nm.str.replace(r"^[^:]*:", "", regex=True).str.strip().str.lower(),
            "arm": a_nm.index,
        }
    )
    i2 = pd.DataFrame(
        {
            "record_id": itv["record_id"],
            "key": itv["name"].str.strip().str.lower(),
            "itv": itv.index,
        }
    )
    by_name = a2.merge(i2, on=["record_id", "key"])[["record_id", "arm", "itv"]]
    # an intervention that lists its arms is linked by them only: names can repeat ("Drug X"
    # listed once per dose level), labels say which arm
    labelled = by_label["itv"].unique()
    by_name = by_name[~by_name["itv"].isin(labelled)]
    links = pd.concat([by_label, by_name], ignore_index=True).drop_duplicates()
    return links.astype({"arm": "int64", "itv": "int64"})


def validate_links(params: dict[str, Any]) -> None:
    require_keys(params, _LINK_KEYS, {"check"})
    if params["check"] not in CHECKS:
        raise ValueError(f"unknown check {params['check']!r}; known: {', '.join(CHECKS)}")
    for key in ("exempt_arm_types", "skip_study_types"):
        if not isinstance(params.get(key, []), list):
            raise TypeError(f"{key} must be a list")
    try:
        re.compile(params.get("name_prefix", DEFAULT_NAME_PREFIX))
    except re.error as e:
        raise ValueError(f"bad name_prefix: {e}") from e


def _norm(s: pd.Series) -> pd.Series:
    return (
        s.fillna("")
        .astype("str")
        .str.lower()
        .str.replace(r"[ \t\r\n]+", " ", regex=True)
        .str.strip()
    )


def _key(rid: pd.Series, text: pd.Series) -> pd.Series:
    return rid.astype("str") + _SEP + _norm(text)


def _explode(frame: pd.DataFrame, column: str, out: str) -> pd.DataFrame:
    """One row per '|'-joined item of ``column`` (items named ``out``), empty items dropped."""
    f = frame[frame[column].notna() & (frame[column].str.len() > 0)]
    f = f.assign(**{out: f[column].str.split("|")}).explode(out)
    return f[f[out].str.strip().str.len() > 0]


def _quote_list(labels: pd.Series, limit: int) -> str:
    items = [f"'{x}'" for x in labels.dropna().astype(str)]
    return ", ".join(items[:limit]) + (", ..." if len(items) > limit else "")


def _short(text: Any, limit: int = 60) -> str:
    t = " ".join(str(text).split()) if isinstance(text, str) else ""
    return t if len(t) <= limit else t[: limit - 1] + "…"


def run_links(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    st = rs.studies
    if st.empty or rs.arms.empty:  # every check needs the record's arm groups
        return kind_frame([])
    ok = carries(st, "arms") & carries(st, "interventions")
    skip = params.get("skip_study_types", [])
    if skip and params["check"] == "arm-without-intervention":
        ok &= ~st["study_type"].isin(skip).fillna(False).astype(bool)
    recs = st.loc[ok, "record_id"]
    arms = rs.arms[isin(rs.arms["record_id"], recs)]
    ivs = rs.interventions[isin(rs.interventions["record_id"], recs)]
    if arms.empty:
        return kind_frame([])
    prefix = params.get("name_prefix", DEFAULT_NAME_PREFIX)
    limit = int(params.get("max_labels", 4))
    # interventions -> arm labels, and arms -> intervention names (type prefix stripped)
    iv_links = _explode(ivs, "arm_labels", "label_link")
    arm_links = _explode(arms, "intervention_names", "name_link")
    arm_links = arm_links.assign(
        name_bare=arm_links["name_link"].str.replace(prefix, "", regex=True, case=False)
    )
    arm_key = _key(arms["record_id"], arms["label"])
    iv_key = _key(ivs["record_id"], ivs["name"])
    labels_of = arms.groupby("record_id")["label"]
    rows: list[dict[str, Any]] = []
    check = params["check"]
    if check == "arm-without-intervention":
        exempt = params.get("exempt_arm_types", [])
        linked = set(_key(iv_links["record_id"], iv_links["label_link"]))
        linked |= set(_key(arm_links["record_id"], arm_links["label"]))
        bad = arms[~isin(arm_key, linked) & ~arms["type"].isin(exempt).fillna(False).astype(bool)]
        for rid, pos, label, typ in bad[["record_id", "position", "label", "type"]].itertuples(
            index=False
        ):
            kind = f", {typ}" if isinstance(typ, str) else ""
            rows.append(
                {
                    "record_id": rid,
                    "field": arm_field(int(pos), "label"),
                    "start": 0 if isinstance(label, str) else None,
                    "end": len(label) if isinstance(label, str) else None,
                    "message": (
                        f"Arm group {int(pos) + 1} ('{_short(label)}'{kind}) has no intervention: no "
                        "intervention lists it among its arm groups and it names none. Every arm "
                        "except a No Intervention arm needs at least one: link the interventions "
                        "its participants receive, or make it a No Intervention arm."
                    ),
                }
            )
    elif check == "intervention-without-arm":
        has_arms = isin(ivs["record_id"], arms["record_id"])
        linked = set(_key(iv_links["record_id"], iv_links["name"]))
        linked |= set(_key(arm_links["record_id"], arm_links["name_bare"]))
        linked |= set(_key(arm_links["record_id"], arm_links["name_link"]))
        bad = ivs[has_arms & ~isin(iv_key, linked)]
        for rid, pos, name, typ in bad[["record_id", "position", "name", "type"]].itertuples(
            index=False
        ):
            kind = f"{typ}: " if isinstance(typ, str) else ""
            groups = labels_of.get_group(rid)
            rows.append(
                {
                    "record_id": rid,
                    "field": intervention_field(int(pos), "name"),
                    "start": 0 if isinstance(name, str) else None,
                    "end": len(name) if isinstance(name, str) else None,
                    "message": (
                        f"Intervention {int(pos) + 1} ('{kind}{_short(name)}') belongs to no arm group; "
                        f"the record lists {len(groups)} ({_quote_list(groups, limit)}). Link it to the "
                        "arm groups that receive it, or remove it if no participant does."
                    ),
                }
            )
    else:  # unmatched-arm-label
        known_arms = set(arm_key)
        iv_l = iv_links[isin(iv_links["record_id"], arms["record_id"])]
        bad = iv_l[~isin(_key(iv_l["record_id"], iv_l["label_link"]), known_arms)]
        for rid, pos, name, label in bad[
            ["record_id", "position", "name", "label_link"]
        ].itertuples(index=False):
            groups = labels_of.get_group(rid)
            rows.append(
                {
                    "record_id": rid,
                    "field": intervention_field(int(pos), "name"),
                    "start": 0 if isinstance(name, str) else None,
                    "end": len(name) if isinstance(name, str) else None,
                    "message": (
                        f"Intervention {int(pos) + 1} ('{_short(name)}') is linked to arm group "
                        f"'{_short(label)}', which is not among the record's arm groups "
                        f"({_quote_list(groups, limit)}). Use the arm group's label exactly."
                    ),
                }
            )
        known_ivs = set(iv_key)
        a_l = arm_links
        missing = ~isin(_key(a_l["record_id"], a_l["name_bare"]), known_ivs) & ~isin(
            _key(a_l["record_id"], a_l["name_link"]), known_ivs
        )
        names_of = ivs.groupby("record_id")["name"]
        for rid, pos, label, name in a_l.loc[
            missing, ["record_id", "position", "label", "name_link"]
        ].itertuples(index=False):
            listed = (
                f"the record's interventions are {_quote_list(names_of.get_group(rid), limit)}"
                if rid in names_of.groups
                else "the record lists no interventions"
            )
            rows.append(
                {
                    "record_id": rid,
                    "field": arm_field(int(pos), "label"),
                    "start": 0 if isinstance(label, str) else None,
                    "end": len(label) if isinstance(label, str) else None,
                    "message": (
                        f"Arm group {int(pos) + 1} ('{_short(label)}') names the intervention "
                        f"'{_short(name)}', which matches no intervention of the record ({listed}). "
                        "Use the intervention's name exactly."
                    ),
                }
            )
    return kind_frame(rows)


# --- lumped_interventions --------------------------------------------------------------------

_LUMP_KEYS = {
    "types",
    "prefilter",
    "separators",
    "strip",
    "skip_name",
    "max_words",
    "min_letters",
    "not_product",
    "min_products",
    "shared_suffix",
    "secondary_separators",
}
_LUMP_REGEX = (
    "separators",
    "secondary_separators",
    "strip",
    "skip_name",
    "not_product",
    "shared_suffix",
)
_LETTER = LazyPattern(r"[^\W\d_]")


def validate_lumped(params: dict[str, Any]) -> None:
    require_keys(params, _LUMP_KEYS, {"types", "prefilter", "separators"})
    if not isinstance(params["types"], list) or not params["types"]:
        raise TypeError("types must be a non-empty list of intervention types")
    for key in _LUMP_REGEX:
        if key in params:
            try:
                re.compile(params[key])
            except re.error as e:
                raise ValueError(f"bad regex in {key}: {e}") from e
    for key in ("max_words", "min_letters", "min_products"):
        if not isinstance(params.get(key, 1), int):
            raise TypeError(f"{key} must be an integer")


def _enough_letters(part: str, min_letters: int) -> bool:
    """A name has ``min_letters`` letters; a code with a digit needs two ("AK104", "5-FU")."""
    letters = len(_LETTER.findall(part))
    return letters >= min_letters or (letters >= 2 and any(c.isdigit() for c in part))


def product_parts(name: str, params: dict[str, Any]) -> list[str]:
    """The product-like parts of an intervention name (empty when it names one product)."""
    if params.get("skip_name") and re.search(params["skip_name"], name, re.I):
        return []
    text = name
    if params.get("strip"):
        prev = None
        while prev != text:  # nested parentheses
            prev, text = text, re.sub(params["strip"], " ", text, flags=re.I)
    parts = [p for p in re.split(params["separators"], text, flags=re.I) if p.strip()]
    if len(parts) > 1 and params.get("secondary_separators"):  # "A, B and C"
        parts = [q for p in parts for q in re.split(params["secondary_separators"], p, flags=re.I)]
    parts = [p.strip(" \t\r\n-–:._") for p in parts]
    parts = [p for p in parts if p]
    low = [p.lower() for p in parts]
    if any(a != b and a in b for a in low for b in low):  # a synonym or code of another part
        return []
    shared = params.get("shared_suffix")
    if shared and len(parts) > 1:
        ends = [bool(re.search(shared, p, re.I)) for p in parts]
        if ends[-1] and not any(ends[:-1]):  # "Lopinavir and Ritonavir Tablets": one product
            return []
    max_words = int(params.get("max_words", 4))
    min_letters = int(params.get("min_letters", 3))
    not_product = re.compile(params["not_product"], re.I) if params.get("not_product") else None
    products = [
        p
        for p in parts
        if p
        and len(p.split()) <= max_words
        and _enough_letters(p, min_letters)
        and not (not_product is not None and not_product.search(p))
    ]
    return products if len(products) >= int(params.get("min_products", 2)) else []


def run_lumped(rs: RecordSet, params: dict[str, Any]) -> pd.DataFrame:
    ivs = rs.interventions
    if ivs.empty:
        return kind_frame([])
    ivs = ivs[ivs["type"].isin(list(params["types"])) & ivs["name"].notna()]
    if ivs.empty:
        return kind_frame([])
    ivs = ivs[arrow_match(ivs["name"], params["prefilter"])]
    rows: list[dict[str, Any]] = []
    for rid, pos, typ, name in ivs[["record_id", "position", "type", "name"]].itertuples(
        index=False
    ):
        parts = product_parts(name, params)
        if not parts:
            continue
        listed = ", ".join(f"'{p}'" for p in parts)
        rows.append(
            {
                "record_id": rid,
                "field": intervention_field(int(pos), "name"),
                "start": 0,
                "end": len(name),
                "message": (
                    f"Intervention {int(pos) + 1} ('{typ}: {_short(name)}') names {len(parts)} "
                    f"products ({listed}) in one entry. Enter each as its own intervention, with "
                    "its type, description and other names, and link each to the arm groups that "
                    "receive it; describe the combination in the arm's description."
                ),
            }
        )
    return kind_frame(rows)


KINDS = (
    FunctionKind(name="arm_links", run_fn=run_links, validate_fn=validate_links),
    FunctionKind(name="lumped_interventions", run_fn=run_lumped, validate_fn=validate_lumped),
)
