"""The HTML report in a real browser: Debian's chromium driven by playwright (no browser download).

Opens the report of the seeds + 300 corpus records + a hostile record (XSS payloads in every text
field, a hostile record id), offline from disk, and checks: no console error, no network request,
filters and search work, a record opens with its findings in context, no injected script ran,
CSV download, sorting, keyboard, the page without JS, print styles. Screenshots go to
test-artifacts/.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import trialint
from html_fixtures import (
    BAD_ID,
    HOSTILE_RULE,
    PAYLOADS,
    XSS_ID,
    add_hostile_findings,
    write_xss,
)

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"
STUDIES = SHARED / "corpus" / "ctgov_v2_json" / "studies.ndjson"
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[trialint.Findings, Path]:
    tmp = tmp_path_factory.mktemp("e2e")
    corpus = tmp / "corpus300.ndjson"
    with STUDIES.open(encoding="utf-8") as src:
        corpus.write_text(
            "".join(line for _, line in zip(range(300), src, strict=False)), encoding="utf-8"
        )
    xss = write_xss(tmp / "xss")
    findings = add_hostile_findings(trialint.check([str(SEEDS), str(corpus), *map(str, xss)]), xss)
    path = tmp / "report.html"
    path.write_text(findings.render("html"), encoding="utf-8")
    return findings, path


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Watched:
    """A page with everything that must not happen recorded: console errors, page errors,
    dialogs (alert/confirm), requests other than the report itself."""

    def __init__(self, browser: Any, path: Path, js: bool = True) -> None:
        self.context = browser.new_context(
            viewport={"width": 1400, "height": 1000}, java_script_enabled=js, accept_downloads=True
        )
        self.page = self.context.new_page()
        self.url = path.as_uri()
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.dialogs: list[str] = []
        self.page.on(
            "console",
            lambda m: (
                self.errors.append(f"{m.type}: {m.text}")
                if m.type in ("error", "warning")
                else None
            ),
        )
        self.page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(self.url, wait_until="load")
        if js:
            self.page.wait_for_selector("html[data-ready='1']", state="attached", timeout=30_000)

    def assert_clean(self) -> None:
        assert self.errors == []
        assert self.dialogs == []
        assert [u for u in self.requests if u != self.url and not u.startswith("blob:")] == []
        assert self.page.evaluate("typeof window.__pwned") == "undefined"

    def shot(self, name: str, full_page: bool = False) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        out = ARTIFACTS / f"html-report-{name}.png"
        self.page.screenshot(path=str(out), full_page=full_page)
        return out

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def page(browser: Any, report: tuple[trialint.Findings, Path]) -> Iterator[Watched]:
    w = Watched(browser, report[1])
    yield w
    w.close()


def status(w: Watched) -> str:
    return w.page.inner_text("#status")


def wait_status_change(w: Watched, before: str) -> str:
    w.page.wait_for_function("s => document.getElementById('status').textContent !== s", arg=before)
    return status(w)


def test_opens_offline_with_no_error_and_no_request(
    page: Watched, report: tuple[trialint.Findings, Path]
) -> None:
    findings, _ = report
    flagged = findings.frame["record_id"].nunique()
    assert page.page.evaluate("window.trialintReport.findings") == len(findings)
    assert re.search(rf"of {flagged:,} records with {len(findings):,} findings\.", status(page))
    assert page.page.locator("#list .rec").count() == 25
    assert page.page.locator("#filters").is_visible()
    page.shot("overview")
    page.page.locator("#findings").scroll_into_view_if_needed()
    page.page.evaluate("document.getElementById('findings').scrollIntoView()")
    page.shot("findings")
    page.assert_clean()


def test_filter_by_rule_severity_record_and_text_then_open_a_record(
    page: Watched, report: tuple[trialint.Findings, Path]
) -> None:
    findings, _ = report
    p = page.page
    n_rule = int((findings.frame["rule"] == HOSTILE_RULE.id).sum())
    before = status(page)
    value = p.eval_on_selector(
        "#f-rule",
        "(s, id) => [...s.options].find(o => o.text.startsWith(id + ' ')).value",
        HOSTILE_RULE.id,
    )
    p.select_option("#f-rule", value=value)
    text = wait_status_change(page, before)
    assert f"with {n_rule:,} findings matching the filter" in text
    assert set(p.locator("#list .fi .rule").all_inner_texts()) == {HOSTILE_RULE.id}
    assert p.locator("#rule-banner").is_visible() and HOSTILE_RULE.id in p.inner_text(
        "#rule-banner"
    )
    # severity: drop errors
    n_warn = int(
        (
            (findings.frame["rule"] == HOSTILE_RULE.id) & (findings.frame["severity"] != "error")
        ).sum()
    )
    before = status(page)
    p.uncheck('.filters input[value="error"]')
    assert f"with {n_warn:,} finding" in wait_status_change(page, before)
    assert "ERROR" not in {s.upper() for s in p.locator("#list .fi .sev").all_inner_texts()}
    p.check('.filters input[value="error"]')
    # record id, then free text that only the hostile record's twin passage has
    before = status(page)
    p.fill("#f-rec", XSS_ID)
    assert "of 1 record with" in wait_status_change(page, before)
    # a long card shows its first 8 findings, and the rest on demand
    n_xss = int((findings.frame["record_id"] == XSS_ID).sum())
    assert n_xss > 10
    before = status(page)
    p.select_option("#f-rule", value="")
    wait_status_change(page, before)
    assert p.locator("#list .fi").count() == 8
    p.click("#list button.show-all")
    assert p.locator("#list .fi").count() == n_xss
    before = status(page)
    p.fill("#q", "also in the BRIEF summary")
    assert "of 1 record with 1 finding matching" in wait_status_change(page, before)
    page.shot("filtered")
    # open the record: key fields, every finding in context, both places of the duplicate
    p.click("#list .rec a.open")
    p.wait_for_selector("#recview:not([hidden]) .keyfields")
    assert p.url.endswith("#record=" + XSS_ID)
    view = p.inner_text("#recview")
    assert "Second place" in view and "descriptionModule.briefSummary" in view
    assert p.locator("#recview .fi").count() == n_xss
    marks = p.locator("#recview mark").all_inner_texts()
    assert marks.count("The same sentence is repeated here for a twin.") == 2
    assert "<script>window.__pwned=1</script>" in view  # hostile text shown as text
    assert (
        p.locator("#recview a.ext").first.get_attribute("href")
        == f"https://clinicaltrials.gov/study/{XSS_ID}"
    )
    page.shot("record")
    p.go_back()
    p.wait_for_selector("#recview", state="hidden")
    assert p.locator("#list .rec").count() == 1
    page.assert_clean()


def test_no_injected_markup_or_script_anywhere(page: Watched) -> None:
    p = page.page
    for rid in (XSS_ID, BAD_ID):
        before = status(page)
        p.fill("#f-rec", rid)
        wait_status_change(page, before)
        p.locator("#list .rec a.open").first.click()
        p.wait_for_selector("#recview:not([hidden]) .keyfields")
        assert p.locator("#recview .rid").first.inner_text() == rid
        p.keyboard.press("Escape")
        p.wait_for_selector("#recview", state="hidden")
    p.fill("#f-rec", "")
    p.fill("#q", "pwned")
    p.wait_for_timeout(400)
    # nothing from record text became an element, a handler or a link
    counts = p.evaluate(
        """() => ({
          bad: document.querySelectorAll('img, iframe, textarea, object, embed, base, svg:not(.chart), [onerror], [onload], [onmouseover], [srcdoc]').length,
          scripts: document.scripts.length,
          hrefs: [...document.querySelectorAll('[href]')].map(a => a.getAttribute('href')),
        })"""
    )
    assert counts["bad"] == 0 and counts["scripts"] == 2
    for href in counts["hrefs"]:
        assert (
            href.startswith("#")
            or href == "data:,"
            or re.fullmatch(r"https://clinicaltrials\.gov/study/NCT[0-9]{8}", href)
        ), href
    assert p.locator("body").is_visible()  # the <style> payload did not hide the page
    page.shot("hostile-search")
    page.assert_clean()


def test_keyboard_navigation(page: Watched) -> None:
    p = page.page
    p.keyboard.press("/")
    assert p.evaluate("document.activeElement.id") == "q"
    p.keyboard.press("Escape")
    p.keyboard.press("j")
    p.keyboard.press("j")
    assert p.evaluate("document.querySelector('#list .rec.cur').dataset.i") == "1"
    rid = p.locator("#list .rec.cur .rid").inner_text()
    p.keyboard.press("Enter")
    p.wait_for_selector("#recview:not([hidden]) .keyfields")
    assert p.locator("#recview .rid").first.inner_text() == rid
    p.keyboard.press("j")  # next record
    p.wait_for_function(
        "r => document.querySelector('#recview .rid') && document.querySelector('#recview .rid').textContent !== r",
        arg=rid,
    )
    p.keyboard.press("u")
    p.wait_for_selector("#recview", state="hidden")
    before = status(page)
    p.keyboard.press("n")
    assert wait_status_change(page, before).startswith("Records 26–50")
    p.keyboard.press("?")
    assert p.locator("#help").is_visible()
    p.keyboard.press("Escape")
    assert not p.locator("#help").is_visible()
    page.assert_clean()


def test_csv_download_of_a_rule(page: Watched, report: tuple[trialint.Findings, Path]) -> None:
    findings, _ = report
    p = page.page
    with p.expect_download() as dl:
        p.locator(f"#rule-{HOSTILE_RULE.id} button.csv-rule").click()
    rows = list(csv.reader(io.StringIO(Path(dl.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0][:4] == ["record", "rule", "severity", "field"]
    assert len(rows) - 1 == int((findings.frame["rule"] == HOSTILE_RULE.id).sum())
    assert {r[1] for r in rows[1:]} == {HOSTILE_RULE.id}
    assert any(r[0] == XSS_ID and "<script>" in r[6] for r in rows[1:])  # text kept as text
    assert not [
        c for r in rows[1:] for c in r if c[:1] in ("=", "+", "@")
    ]  # no spreadsheet formulas
    page.assert_clean()


def test_rule_table_sorts(page: Watched) -> None:
    p = page.page

    def counts():
        return [
            int(x.replace(",", ""))
            for x in p.locator("#rule-table tbody td:nth-child(3)").all_inner_texts()
        ]

    first = counts()
    assert first == sorted(first, reverse=True)
    p.click("#rule-table thead th:nth-child(3) button")
    assert counts() == sorted(first)
    assert p.get_attribute("#rule-table thead th:nth-child(3)", "aria-sort") == "ascending"
    p.click("#rule-table thead th:nth-child(1) button")
    names = p.locator("#rule-table tbody th").all_inner_texts()
    assert names == sorted(names, key=str.lower) or names == sorted(names)
    page.assert_clean()


def test_readable_without_javascript(browser: Any, report: tuple[trialint.Findings, Path]) -> None:
    findings, path = report
    w = Watched(browser, path, js=False)
    try:
        p = w.page
        assert p.locator("h1").inner_text() == "trialint audit report"
        assert not p.locator("#filters").is_visible()  # needs JS: hidden
        first = findings.records["record_id"].iloc[0]
        assert p.locator("#list .rec").first.locator(".rid").text_content() == first
        assert p.locator("#list mark").count() > 0
        assert "shown here, of" in p.inner_text("#status")
        assert p.locator(f"#rule-{HOSTILE_RULE.id} .fi").count() == 10
        w.shot("no-js")
        w.assert_clean()
    finally:
        w.close()


def test_print_stylesheet(page: Watched) -> None:
    p = page.page
    p.emulate_media(media="print")
    assert p.evaluate("getComputedStyle(document.getElementById('filters')).display") == "none"
    assert p.evaluate("getComputedStyle(document.querySelector('.pager')).display") == "none"
    assert p.locator(".sev").first.inner_text().strip().lower() in ("error", "warning", "info")
    page.shot("print")
    page.assert_clean()


# --- the changes view of `trialint report --diff OLD NEW` ----------------------------------------

CHANGED_ID = "NCT09000001"
ADDED_ID = "NCT09000002"


def _version(nct: str, date: str, status: str, primary: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "protocolSection": {
            "identificationModule": {"nctId": nct, "briefTitle": f"Trial {nct}"},
            "statusModule": {
                "overallStatus": status,
                "lastUpdateSubmitDate": date,
                "startDateStruct": {"date": "2019-01", "type": "ACTUAL"},
                "primaryCompletionDateStruct": {"date": "2021-06", "type": "ACTUAL"},
            },
            "outcomesModule": {"primaryOutcomes": primary},
        }
    }


@pytest.fixture(scope="module")
def changes_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`trialint report --diff` (the real command) on two downloads: a time point moved after the
    primary completion, an outcome added whose text is hostile, and a hostile record."""
    from click.testing import CliRunner

    from trialint.cli import main

    tmp = tmp_path_factory.mktemp("e2e-changes")
    old, new = tmp / "old", tmp / "new"
    old.mkdir()
    new.mkdir()
    hba1c = "Change from baseline in HbA1c"
    hostile = f"Hostile outcome {PAYLOADS[0]} {PAYLOADS[1]} {PAYLOADS[4]}"
    versions = {
        old: [
            _version(
                CHANGED_ID,
                "2020-03-01",
                "RECRUITING",
                [{"measure": hba1c, "timeFrame": "12 weeks"}],
            ),
            _version(
                ADDED_ID,
                "2020-03-01",
                "RECRUITING",
                [{"measure": "Body weight", "timeFrame": "6 months"}],
            ),
            _version(
                XSS_ID,
                "2020-03-01",
                "RECRUITING",
                [{"measure": PAYLOADS[2], "timeFrame": "4 weeks"}],
            ),
        ],
        new: [
            _version(
                CHANGED_ID, "2022-01-10", "COMPLETED", [{"measure": hba1c, "timeFrame": "24 weeks"}]
            ),
            _version(
                ADDED_ID,
                "2022-01-10",
                "COMPLETED",
                [
                    {"measure": "Body weight", "timeFrame": "6 months"},
                    {"measure": hostile, "timeFrame": "6 months", "description": PAYLOADS[3]},
                ],
            ),
            _version(
                XSS_ID,
                "2022-01-10",
                "COMPLETED",
                [{"measure": PAYLOADS[5], "timeFrame": "8 weeks"}],
            ),
        ],
    }
    for folder, studies in versions.items():
        for s in studies:
            nct = s["protocolSection"]["identificationModule"]["nctId"]
            (folder / f"{nct}.json").write_text(json.dumps(s), encoding="utf-8")
    out = tmp / "changes.html"
    r = CliRunner().invoke(
        main, ["report", "--diff", str(old), str(new), "--isolated", "-o", str(out)]
    )
    assert r.exit_code == 0, r.output
    return out


