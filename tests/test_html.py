"""The HTML audit report: rendering, escaping, the CSP, the embedded data, caps and the CLI."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import trialint
from html_fixtures import BAD_ID, HOSTILE_RULE, PAYLOADS, XSS_ID, add_hostile_findings, write_xss
from trialint.api import RECORD_COLUMNS, Findings
from trialint.cli import main
from trialint.findings import finding_frame, sort_findings
from trialint.render import html as H
from trialint.rules import Rule

SEEDS = Path(__file__).resolve().parents[2] / "shared" / "seeds"
JS = (H.TEMPLATES / "report.js").read_text(encoding="utf-8")
CSS = (H.TEMPLATES / "report.css").read_text(encoding="utf-8")


class Page(HTMLParser):
    """Every start tag with its attributes, and the text inside each <script>/<style>."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.raw: dict[str, list[str]] = {"script": [], "style": []}
        self._in: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag in self.raw:
            self._in = tag
            self.raw[tag].append("")

    def handle_endtag(self, tag: str) -> None:
        if tag == self._in:
            self._in = None

    def handle_data(self, data: str) -> None:
        if self._in:
            self.raw[self._in][-1] += data

    def attrs(self, tag: str) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag]


def rule(rid: str, severity: str = "warning", **kw) -> Rule:
    return Rule(
        id=rid,
        severity=severity,
        summary=f"{rid} summary.",
        why="Why.\n\nMore why.",
        fix="Fix it.",
        kind="schema",
        **kw,
    )


def make_findings(
    records: list[dict], rows: list[dict], texts: list[tuple[str, str, str]], rules: list[Rule]
) -> Findings:
    recs = pd.DataFrame(records).reindex(columns=list(RECORD_COLUMNS)).astype("str")
    ctx = pd.DataFrame(texts, columns=["record_id", "field", "text"]).astype("str")
    return Findings(
        frame=sort_findings(finding_frame(rows)),
        rules={r.id: r for r in rules},
        records=recs,
        contexts=ctx,
        inputs=["records.ndjson"],
        created="2026-11-22T05:00:00Z",
    )


SUMMARY = (
    "Background. "
    + "Filler words about the study design. " * 80
    + "The DCR is a secondary endpoint here."
)


def small() -> Findings:
    dcr = SUMMARY.index("DCR")
    records = [
        {
            "record_id": "NCT00000001",
            "source_path": "records.ndjson",
            "registry": "ctgov",
            "brief_title": "A trial",
            "overall_status": "COMPLETED",
            "phases": "PHASE2",
            "start_date": "2019-03",
            "study_type": "INTERVENTIONAL",
            "allocation": "RANDOMIZED",
        },
        {
            "record_id": "NCT00000002",
            "source_path": "records.ndjson",
            "registry": "ctgov",
            "brief_title": "Another",
            "overall_status": "RECRUITING",
            "phases": "PHASE1|PHASE2",
            "start_date": "2021",
        },
        {
            "record_id": "NCT00000003",
            "source_path": "records.ndjson",
            "registry": "ctgov",
            "brief_title": "Clean one",
            "overall_status": "COMPLETED",
        },
    ]
    rows = [
        {
            "record_id": "NCT00000001",
            "rule": "endpoint-x",
            "severity": "warning",
            "field": "descriptionModule.briefSummary",
            "start": dcr,
            "end": dcr + 3,
            "message": "DCR is not measured",
            "source_path": "records.ndjson",
            "source_line": 1,
        },
        {
            "record_id": "NCT00000001",
            "rule": "time-frame-y",
            "severity": "error",
            "field": "outcomes[primary][0].time_frame",
            "message": "no time frame",
            "source_path": "records.ndjson",
        },
        {
            "record_id": "NCT00000002",
            "rule": "endpoint-x",
            "severity": "warning",
            "field": "identificationModule.briefTitle",
            "start": 0,
            "end": 7,
            "message": "title issue",
            "source_path": "records.ndjson",
        },
        {
            "record_id": "NCT00000002",
            "rule": "status-z",
            "severity": "info",
            "field": "statusModule.overallStatus",
            "start": 0,
            "end": 10,
            "message": "status note",
            "source_path": "records.ndjson",
        },
    ]
    texts = [
        ("NCT00000001", "descriptionModule.briefSummary", SUMMARY),
        ("NCT00000002", "identificationModule.briefTitle", "Another"),
    ]
    return make_findings(
        records,
        rows,
        texts,
        [
            rule("endpoint-x"),
            rule("time-frame-y", "error"),
            rule("status-z", "info"),
            rule("quiet-rule"),
        ],
    )


