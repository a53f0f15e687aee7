"""Literal gates: a cheap substring test that proves a regular expression cannot match a text,
so the (much slower) Python ``re`` search is skipped. The answers are those of the pattern.

``required_literals(pattern, flags)`` reads the pattern's syntax tree (``re._parser``) and
returns lower-case ASCII strings such that every match of the pattern contains one of them (as
Python ``re`` matches it, case-insensitively or not), or None when it cannot tell (a pattern
that may match only character classes, ``.``, ``\\w+``...). ``fold(text)`` is the text those
strings are looked for in: lower case, the same length as the text, with the four non-ASCII
letters that Python's case-insensitive matching equates with ASCII letters (U+0130, U+0131,
U+017F, U+212A: ``re.I`` matches "i", "s", "k" to them) made those letters. So if the pattern
matches text[pos:endpos], one of its literals occurs in fold(text)[pos:endpos]: a gate that
says no is always right (tests/test_rule_shortcuts.py checks it on every corpus text).

- ``Gated(pattern, flags)``: ``search``/``match``/``finditer`` as the compiled pattern's,
  answering None / nothing at once when the gate says no.
- ``AnyOf(pattern, flags)``: whether the pattern matches anywhere (a boolean), the pattern
  split into its top-level alternatives ("A|B|C"), each searched only when its own gate lets it
  through: a long alternation of unrelated phrases costs a few substring tests per text.

Both compile on first use (like ``LazyPattern``) and may be module-level.
"""

from __future__ import annotations

import functools
import importlib
import re
import sys
from collections.abc import Iterator
from typing import Any

# the syntax tree of Python's own regular expressions (private modules, no type stubs)
_P: Any = importlib.import_module("re._parser")
_C: Any = importlib.import_module("re._constants")

_CAP = 64  # exact sets larger than this are not expanded further
_LONG = 4  # a literal this long is rare enough: fewer literals beat longer ones
_FOLD = str.maketrans({"\u0130": "i", "\u0131": "i", "\u017f": "s", "\u212a": "k"})
_SPECIAL = ("\u0130", "\u0131", "\u017f", "\u212a")

Info = tuple[set[str] | None, set[str] | None]  # (every string it can match, one required)
Clauses = tuple[tuple[str, ...], ...] | None  # sets of literals: a match holds one of each


def fold(text: str) -> str:
    """``text`` as the gates compare it: lower case, same length (see the module doc)."""
    if text.isascii() or not any(ch in text for ch in _SPECIAL):
        return text.lower()
    return text.translate(_FOLD).lower()  # (translate is slow: only when needed)


@functools.lru_cache(maxsize=16)
def folded(text: str) -> str:
    """``fold(text)``, remembered for the last few texts (a text searched many times)."""
    return fold(text)


def _required(strings: set[str] | None) -> set[str] | None:
    return strings if strings and "" not in strings else None


def _score(strings: set[str]) -> tuple[int, int, int]:
    """How good a requirement is as a gate: strings of 4 characters or more (rarer), then
    few of them (each is one substring test), then long ones."""
    shortest = min(map(len, strings))
    long_enough = min(shortest, _LONG)
    return (long_enough, -len(strings), shortest)


def _best(cands: list[set[str]]) -> set[str] | None:
    if not cands:
        return None
    return max(cands, key=_score)


def _sequence(items: Any, clauses: list[set[str]] | None = None) -> Info:
    """A sequence matches the concatenation of its items: the strings it can match, when few
    (products of the items'), and otherwise the best of what its items require (any run of
    items with known strings, any item's own requirement). ``clauses``: where to add every
    requirement found (each holds for the whole match: all of them must be met)."""
    cands: list[set[str]] = []
    cur: set[str] = {""}
    run = ""  # the current run of single characters ("will" in "we will (assess|...)")
    exact = True
    for node in items:
        ex, req = _node(node, clauses)
        if ex is not None and len(ex) == 1:
            run += next(iter(ex))
        else:
            if run:
                cands.append({run})
            run = ""
            if ex is not None and "" not in ex:
                cands.append(set(ex))
            if ex is not None and req:
                cands.append(req)
        if ex is not None:
            product = {a + b for a in cur for b in ex}
            if len(product) <= _CAP:
                cur = product
                continue
            exact = False
            if "" not in cur:
                cands.append(cur)
            cur = set(ex)
            continue
        exact = False
        if "" not in cur:
            cands.append(cur)
        if req:
            cands.append(req)
        cur = {""}
    if run:
        cands.append({run})
    if "" not in cur:
        cands.append(cur)
    if clauses is not None:
        clauses.extend(cands)
    return (cur if exact else None), _best(cands)