def test_changes_view_before_and_after_word_by_word(browser: Any, changes_report: Path) -> None:
    w = Watched(browser, changes_report)
    try:
        page = w.page
        page.click("nav.toc a[href='#changes']")
        section = page.locator("#changes")
        assert section.is_visible()
        assert page.evaluate("location.hash") == "#changes"
        box = section.bounding_box()
        assert box is not None and box["y"] < 1000  # scrolled into view
        # the moved time point: the old number struck out before, the new one marked after
        moved = section.locator("article.change", has_text="primary-outcome-timing-changed").filter(
            has_text=CHANGED_ID
        )
        assert moved.count() == 1
        before, after = moved.locator(".before .pre"), moved.locator(".after .pre")
        assert before.locator("del").all_inner_texts() == ["12"]
        assert after.locator("ins").all_inner_texts() == ["24"]
        assert "Change from baseline in HbA1c" in before.inner_text()
        assert "Change from baseline in HbA1c" in after.inner_text()
        # after the primary completion date: outcome switching, an error
        assert moved.locator(".sev").first.inner_text().strip().lower() == "error"
        del_style = page.evaluate(
            "getComputedStyle(document.querySelector('#changes del')).textDecorationLine"
        )
        assert "line-through" in del_style
        # an added outcome: nothing before, every word inserted after
        added = section.locator("article.change", has_text="primary-outcome-added").filter(
            has_text=ADDED_ID
        )
        assert added.count() == 1
        assert added.locator(".before .none").inner_text() == "(not in the older version)"
        assert "Hostile outcome" in added.locator(".after ins").first.inner_text()
        # the record link leads to the record's findings
        href = added.locator("a.rid").get_attribute("href")
        assert href and ADDED_ID in href
        w.shot("changes")
        w.assert_clean()
    finally:
        w.close()