def data_of(text: str) -> dict:
    page = Page(text)
    (block,) = [a for a in page.attrs("script") if a.get("id") == "trialint-data"]
    assert block["type"] == "application/octet-stream"
    packed = page.raw["script"][[a.get("id") for a in page.attrs("script")].index("trialint-data")]
    return H.unpack(packed.strip())


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Findings, str]:
    paths = write_xss(tmp_path_factory.mktemp("xss"))
    findings = add_hostile_findings(trialint.check([str(p) for p in paths]), paths)
    return findings, findings.render("html")


# --- pure helpers -------------------------------------------------------------------------------


def test_registry_links_only_from_valid_ids() -> None:
    assert H.registry_link("NCT01234567") == (
        "https://clinicaltrials.gov/study/NCT01234567",
        "ClinicalTrials.gov",
    )
    assert H.registry_link("ISRCTN12345678")[0] == "https://www.isrctn.com/ISRCTN12345678"
    assert H.registry_link("2004-000123-45")[0].endswith("query=2004-000123-45")
    for bad in (
        "NCT0123456",
        "NCT012345678",
        BAD_ID,
        "javascript:alert(1)",
        "NCT01234567 ",
        "x NCT01234567",
        None,
        "",
    ):
        assert H.registry_link(bad) is None, bad


def test_pretty_enums_only() -> None:
    assert H.pretty("NOT_YET_RECRUITING") == "Not yet recruiting"
    assert H.pretty("PHASE1|PHASE2") == "Phase 1/Phase 2"
    assert H.pretty("EARLY_PHASE1") == "Early phase 1"
    assert H.pretty("NA") == "Not applicable"
    assert H.pretty("<img src=x>") == "<img src=x>"
    assert H.pretty(float("nan")) == ""


def ctx_of(text: str) -> H.Context:
    return H.Context(len(text), ((0, text),))


def test_snippet_marks_the_span_with_context() -> None:
    text = "a" * 50 + "SPAN" + "b" * 50
    parts = H.snippet(ctx_of(text), 50, 54, 10, 100)
    assert parts == [("g", "…"), ("t", "a" * 10), ("m", "SPAN"), ("t", "b" * 10), ("g", "…")]
    assert H.snippet(ctx_of("SPAN"), 0, 4, 10, 100) == [("m", "SPAN")]


def test_snippet_long_span_head_and_tail_zero_width_and_no_span() -> None:
    text = "x" * 10 + "H" * 100 + "T" * 100 + "y" * 10
    parts = H.snippet(ctx_of(text), 10, 210, 5, 40)
    assert [k for k, _ in parts] == ["g", "t", "m", "g", "m", "t", "g"]
    assert parts[2] == ("m", "H" * 20) and parts[4] == ("m", "T" * 20)
    assert ("m", "") in H.snippet(ctx_of("abcdef"), 3, 3, 2, 10)  # an insertion point
    assert H.snippet(ctx_of("abcdefghij"), -1, -1, 2, 10) == [("t", "abcd"), ("g", "…")]  # the head