def _node(node: tuple[Any, Any], clauses: list[set[str]] | None = None) -> Info:
    """What a node can match, and requires; ``clauses``: see ``_sequence`` (only for the parts
    every match of the node goes through: a group, a repeat at least once)."""
    op, av = node
    if op is _C.LITERAL:
        ch = chr(av)
        return ({ch.lower()}, None) if ch.isascii() else (None, None)
    if op in (_C.AT, _C.ASSERT, _C.ASSERT_NOT):
        return {""}, None  # zero width: consumes nothing
    if op is _C.IN:
        chars: set[str] = set()
        for item_op, item in av:
            if item_op is not _C.LITERAL or not chr(item).isascii():
                return None, None  # a range, a category, a negation, a non-ASCII letter
            chars.add(chr(item).lower())
        return (chars, None) if len(chars) <= 8 else (None, None)
    if op is _C.SUBPATTERN:
        return _sequence(av[-1], clauses)
    if op is _C.ATOMIC_GROUP:
        return _sequence(av, clauses)
    if op is _C.BRANCH:
        exacts: list[set[str] | None] = []
        reqs: list[set[str] | None] = []
        for alt in av[1]:
            ex, req = _sequence(alt)
            exacts.append(ex)
            reqs.append(req if req is not None else _required(ex))
        union: set[str] | None = None
        if all(ex is not None for ex in exacts):
            union = set().union(*(ex for ex in exacts if ex is not None))
            union = union if len(union) <= _CAP else None
        required = set().union(*(req for req in reqs if req)) if all(reqs) else None
        return union, required
    if op in (_C.MAX_REPEAT, _C.MIN_REPEAT, _C.POSSESSIVE_REPEAT):
        lo, hi, item = av
        ex, req = _sequence(item, clauses if lo >= 1 else None)
        if ex is not None and lo in (0, 1) and hi == 1:
            return (ex | {""}, None) if lo == 0 else (ex, req)
        if lo == 0:
            return None, None
        if ex is not None and lo == hi and lo <= 3:
            out = {""}
            for _ in range(lo):
                out = {a + b for a in out for b in ex}
            if len(out) <= _CAP:
                return out, None
        return None, (req if req is not None else _required(ex))
    return None, None  # ., a category, a back reference, a conditional: anything


def _minimal(strings: set[str]) -> tuple[str, ...]:
    """The strings, shortest first, without those that contain another (the same test)."""
    out: list[str] = []
    for x in sorted(strings, key=lambda x: (len(x), x)):
        if not any(o in x for o in out):
            out.append(x)
    return tuple(out)


def required_literals(pattern: str, flags: int = 0) -> tuple[str, ...] | None:
    """Lower-case ASCII strings one of which every match of ``pattern`` contains (shortest
    first, none containing another), or None when the pattern names no such strings."""
    found = required_clauses(pattern, flags)
    return found[0] if found else None


@functools.lru_cache(maxsize=1024)
def required_clauses(
    pattern: str, flags: int = 0, most: int = 3
) -> tuple[tuple[str, ...], ...] | None:
    """Up to ``most`` sets of literals (the most selective first) such that every match of
    ``pattern`` contains one literal of each set: "disease\\s+control\\s+rate" needs
    "disease", "control" and "rate". None when the pattern names no such strings."""
    clauses: list[set[str]] = []
    try:
        ex, req = _sequence(_P.parse(pattern, flags).data, clauses)
    except Exception:  # an unexpected tree: no gate, never a wrong one
        return None
    best = _best([c for c in (req, _required(ex)) if c])
    if not best:
        return None
    ranked = sorted((c for c in clauses if c and "" not in c), key=_score, reverse=True)
    out = [_minimal(best)]
    for c in ranked:
        m = _minimal(c)
        if len(out) < most and m not in out:
            out.append(m)
    return tuple(out)