def test_changes_view_shows_record_text_as_text(browser: Any, changes_report: Path) -> None:

    w = Watched(browser, changes_report)
    try:
        section = w.page.locator("#changes")
        # no element of a payload made it into the page: no script, image, svg, iframe, link
        for tag in ("script", "img", "svg", "iframe", "style", "a[href^='javascript']"):
            assert section.locator(tag).count() == 0, tag
        text = section.inner_text()
        for payload in (PAYLOADS[0], PAYLOADS[1], PAYLOADS[2], PAYLOADS[3], PAYLOADS[5]):
            assert payload in text  # shown, literally, as the record's words
        # the only scripts are the report's own: its data and its code
        scripts = w.page.evaluate(
            "[...document.querySelectorAll('script')].map(s => [s.id, s.type, s.src])"
        )
        assert scripts == [["trialint-data", "application/octet-stream", ""], ["", "", ""]]
        w.assert_clean()
    finally:
        w.close()


# --- layout: nothing overflows at 1400 px and 800 px ------------------------------------------------

LAYOUT_PROBE = """() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const out = [];
  const vis = el => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const within = (inner, outer, what) => {
    const a = inner.getBoundingClientRect(), b = outer.getBoundingClientRect();
    if (a.left < b.left - 1 || a.right > b.right + 1)
      out.push(what + ': ' + (inner.id || inner.getAttribute('class') || inner.tagName) + ' [' + Math.round(a.left) + ',' +
        Math.round(a.right) + '] outside [' + Math.round(b.left) + ',' + Math.round(b.right) + ']');
  };
  if (document.documentElement.scrollWidth > window.innerWidth + 1)
    out.push('page scrolls sideways: ' + document.documentElement.scrollWidth + ' > ' + window.innerWidth);
  document.querySelectorAll('.scroll').forEach(sc => {
    if (vis(sc) && sc.scrollWidth > sc.clientWidth + 1)
      out.push('scroll box needs scrolling: ' + (sc.firstElementChild && (sc.firstElementChild.id || sc.firstElementChild.className)) + ' ' + sc.scrollWidth + ' > ' + sc.clientWidth);
  });
  document.querySelectorAll('.card').forEach(card => {
    card.querySelectorAll('*').forEach(el => { if (vis(el)) within(el, card, 'card ' + card.querySelector('h4').textContent); });
  });
  document.querySelectorAll('.top .wrap > *, #overview > *, .filters > *').forEach(el => {
    if (vis(el)) within(el, el.closest('.wrap'), 'section');
  });
  document.querySelectorAll('svg.chart').forEach(svg => {
    svg.querySelectorAll('text').forEach(t => within(t, svg, 'chart label "' + t.textContent + '"'));
  });
  return out;
}"""