def test_snippet_over_segments_shows_gaps() -> None:
    ctx = H.Context(1000, ((100, "0123456789"), (500, "abcdefghij")))
    assert H.snippet(ctx, 503, 505, 200, 100) == [
        ("g", "…"),
        ("t", "abc"),
        ("m", "de"),
        ("t", "fghij"),
        ("g", "…"),
    ]


def test_merged_windows_merge_clip_and_keep_fields_apart() -> None:
    import numpy as np

    cid = np.array([0, 0, 1, 0])
    s = np.array([100, 130, 5, 900])
    e = np.array([110, 140, 8, 905])
    length = np.array([1000, 50])
    c, a, b = H.merged_windows(cid, s, e, length, 20)
    assert list(zip(c.tolist(), a.tolist(), b.tolist(), strict=True)) == [
        (0, 80, 160),
        (0, 880, 925),
        (1, 0, 28),
    ]
    # a span longer than 2*SPAN_KEEP keeps its head and tail only
    c, a, b = H.merged_windows(np.array([0]), np.array([0]), np.array([5000]), np.array([6000]), 10)
    assert list(zip(a.tolist(), b.tolist(), strict=True)) == [
        (0, H.SPAN_KEEP + 10),
        (5000 - H.SPAN_KEEP - 10, 5010),
    ]


# --- the rendered page ----------------------------------------------------------------------------


def test_header_overview_and_counts() -> None:
    out = small().render("html")
    assert out.startswith("<!DOCTYPE html>")
    page = Page(out)
    assert [t for t, _ in page.tags].count("h1") == 1
    assert "records.ndjson" in out and ">3</dd>" in out  # inputs and record count
    assert '<span class="n">1</span> <span class="w">error</span>' in out
    assert '<span class="n">2</span> <span class="w">warnings</span>' in out
    assert '<span class="n">1</span> <span class="w">info</span>' in out
    assert '<span class="n">1</span> <span class="w">clean records (33.3%)</span>' in out
    assert "2026-11-22 05:00 UTC" in out and trialint.__version__ in out
    # findings per rule: a sortable table with headers, and a bar chart; severity in words
    assert (
        'id="rule-table"' in out
        and '<th scope="col" data-type="num" class="num" aria-sort="descending">Findings</th>'
        in out
    )
    assert re.search(r'<svg class="chart" role="img" aria-labelledby="cap-rules"', out)
    assert '<span class="sev sev-error">error</span>' in out
    # breakdowns where the fields exist
    for title in ("By registry", "By overall status", "By phase", "By start year"):
        assert title in out
    assert "Phase 1/Phase 2" in out and "Not yet recruiting" not in out
    # a rule that found nothing is listed apart
    assert "1 rule ran and found nothing" in out and 'id="rule-quiet-rule"' in out


def test_rule_documentation_and_findings_in_context() -> None:
    out = small().render("html")
    assert 'id="rule-endpoint-x"' in out and "endpoint-x summary." in out
    assert "<h4>Why it matters</h4><p>Why.</p><p>More why.</p>" in out.replace("\n", "")
    assert "<h4>How to fix</h4><p>Fix it.</p>" in out.replace("\n", "")
    # the offending span highlighted inside its field's text, with context around it
    assert "<mark>DCR</mark> is a secondary endpoint here." in out
    assert "<mark>status not</mark>" not in out and "<mark>Recruiting</mark>" not in out
    assert "<mark>RECRUITING</mark>" in out  # a key field's value is its context
    # record cards: id linked to the registry, key fields
    assert (
        '<a class="ext" href="https://clinicaltrials.gov/study/NCT00000001" rel="noopener noreferrer" target="_blank">'
        in out
    )
    assert "Interventional, Randomized" in out and "Phase 2" in out


