"""The free-text study design vocabulary model (read/design_text.py), over the real distinct
values of the WHO ICTRP exports: a design facet is set only where the text says so."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from trialint.read.design_text import parse

ICTRP = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "other_registries" / "who_ictrp"
csv.field_size_limit(2**31 - 1)


def _distinct_designs() -> list[str]:
    values: set[str] = set()
    for name in ("COVID19-web_22Jul2020.csv", "COVID19-1135-trials.csv"):
        with (ICTRP / name).open(encoding="utf-8-sig", newline="") as fh:
            values |= {r["Study design"] for r in csv.DictReader(fh)}
    xml = (ICTRP / "ICTRP-Results_18Mar2020.xml").read_text(encoding="utf-8")
    values |= set(re.findall(r"<Study_design>(.*?)</Study_design>", xml, re.S))
    return sorted(v for v in values if v.strip())


DESIGNS = _distinct_designs()


def test_the_corpus_has_many_distinct_designs():
    assert len(DESIGNS) > 800


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # ClinicalTrials.gov rows
        ("Allocation: Randomized. Intervention model: Parallel Assignment. Primary purpose: "
         "Treatment. Masking: Quadruple (Participant, Care Provider, Investigator, Outcomes "
         "Assessor). ",
         dict(allocation="RANDOMIZED", intervention_model="PARALLEL", primary_purpose="TREATMENT",
              masking="QUADRUPLE",
              who_masked="PARTICIPANT|CARE_PROVIDER|INVESTIGATOR|OUTCOMES_ASSESSOR")),
        ("Intervention model: Single Group Assignment. Primary purpose: Treatment. Masking: None "
         "(Open Label). ",
         dict(allocation=None, intervention_model="SINGLE_GROUP", masking="NONE")),
        # ChiCTR's one-word choices
        ("Single arm", dict(intervention_model="SINGLE_GROUP", allocation=None, masking=None)),
        ("Non randomized control", dict(allocation="NON_RANDOMIZED", intervention_model=None)),
        ("Quasi-randomized controlled", dict(allocation="NON_RANDOMIZED")),
        ("Cross-over", dict(intervention_model="CROSSOVER")),
        ("Cohort study", dict(allocation=None, intervention_model=None, masking=None)),
        ("Dose comparison", dict(allocation=None, intervention_model=None)),
        # EU CTR yes/no lists: "Open: no" is not open-label
        ("Controlled: yes<br>Randomised: yes<br>Open: no<br>Single blind: no<br>Double blind: "
         "yes<br>Parallel group: yes<br>Cross over: no<br>Other: no<br>",
         dict(allocation="RANDOMIZED", masking="DOUBLE", intervention_model="PARALLEL")),
        ("Controlled: no<br>Randomised: no<br>Open: no<br>Single blind: no<br>Double blind: no"
         "<br>Parallel group: no<br>Cross over: no<br>",
         dict(allocation="NON_RANDOMIZED", masking=None, intervention_model=None)),
        # IRCT
        ("Randomization: N/A, Blinding: Not blinded, Placebo: Not used, Assignment: Single, "
         "Purpose: Treatment.",
         dict(allocation="NA", masking="NONE", intervention_model="SINGLE_GROUP",
              primary_purpose="TREATMENT")),
        # DRKS: the single arm under "Allocation:", the masking level not stated
        ("Allocation: Randomized controlled trial;. Masking: Blinded (patient/subject, "
         "investigator/therapist). Control: Placebo. Assignment: Parallel. Study design purpose: "
         "Treatment",
         dict(allocation="RANDOMIZED", masking=None, intervention_model="PARALLEL",
              primary_purpose="TREATMENT")),
        ("Allocation: Single arm study;. Masking: Open (masking not used). Control: "
         "Uncontrolled/Single arm. Assignment: Single (group). Study design purpose: Other;",
         dict(allocation=None, intervention_model="SINGLE_GROUP", masking="NONE",
              primary_purpose="OTHER")),
        # ANZCTR: "Blinded (masking used)" names no level
        ("Purpose: Treatment; Allocation: Randomised controlled trial; Masking: Blinded (masking "
         "used);Assignment: Parallel;Type of endpoint: Efficacy;",
         dict(allocation="RANDOMIZED", masking=None, intervention_model="PARALLEL")),
        ("Purpose: Natural history;Duration: Longitudinal;Selection: Defined population;",
         dict(allocation=None, primary_purpose=None)),
        # CTRI: "Not Applicable" answers of the method questions are not an allocation
        ("Single Arm Trial /   Method of generating randomization sequence:Not Applicable  Method "
         "of allocation concealment:Not Applicable  Blinding and masking:Not Applicable",
         dict(allocation=None, intervention_model="SINGLE_GROUP", masking=None)),
        ("Other /   Method of generating randomization sequence:Computer generated randomization"
         "  Method of allocation concealment:On-site computer system  Blinding and masking:Open "
         "Label",
         dict(allocation=None, masking="NONE")),
        # JPRN, REBEC, PACTR, TCTR, NTR
        ("randomized controlled trial, double blind, placebo control, parallel assignment, "
         "treatment purpose",
         dict(allocation="RANDOMIZED", masking="DOUBLE", intervention_model="PARALLEL")),
        ("Not selected Not selected", dict(allocation=None, intervention_model=None, masking=None)),
        ("Trial, randomized-controlled, single-masked, parallel, two arm trial",
         dict(allocation="RANDOMIZED", masking="SINGLE", intervention_model="PARALLEL")),
        ("Factorial: participants randomly allocated to either no, one, some or all interventions "
         "simultaneously,Randomised,Simple randomization",
         dict(allocation="RANDOMIZED", intervention_model="FACTORIAL")),
        ("N/A", dict(allocation=None, intervention_model=None, masking=None)),
        ("<br>   Randomized: No, <br>   Masking: None, <br>   Control: Not applicable, <br>",
         dict(allocation="NON_RANDOMIZED", masking="NONE")),
        # NTR writes "Randomized: No" for every record: the rest of the text contradicts it here
        ("<br> Randomized: No, <br> Masking: Double, <br> Control: Active, <br> Group: undefined, "
         "<br> Type: 2 or more arms, randomized<br>",
         dict(allocation=None, masking="DOUBLE")),
        # ISRCTN: the purpose in the closing parenthesis
        ("Single-arm non-randomised open-label uncontrolled interventional study (Treatment)",
         dict(allocation="NON_RANDOMIZED", intervention_model="SINGLE_GROUP", masking="NONE",
              primary_purpose="TREATMENT")),
        # contradicting words: nothing
        ("Randomized or non-randomized, parallel or cross-over",
         dict(allocation=None, intervention_model=None)),
    ],
)  # fmt: skip
def test_design_values(text, expected):
    got = parse(text).as_dict()
    for key, value in expected.items():
        assert got[key] == value, (key, got)


# what a code may only come from: the words of the text
_EVIDENCE = {
    ("allocation", "RANDOMIZED"): r"randomi[sz]ed|randomised|randomly|\brct\b",
    ("allocation", "NON_RANDOMIZED"): r"(?:non|not|quasi)[- ]?randomi|randomi[sz]ed\s*:\s*no",
    ("allocation", "NA"): r"n/a|not applicable",
    ("intervention_model", "SINGLE_GROUP"): r"single|one[- ]arm",
    ("intervention_model", "PARALLEL"): r"parallel|parerel",
    ("intervention_model", "CROSSOVER"): r"cross[- ]?over",
    ("intervention_model", "FACTORIAL"): r"factorial",
    ("intervention_model", "SEQUENTIAL"): r"sequential",
    ("masking", "NONE"): r"open|not blinded|non[- ]?blind|unblind|none|masking not used|no masking",
    ("masking", "SINGLE"): r"single",
    ("masking", "DOUBLE"): r"double",
    ("masking", "TRIPLE"): r"triple",
    ("masking", "QUADRUPLE"): r"quadruple",
}


@pytest.mark.parametrize("text", DESIGNS)
def test_every_code_is_stated_by_the_text(text):
    low = text.lower()
    got = parse(text)
    for facet in ("allocation", "intervention_model", "masking"):
        code = getattr(got, facet)
        if code is not None:
            assert re.search(_EVIDENCE[(facet, code)], low), (facet, code, text[:200])


def test_negations_win_over_the_plain_word():
    for text in DESIGNS:
        low = text.lower()
        if re.search(r"\bnon[- ]?randomi[sz]ed\b", low) and not re.search(
            r"(?<!non[- ])(?<!non)\brandomi[sz]ed\b|randomised: yes|randomly", low
        ):
            assert parse(text).allocation != "RANDOMIZED", text[:200]
        if "open: no" in low or "open: yes" in low:
            # EU CTR flags: the masking comes from the flags alone
            d = parse(text)
            if "open: yes" in low and "double blind: no" in low and "single blind: no" in low:
                assert d.masking == "NONE", text[:200]
            if "open: no" in low and "double blind: no" in low and "single blind: no" in low:
                assert d.masking is None, text[:200]


def test_the_model_reads_most_designs_that_name_a_facet():
    """Recall over the real values: a design that names randomization, a model or a masking
    word gets at least one facet in most cases."""
    named = [t for t in DESIGNS if re.search(r"randomi|parallel|single arm|blind|open", t.lower())]
    read = [t for t in named if any(v for v in parse(t).as_dict().values())]
    assert len(read) >= 0.9 * len(named), len(read) / len(named)