@pytest.mark.parametrize("width", [1400, 800])
def test_layout_nothing_overflows_its_box(
    browser: Any, audit: tuple[trialint.Findings, Path], width: int
) -> None:
    """Element boxes: no card content outside its card, no table that needs a sideways scroll,
    no chart label clipped (the start-year axis's first label was cut: "988"), no page scroll."""
    _, path = audit
    w = Watched(browser, path)
    try:
        w.page.set_viewport_size({"width": width, "height": 1000})
        problems = w.page.evaluate(LAYOUT_PROBE)
        assert problems == []
        labels = w.page.locator("#h-bd-start-year ~ figure svg text.lbl").all_text_contents()
        assert labels and all(re.fullmatch(r"[0-9]{4}|n/a", x) for x in labels)
        w.page.locator("#overview").screenshot(
            path=str(ARTIFACTS / f"html-report-overview-{width}.png")
        )
        w.assert_clean()
    finally:
        w.close()


# --- what an auditor signs: verdict, configuration, inputs, checked items, new since -----------------


@pytest.fixture(scope="module")
def audit(tmp_path_factory: pytest.TempPathFactory) -> tuple[trialint.Findings, Path]:
    """Seeds + 300 corpus records, with a config (thresholds) and a previous audit of the first
    200 corpus records: everything in the seeds and the last 100 records is new."""
    tmp = tmp_path_factory.mktemp("audit")
    lines = STUDIES.read_text(encoding="utf-8").splitlines(keepends=True)[:300]
    corpus = tmp / "corpus300.ndjson"
    corpus.write_text("".join(lines), encoding="utf-8")
    first = tmp / "first200.ndjson"
    first.write_text("".join(lines[:200]), encoding="utf-8")
    config = tmp / "trialint.toml"
    config.write_text(
        'fail-on = "error"\n'
        "[thresholds]\n"
        'warning = { warn = 1, fail = "50%" }\n'
        'outcome-time-frame-vague = { warn = 1, fail = "90%" }\n',
        encoding="utf-8",
    )
    previous = tmp / "previous.json"
    before = trialint.check(
        [str(SEEDS / "000_f268d187f025ea9a.txt"), str(first)], config=str(config)
    )
    previous.write_text(before.to_json(), encoding="utf-8")
    findings = trialint.check([str(SEEDS), str(corpus)], config=str(config), since=str(previous))
    path = tmp / "audit.html"
    path.write_text(findings.render("html"), encoding="utf-8")
    return findings, path