def test_rule_cap_shows_the_first_n_and_says_how_many_more() -> None:
    records = [{"record_id": f"NCT{i:08d}", "brief_title": f"T{i}"} for i in range(12)]
    rows = [
        {"record_id": f"NCT{i:08d}", "rule": "busy", "severity": "warning", "message": f"m{i}"}
        for i in range(12)
    ]
    out = make_findings(records, rows, [], [rule("busy")]).render("html", per_rule=3)
    doc = out[out.index('id="rule-busy"') :]
    doc = doc[: doc.index("</article>")]
    assert "First 3 of 12 findings" in doc and doc.count('<li class="fi') == 3
    assert "9 more findings" in doc and "Download all 12 as CSV" in doc
    assert len(data_of(out)["f"]["r"]) == 12  # every finding is in the data (explorer, CSV)


def test_static_list_is_capped_but_data_is_complete() -> None:
    records = [{"record_id": f"NCT{i:08d}"} for i in range(40)]
    rows = [
        {"record_id": f"NCT{i:08d}", "rule": "r", "severity": "info", "message": "m"}
        for i in range(40)
        for _ in range(3)
    ]
    out = make_findings(records, rows, [], [rule("r", "info")]).render(
        "html", static_findings=10, per_rule=2
    )
    listing = out[out.index('id="list"') : out.index('id="recview"')]
    assert listing.count('<article class="rec static"') == 3  # whole records only: 3 x 3 findings
    assert "3 records with 9 findings shown here, of 40 records with findings" in out
    data = data_of(out)
    assert len(data["f"]["r"]) == 120 and len(data["rec"]["id"]) == 40


def test_embedded_data_round_trips() -> None:
    f = small()
    data = data_of(f.render("html"))
    fd, rec = data["f"], data["rec"]
    assert data["sev"] == ["error", "warning", "info"]
    assert len(fd["r"]) == len(f.frame) == 4
    assert rec["id"] == ["NCT00000001", "NCT00000002"] and data["clean"] == ["NCT00000003"]
    rules = [r[0] for r in data["rules"]]
    got = sorted(
        (rec["id"][r], rules[u], data["M"][m])
        for r, u, m in zip(fd["r"], fd["u"], fd["m"], strict=True)
    )
    want = sorted(zip(f.frame["record_id"], f.frame["rule"], f.frame["message"], strict=True))
    assert got == want
    # the embedded text reproduces each flagged span
    texts = {
        "descriptionModule.briefSummary": SUMMARY,
        "identificationModule.briefTitle": "Another",
        "statusModule.overallStatus": "RECRUITING",
    }
    fields = data["S"]
    checked = 0
    for i in range(len(fd["r"])):
        if fd["c"][i] < 0 or fd["a"][i] < 0:
            continue
        flat = data["ctx"][fd["c"][i]]
        segs = dict(zip(flat[1::2], flat[2::2], strict=True))
        off = max(o for o in segs if o <= fd["a"][i])
        span = segs[off][fd["a"][i] - off : fd["b"][i] - off]
        assert span == texts[fields[fd["fl"][i]]][fd["a"][i] : fd["b"][i]]
        checked += 1
    assert checked == 3
    assert H.pretty("PHASE1|PHASE2") in data["S"]


def test_long_fields_are_cut_to_windows_within_the_budget() -> None:
    f = small()
    full = data_of(f.render("html"))
    cut = data_of(f.render("html", context_budget=200))
    total = lambda d: sum(len(x) for c in d["ctx"] for x in c[2::2])  # noqa: E731
    summary = lambda d: next(c for c in d["ctx"] if c[0] == len(SUMMARY))  # noqa: E731
    dcr = SUMMARY.index("DCR")
    # widest level: short fields whole, a long one 300 characters each side of its span
    assert summary(full) == [len(SUMMARY), dcr - 300, SUMMARY[dcr - 300 :]]
    assert total(full) == len(SUMMARY) - (dcr - 300) + len("Another") + len("RECRUITING")
    # a tight budget: the widest level that fits (140 each side)
    assert summary(cut) == [len(SUMMARY), dcr - 140, SUMMARY[dcr - 140 :]]
    assert total(cut) <= 200