def _allows(clauses: Clauses, folded_text: str) -> bool:
    """Whether ``folded_text`` holds a literal of every clause (no clauses: it may match)."""
    if clauses is None:
        return True
    has = folded_text.__contains__
    for c in clauses:  # noqa: SIM110 - a loop: no generator frame per call (a hot path)
        if not any(map(has, c)):
            return False
    return True


class Gated:
    """A compiled pattern behind its literal gate. ``search``, ``match`` and ``finditer`` answer
    as the compiled pattern's; ``folded``, when given, is ``fold`` of the whole ``string`` (a
    text searched many times folds once)."""

    def __init__(self, pattern: str, flags: int | re.RegexFlag = 0) -> None:
        self.pattern = pattern
        self.flags = int(flags)
        self._compiled: re.Pattern[str] | None = None
        self._clauses: Clauses = None

    def compiled(self) -> re.Pattern[str]:
        if self._compiled is None:
            self._clauses = required_clauses(self.pattern, self.flags)
            self._compiled = re.compile(self.pattern, self.flags)
        return self._compiled

    @property
    def clauses(self) -> Clauses:
        self.compiled()
        return self._clauses

    def allows(
        self, string: str, pos: int = 0, endpos: int = sys.maxsize, folded: str | None = None
    ) -> bool:
        """False only when the pattern cannot match ``string[pos:endpos]``."""
        self.compiled()
        if self._clauses is None:
            return True
        f = fold(string) if folded is None else folded
        if pos or endpos < len(f):
            f = f[pos:endpos]
        return _allows(self._clauses, f)

    def search(
        self, string: str, pos: int = 0, endpos: int = sys.maxsize, folded: str | None = None
    ) -> re.Match[str] | None:
        if not self.allows(string, pos, endpos, folded):
            return None
        return self.compiled().search(string, pos, endpos)

    def match(
        self, string: str, pos: int = 0, endpos: int = sys.maxsize, folded: str | None = None
    ) -> re.Match[str] | None:
        if not self.allows(string, pos, endpos, folded):
            return None
        return self.compiled().match(string, pos, endpos)

    def finditer(
        self, string: str, pos: int = 0, endpos: int = sys.maxsize, folded: str | None = None
    ) -> Iterator[re.Match[str]]:
        if not self.allows(string, pos, endpos, folded):
            return iter(())
        return self.compiled().finditer(string, pos, endpos)

    def __repr__(self) -> str:
        return f"Gated({self.pattern!r}, {self.flags})"


_GLOBAL_FLAGS = re.compile(r"^\(\?[aiLmsux]+\)")


def top_alternatives(pattern: str) -> list[str]:
    """The top-level alternatives of ``pattern`` ("A|(?:B|C)" -> A, B, C: a group that is a
    whole alternative is opened too), each a pattern of its own; the pattern itself when it
    has none or they cannot stand alone (a back reference to a group of another)."""
    lead = _GLOBAL_FLAGS.match(pattern)
    prefix = lead.group(0) if lead else ""
    body = pattern[len(prefix) :]
    if "(?P=" in body or re.search(r"\\[1-9]", body) or "(?(" in body:
        return [pattern]
    out: list[str] = []
    for piece in _split(body):
        inner = _whole_group(piece)
        out += [prefix + p for p in (top_alternatives(inner) if inner is not None else [piece])]
    return out