@pytest.fixture
def audit_page(browser: Any, audit: tuple[trialint.Findings, Path]) -> Iterator[Watched]:
    w = Watched(browser, audit[1])
    yield w
    w.close()


def test_verdict_configuration_and_input_digests_in_the_header(
    audit_page: Watched, audit: tuple[trialint.Findings, Path]
) -> None:
    import hashlib

    from trialint.thresholds import verdict_of

    findings, _ = audit
    p = audit_page.page
    verdict = verdict_of(findings)
    assert verdict.status == "fail"  # some errors, fail-on = error
    assert p.locator("#verdict .vbadge").inner_text().split() == ["Verdict:", "Fail"]
    assert "records with error findings (fail at 1 record)" in p.inner_text("#verdict")
    p.click("#verdict summary")
    rows = p.locator("#threshold-table tbody tr").all_inner_texts()
    by_sel = {r.split("\t")[0].strip(): r for r in rows}
    assert set(by_sel) == {"error", "warning", "outcome-time-frame-vague"}
    assert "fail-on = error" in by_sel["error"] and "trialint.toml:3" in by_sel["warning"]
    assert "trialint.toml:4" in by_sel["outcome-time-frame-vague"]
    # the configuration used, with where each value came from
    p.click("#config summary")
    config = p.inner_text("#config")
    assert "trialint.toml" in config and 'fail-on\t"error"' in config
    # every input file with its sha256
    p.click("#input-files summary")
    files = p.locator("#input-files table.files tbody tr").all_inner_texts()
    assert len(files) == len(findings.files) == 3
    for row in files:
        name, _size, sha = row.split("\t")
        assert sha.strip() == hashlib.sha256(Path(name.strip()).read_bytes()).hexdigest()
    # the rule set, with a digest of its definitions and each rule's precision
    p.click("#rule-set summary")
    assert re.search(r"sha256 of the rule definitions .*: [0-9a-f]{64}", p.inner_text("#rule-set"))
    audit_page.shot("audit-header")
    audit_page.assert_clean()