def test_empty_run_renders() -> None:
    f = make_findings([{"record_id": "NCT00000009"}], [], [], [rule("r")])
    out = f.render("html")
    assert "No findings." in out and "clean records (100.0%)" in out
    assert data_of(out)["f"]["r"] == []


def test_read_error_record_without_key_fields_still_listed() -> None:
    rows = [
        {
            "record_id": "broken.json",
            "rule": "read-error",
            "severity": "error",
            "message": "invalid JSON at line 3",
            "source_path": "broken.json",
            "source_line": 3,
        }
    ]
    out = make_findings([{"record_id": "NCT00000001"}], rows, [], []).render("html")
    data = data_of(out)
    assert data["rec"]["id"] == ["broken.json"] and data["clean"] == ["NCT00000001"]
    assert (
        "invalid JSON at line 3" in out
        and "broken.json:3" in out
        and "A record or file could not be read." in out
    )


def test_suppressed_findings_are_listed_with_their_reason() -> None:
    f = small()
    sup = f.frame.head(1).copy()
    sup["reason"] = "baseline: known since 2025"
    f.suppressed = sup
    out = f.render("html")
    assert (
        'id="suppressed"' in out
        and "baseline: known since 2025" in out
        and "1 finding matched a suppression" in out
    )


def test_renderer_is_registered() -> None:
    f = small()
    assert f.to_html().startswith("<!DOCTYPE html>")
    assert f.render("html", title="Q3 audit").count("Q3 audit") >= 2


# --- security -------------------------------------------------------------------------------------


def test_csp_allows_only_the_pages_own_script_and_style(hostile: tuple[Findings, str]) -> None:
    _, out = hostile
    page = Page(out)
    metas = page.attrs("meta")
    assert metas[0] == {"charset": "utf-8"}
    assert metas[1]["http-equiv"] == "Content-Security-Policy"
    policy = dict(p.strip().split(" ", 1) for p in metas[1]["content"].split(";") if p.strip())

    def sha(s):
        return "'sha256-" + base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() + "'"

    assert policy["default-src"] == "'none'"
    assert policy["script-src"] == sha(JS) and policy["style-src"] == sha(CSS)
    assert (
        policy["img-src"] == "data:"
        and policy["base-uri"] == "'none'"
        and policy["form-action"] == "'none'"
    )
    assert policy["require-trusted-types-for"] == "'script'"
    assert "http" not in metas[1]["content"] and "unsafe" not in metas[1]["content"]
    # the inline script and style are exactly the hashed files
    assert [a for a in page.attrs("script") if "id" not in a] == [{}]
    assert JS in page.raw["script"] and page.raw["style"] == [CSS]


def test_hostile_record_text_is_escaped_everywhere(hostile: tuple[Findings, str]) -> None:
    findings, out = hostile
    assert findings.frame["record_id"].eq(XSS_ID).sum() > 10
    page = Page(out)
    # no element or attribute from record text: only our two scripts, our style, our charts
    assert len(page.attrs("script")) == 2 and len(page.attrs("style")) == 1
    for tag in ("img", "iframe", "textarea", "object", "embed", "base", "frame", "link"):
        assert [a for t, a in page.tags if t == tag] == (
            [{"rel": "icon", "href": "data:,"}] if tag == "link" else []
        ), tag
    assert [a.get("id") for a in page.attrs("form")] == ["filters"]
    assert page.attrs("body") == [{}] and all(
        a == {} for a in page.attrs("title")
    )  # <title>: the page's and the charts' tooltips
    assert all(a.get("class") == "chart" for a in page.attrs("svg"))
    for tag, attrs in page.tags:
        assert not [k for k in attrs if k.startswith("on")], (tag, attrs)
        for k in ("href", "src", "action", "formaction", "xlink:href"):
            v = attrs.get(k)
            if v is None:
                continue
            assert (
                v.startswith("#")
                or v == "data:,"
                or re.fullmatch(r"https://clinicaltrials\.gov/study/NCT[0-9]{8}", v)
            ), (tag, k, v)
    for p in PAYLOADS:
        assert p not in out, p
    # the payloads are there, as text
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in out
    assert "&lt;/textarea&gt;&lt;svg onload=window.__pwned=3&gt;" in out
    assert "Summary with &lt;script&gt;" in out  # rule documentation is escaped too
    # the record with a hostile id: shown, never linked
    assert (
        "NCT1&#34;&gt;&lt;img src=x onerror=window.__pwned=20&gt;" in out
        or "NCT1&quot;&gt;&lt;img" in out
    )
    assert "clinicaltrials.gov/study/NCT1" not in out
    assert (
        H.registry_link(XSS_ID) is not None and f"https://clinicaltrials.gov/study/{XSS_ID}" in out
    )


