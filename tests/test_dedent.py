"""The XML reader's dedent gives exactly what textwrap.dedent gives."""

from __future__ import annotations

import random
import textwrap
import xml.etree.ElementTree as ET

from conftest import CORPUS
from trialint.read.normalize import dedent


def test_dedent_equals_textwrap_on_drawn_and_real_text():
    rnd = random.Random(13)
    cases = [
        "",
        "\n",
        "  a\n    b\n  c",
        "\ta\n  b",
        "  \n  x\n \t\n   y",
        " \t a\n \tc",
        "  a\n\t b",
    ]
    for _ in range(5000):
        lines = (
            "".join(rnd.choice(" \t\tax\r") for _ in range(rnd.randint(0, 6)))
            for _ in range(rnd.randint(0, 6))
        )
        cases.append("\n".join(lines))
    for path in sorted((CORPUS / "ctgov_xml").glob("*.xml"))[:200]:
        for block in ET.parse(path).getroot().iter("textblock"):
            cases.append("".join(block.itertext()).strip("\n"))
    assert len(cases) > 5500
    assert [dedent(c) for c in cases] == [textwrap.dedent(c) for c in cases]