def _split(body: str) -> list[str]:
    """``body`` split at its top-level "|"."""
    pieces: list[str] = []
    depth = 0
    start = 0
    i = 0
    n = len(body)
    while i < n:
        ch = body[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":  # a character class: "]" right after "[" or "[^" is a member
            j = i + 1
            if j < n and body[j] == "^":
                j += 1
            if j < n and body[j] == "]":
                j += 1
            while j < n and body[j] != "]":
                j += 2 if body[j] == "\\" else 1
            i = j + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "|" and depth == 0:
            pieces.append(body[start:i])
            start = i + 1
        i += 1
    pieces.append(body[start:])
    return pieces


def _whole_group(piece: str) -> str | None:
    """The inside of a non-capturing group that is the whole of ``piece``, if it is one."""
    if not (piece.startswith("(?:") and piece.endswith(")")):
        return None
    inner = piece[3:-1]
    parts = _split_depth_ok(inner)
    return inner if parts else None


def _split_depth_ok(inner: str) -> bool:
    """Whether ``inner``'s parentheses balance on their own (so "(?:" ... ")" enclose it all)."""
    depth = 0
    i = 0
    n = len(inner)
    while i < n:
        ch = inner[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            j = i + 1
            if j < n and inner[j] == "^":
                j += 1
            if j < n and inner[j] == "]":
                j += 1
            while j < n and inner[j] != "]":
                j += 2 if inner[j] == "\\" else 1
            i = j + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return False
        i += 1
    return depth == 0


class AnyOf:
    """Whether ``pattern`` matches anywhere in a text: ``search(text)`` is
    ``bool(re.search(pattern, text, flags))``. The top-level alternatives are searched one by
    one, and only those whose literal clauses the text meets (each distinct literal of the
    alternatives' first clauses is looked for once per text, then their other clauses)."""

    def __init__(self, pattern: str, flags: int | re.RegexFlag = 0) -> None:
        self.pattern = pattern
        self.flags = int(flags)
        self._parts: list[tuple[Clauses, re.Pattern[str]]] | None = None
        self._literals: tuple[str, ...] = ()
        self._by_literal: dict[str, tuple[int, ...]] = {}
        self._always: tuple[int, ...] = ()

    def parts(self) -> list[tuple[Clauses, re.Pattern[str]]]:
        """(literal clauses or None, compiled pattern) per top-level alternative."""
        if self._parts is None:
            try:
                pieces = top_alternatives(self.pattern)
                compiled = [re.compile(p, self.flags) for p in pieces]
            except re.error:  # an alternative that cannot stand alone: the whole pattern
                pieces, compiled = [self.pattern], [re.compile(self.pattern, self.flags)]
            parts = [
                (required_clauses(p, self.flags), c) for p, c in zip(pieces, compiled, strict=True)
            ]
            by_literal: dict[str, list[int]] = {}
            for i, (clauses, _) in enumerate(parts):
                for lit in clauses[0] if clauses else ():
                    by_literal.setdefault(lit, []).append(i)
            self._literals = tuple(by_literal)
            self._by_literal = {lit: tuple(ix) for lit, ix in by_literal.items()}
            self._always = tuple(i for i, (clauses, _) in enumerate(parts) if clauses is None)
            self._parts = parts
        return self._parts

    def search(self, string: str, folded: str | None = None) -> bool:
        parts = self.parts()
        f = fold(string) if folded is None else folded
        present = [lit for lit in self._literals if lit in f]
        if not present and not self._always:
            return False
        todo = set(self._always)
        for lit in present:
            todo.update(self._by_literal[lit])
        for i in sorted(todo):
            clauses, pat = parts[i]
            if (clauses is None or _allows(clauses[1:], f)) and pat.search(string) is not None:
                return True
        return False

    def __repr__(self) -> str:
        return f"AnyOf({self.pattern!r}, {self.flags})"


class FirstOf:
    """The first match of an alternation "A|B|C" as Python ``re`` finds it (the leftmost start,
    there the first alternative that matches), each alternative searched on its own, only when
    the text holds one of its literals: for a long alternation that a text rarely matches.
    ``start()``, ``end()``, ``group()`` and named groups are those of the whole pattern's
    match; numbered groups are the alternative's own.

    ``pieces``: the alternatives, when the pattern is ``before(?:A|B|C)after`` rather than
    "A|B|C" (see ``around``)."""

    def __init__(
        self, pattern: str, flags: int | re.RegexFlag = 0, pieces: list[str] | None = None
    ) -> None:
        self.pattern = pattern
        self.flags = int(flags)
        self._pieces = pieces
        self._parts: list[tuple[Clauses, re.Pattern[str]]] | None = None
        self._whole: re.Pattern[str] | None = None

    @classmethod
    def around(
        cls,
        alternatives: list[str],
        flags: int | re.RegexFlag = 0,
        before: str = "",
        after: str = "",
    ) -> FirstOf:
        """``before(?:A|B|...)after``, searched as ``before(?:A)after``, ``before(?:B)after``...
        (at a place, the whole pattern matches by the first of these that matches there)."""
        pattern = before + "(?:" + "|".join(alternatives) + ")" + after
        return cls(pattern, flags, [f"{before}(?:{a}){after}" for a in alternatives])

    def parts(self) -> list[tuple[Clauses, re.Pattern[str]]]:
        """(literal clauses or None, compiled pattern) per alternative."""
        if self._parts is None:
            self._whole = re.compile(self.pattern, self.flags)
            try:
                pieces = self._pieces or top_alternatives(self.pattern)
                compiled = [re.compile(p, self.flags) for p in pieces]
            except re.error:
                pieces, compiled = [self.pattern], [self._whole]
            self._parts = [
                (required_clauses(p, self.flags), c) for p, c in zip(pieces, compiled, strict=True)
            ]
        return self._parts

    def compiled(self) -> re.Pattern[str]:
        """The whole pattern, compiled."""
        self.parts()
        assert self._whole is not None
        return self._whole

    def _open(
        self, string: str, pos: int, endpos: int, folded: str | None
    ) -> list[re.Pattern[str]]:
        """The alternatives whose gate lets ``string[pos:endpos]`` through, in order."""
        parts = self.parts()
        f = fold(string) if folded is None else folded
        if pos or endpos < len(f):
            f = f[pos:endpos]
        return [p for clauses, p in parts if _allows(clauses, f)]

    def search(
        self, string: str, pos: int = 0, endpos: int = sys.maxsize, folded: str | None = None
    ) -> re.Match[str] | None:
        best: re.Match[str] | None = None
        for pat in self._open(string, pos, endpos, folded):
            m = pat.search(string, pos, endpos)
            if m is not None and (best is None or m.start() < best.start()):
                best = m  # an earlier alternative keeps a tie: it is tried first there
                if best.start() == pos:
                    break
        return best

    def match(
        self, string: str, pos: int = 0, endpos: int = sys.maxsize, folded: str | None = None
    ) -> re.Match[str] | None:
        """The whole pattern's (an anchored match tries one position: no gate pays off)."""
        return self.compiled().match(string, pos, endpos)

    def finditer(
        self, string: str, pos: int = 0, endpos: int = sys.maxsize, folded: str | None = None
    ) -> Iterator[re.Match[str]]:
        """As ``re.finditer``: after a match the next is searched from where it ends (each
        alternative's next match kept until the search passes its start; a match found from
        one place is the same from an earlier one when nothing lies between)."""
        pats = self._open(string, pos, endpos, folded)
        nxt = [p.search(string, pos, endpos) for p in pats]
        start = pos
        while True:
            best: re.Match[str] | None = None
            for m in nxt:
                if m is not None and (best is None or m.start() < best.start()):
                    best = m
            if best is None:
                return
            if best.end() == best.start():  # an empty match: re's own rules from here on
                yield from self.compiled().finditer(string, start, endpos)
                return
            yield best
            start = best.end()
            for i, m in enumerate(nxt):
                if m is not None and m.start() < start:
                    nxt[i] = pats[i].search(string, start, endpos)

    def __repr__(self) -> str:
        return f"FirstOf({self.pattern!r}, {self.flags})"