def test_data_block_cannot_break_out(hostile: tuple[Findings, str]) -> None:
    _, out = hostile
    page = Page(out)
    packed = page.raw["script"][
        [a.get("id") for a in page.attrs("script")].index("trialint-data")
    ].strip()
    assert re.fullmatch(r"[A-Za-z0-9+/=]+", packed)
    data = H.unpack(packed)
    assert BAD_ID in data["rec"]["id"] and any(PAYLOADS[0] in m for m in data["M"])


def test_page_script_uses_no_html_sinks_or_network() -> None:
    code = re.sub(r"//[^\n]*|/\*.*?\*/", "", JS, flags=re.S)
    for sink in (
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
        'setTimeout("',
        "fetch(",
        "XMLHttpRequest",
        "WebSocket",
        "EventSource",
        "sendBeacon",
        "import(",
        "srcdoc",
    ):
        assert sink not in code, sink
    assert "@import" not in CSS and "url(" not in CSS


def test_hostile_rule_documentation_in_the_rules_section(hostile: tuple[Findings, str]) -> None:
    _, out = hostile
    doc = out[out.index(f'id="rule-{HOSTILE_RULE.id}"') :]
    assert "Why with &lt;img src=x onerror=&#34;window.__pwned=2&#34;&gt;" in doc


# --- on real records ------------------------------------------------------------------------------


def test_report_of_the_seeds() -> None:
    f = trialint.check([str(SEEDS)])
    out = f.render("html")
    for rid in f.records["record_id"]:
        assert rid in out
    data = data_of(out)
    assert len(data["f"]["r"]) == len(f)
    assert "By overall status" not in out  # the seeds' text layout carries no status


# --- command line ---------------------------------------------------------------------------------


def test_cli_report_default_path_and_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    res = runner.invoke(main, ["report", str(SEEDS)])
    assert res.exit_code == 0, res.output
    out = tmp_path / "reports" / "trialint-seeds.html"
    assert out.is_file() and "trialint audit report" in out.read_text(encoding="utf-8")
    res = runner.invoke(
        main, ["report", str(SEEDS), "-o", "sub/r.html", "--title", "Seeds audit", "-q"]
    )
    assert res.exit_code == 0 and "Seeds audit" in (tmp_path / "sub" / "r.html").read_text(
        encoding="utf-8"
    )


def test_cli_check_html_option(tmp_path: Path) -> None:
    target = tmp_path / "out" / "check.html"
    res = CliRunner().invoke(main, ["check", str(SEEDS), "--html", str(target), "-q"])
    assert res.exit_code in (0, 1), res.output
    assert target.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")
    f = trialint.check([str(SEEDS)])
    assert len(data_of(target.read_text(encoding="utf-8"))["f"]["r"]) == len(f)


def test_default_report_path() -> None:
    from trialint.cli import _default_report_path

    assert _default_report_path(("data/studies.ndjson",)) == Path("reports/trialint-studies.html")
    assert _default_report_path(("-",)) == Path("reports/trialint-stdin.html")
    assert _default_report_path(("a b/x<y>.json", "c")) == Path(
        "reports/trialint-x-y-and-1-more.html"
    )