def test_rules_show_items_checked_failing_and_precision(
    audit_page: Watched, audit: tuple[trialint.Findings, Path]
) -> None:
    from trialint.coverage import coverage, describe
    from trialint.render.html import precision_figure

    findings, _ = audit
    cov = coverage(findings)
    p = audit_page.page
    for rid in ("outcome-title-abbreviation", "title-duplicates-official-title"):
        row = p.locator(f'#rule-table tbody tr[data-rule="{rid}"]')
        checked = row.locator("td.checked").inner_text()
        assert checked == describe(cov[rid]["checked"], cov[rid]["unit"])
        assert row.locator("td.failing").inner_text().startswith(f"{cov[rid]['failing']:,}")
        assert row.locator("td.prec").inner_text() == precision_figure(
            findings.rules[rid].precision
        )
    assert cov["outcome-title-abbreviation"]["unit"] == "outcomes"
    assert cov["outcome-title-abbreviation"]["checked"] == findings.checked["outcomes"] > 300
    doc = p.text_content("#rule-outcome-title-abbreviation .stats") or ""
    assert "outcome measures, of which" in doc and "Measured precision:" in doc
    audit_page.assert_clean()


def test_new_since_the_last_audit(
    audit_page: Watched, audit: tuple[trialint.Findings, Path]
) -> None:
    findings, _ = audit
    new = findings.new_findings()
    n_new = int(new.sum())
    assert 0 < n_new < len(findings)
    p = audit_page.page
    assert p.inner_text("#since").startswith(f"{n_new:,}")
    before = status(audit_page)
    p.check("#f-new")
    text = wait_status_change(audit_page, before)
    assert f"with {n_new:,} finding" in text and "matching the filter" in text
    shown = p.locator("#list .fi").count()
    assert shown and p.locator("#list .fi .newb").count() == shown
    # the previous audit's records (first 200) are not new: the seeds are
    new_records = set(findings.frame.loc[new, "record_id"])
    assert "000_f268d187f025ea9a" not in new_records and "001_935bea67f28f0090" in new_records
    audit_page.shot("audit-new-only")
    audit_page.assert_clean()


