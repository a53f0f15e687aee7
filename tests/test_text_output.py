"""The text renderer: record text is untrusted and never drives the terminal."""

from __future__ import annotations

import json

from click.testing import CliRunner

from trialint.cli import main
from trialint.render.text import marked_excerpt, safe


def test_control_and_bidi_characters_are_escaped():
    assert safe("a\x1b[31mred\u202eb\x07") == "a\\u001b[31mred\\u202eb\\u0007"
    assert safe("plain ≥ 5 µg, ünïcode") == "plain ≥ 5 µg, ünïcode"


def test_caret_stays_under_the_span_after_escaping():
    text = "x\x1b]0;title\x07 From the date of randomization until death"
    start = text.index("From")
    line, col, width = marked_excerpt(text, start, start + 30)
    assert line[col : col + width] == "From the date of randomization"
    assert "\x1b" not in line and "\x07" not in line


def test_check_output_has_no_escape_sequences_from_records(tmp_path):
    title = "Phase 2 Study \x1b[2J\x1b]0;owned\x07 Of X"  # a specialist title, used twice
    study = {
        "protocolSection": {
            "identificationModule": {
                "nctId": "NCT01234567",
                "briefTitle": title,
                "officialTitle": title,
            },
        }
    }
    path = tmp_path / "s.json"
    path.write_text(json.dumps(study), encoding="utf-8")
    result = CliRunner().invoke(
        main, ["check", str(path), "--select", "title-duplicates-official-title"]
    )
    assert result.exit_code == 1
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert "\\u001b[2J" in result.output