def test_json_download_of_the_filtered_findings(
    audit_page: Watched, audit: tuple[trialint.Findings, Path]
) -> None:
    import json

    findings, _ = audit
    p = audit_page.page
    rule = "outcome-title-purpose"
    value = p.eval_on_selector(
        "#f-rule", "(s, id) => [...s.options].find(o => o.text.startsWith(id + ' ')).value", rule
    )
    before = status(audit_page)
    p.select_option("#f-rule", value=value)
    wait_status_change(audit_page, before)
    p.uncheck('.filters input[value="info"]')
    with p.expect_download() as dl:
        p.click("#json")
    doc = json.loads(Path(dl.value.path()).read_text(encoding="utf-8"))
    want = findings.frame[findings.frame["rule"] == rule]
    assert doc["filter"]["rule"] == rule and doc["filter"]["severities"] == ["error", "warning"]
    assert doc["count"] == len(doc["findings"]) == len(want)
    got = {(f["record"], f["field"], f["start"]) for f in doc["findings"]}
    assert got == set(zip(want["record_id"], want["field"], want["start"].astype(int), strict=True))
    first = doc["findings"][0]
    assert {
        "record",
        "rule",
        "severity",
        "field",
        "start",
        "end",
        "message",
        "excerpt",
        "source",
        "new",
    } <= set(first)
    assert set(first["source"]) == {"path", "line", "column", "pointer"}
    assert first["source"]["line"] is not None  # JSON records have lines now
    with p.expect_download() as dl:
        p.click("#csv")
    rows = list(csv.reader(io.StringIO(Path(dl.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(rows) - 1 == len(want) and rows[0][-1] == "new"
    audit_page.assert_clean()
