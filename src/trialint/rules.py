"""The rule catalog: rules are YAML files (data, not code) in checks/ and in user folders."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeGuard

from . import cache
from .errors import MAX_FILE_NESTING, ConfigError, UnknownRuleError, nesting_line
from .findings import BUILTIN_META, SEVERITIES
from .resources import builtin_checks_dir

CATEGORIES: tuple[str, ...] = (
    "completeness",
    "conformance",
    "consistency",
    "plausibility",
    "clarity",
    "history",  # changes between two versions of a record (trialint diff / history)
)
# What each category checks (`trialint explain CATEGORY`).
CATEGORY_DOCS: dict[str, str] = {
    "completeness": "Required registration elements are present: design, outcomes, dates, "
    "eligibility, arms and interventions.",
    "conformance": "Values have the form the registry allows: coded values, dates, lengths, "
    "identifiers, one measure or product per entry.",
    "consistency": "The parts of a record agree with each other: design fields and wording, "
    "arms and their links, endpoints and outcome measures, cycle arithmetic, status and dates.",
    "plausibility": "Values that cannot be true: dates out of order, events marked as "
    "happened that lie in the future, a dose no tablet can hold.",
    "clarity": "Text a reader can use: no repeated blocks, specific and neutral outcome titles, "
    "time frames that name a time point, abbreviations spelled out.",
    "history": "Changes between two versions of a record (trialint diff / history): primary and "
    "secondary outcomes added, removed, demoted, promoted, or changed in what, how or when they "
    "measure.",
}
REQUIRED_KEYS: tuple[str, ...] = ("id", "severity", "summary", "why", "fix", "kind", "examples")
OPTIONAL_KEYS: tuple[str, ...] = (
    "category",
    "params",
    "source",
    "notes",
    "precision",
    "enabled",
    "message",
)
_ID_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    summary: str
    why: str
    fix: str
    kind: str
    category: str = "consistency"
    params: dict[str, Any] = field(default_factory=dict)
    examples: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    source: str = ""
    notes: str = ""
    precision: str = ""
    enabled: bool = True
    message: str = ""
    path: str = ""

    def with_severity(self, severity: str) -> Rule:
        from dataclasses import replace

        return replace(self, severity=severity)


def _line_of_key(text: str, key: str) -> int | None:
    m = re.search(rf"^{re.escape(key)}\s*:", text, flags=re.M)
    return text.count("\n", 0, m.start()) + 1 if m else None


MAX_RULE_VALUES = 100_000  # a rule file's values once aliases are expanded (a "billion laughs")


def _expanded_size(data: Any, limit: int = MAX_RULE_VALUES) -> int:
    """How many values ``data`` holds with YAML aliases expanded, counted without expanding
    them (shared objects counted once per use, from a memo); stops past ``limit``."""
    memo: dict[int, int] = {}

    def size(v: Any, depth: int = 0) -> int:
        if not isinstance(v, dict | list) or depth > 200:
            return 1
        key = id(v)
        if key not in memo:
            memo[key] = 0  # a cycle counts as nothing more
            items = list(v.values()) if isinstance(v, dict) else v
            total = 1
            for x in items:
                total += size(x, depth + 1)
                if total > limit:
                    break
            memo[key] = total
        return memo[key]

    return size(data)


def load_rule_file(path: Path) -> Rule:
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ConfigError(f"{path}: cannot read rule file: {e.strerror or e}") from e
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        at_line = raw.count(b"\n", 0, e.start) + 1
        raise ConfigError(
            f"{path}:{at_line}: rule file is not UTF-8 text (byte {e.start:,})"
        ) from e
    deep = nesting_line(text)
    if deep is not None:
        raise ConfigError(f"{path}:{deep}: nested more than {MAX_FILE_NESTING} deep")
    import yaml  # imported when a rule file is read (not when the rules come from the cache)

    try:
        # libyaml when present: 5x faster
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.reader.ReaderError as e:  # a character YAML does not allow: no mark, a position
        at = f"{text.count(chr(10), 0, e.position) + 1}:{e.position - text.rfind(chr(10), 0, e.position)}"
        raise ConfigError(
            f"{path}:{at}: invalid YAML: character U+{e.character:04X} is not allowed ({e.reason})"
            if isinstance(e.character, int)
            else f"{path}:{at}: invalid YAML: {e.reason}"
        ) from e
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f":{mark.line + 1}:{mark.column + 1}" if mark else ""
        problem = " ".join(str(getattr(e, "problem", None) or e).split())  # one line
        raise ConfigError(f"{path}{where}: invalid YAML: {problem}") from e
    except RecursionError as e:
        raise ConfigError(f"{path}: invalid YAML: nested too deeply") from e
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: a rule file must be a YAML mapping")
    if _expanded_size(data) > MAX_RULE_VALUES:
        raise ConfigError(
            f"{path}: its aliases expand to more than {MAX_RULE_VALUES:,} values: refused"
        )
    missing = [k for k in REQUIRED_KEYS if k not in data]
    if missing:
        raise ConfigError(f"{path}: missing key(s): {', '.join(missing)}")
    unknown = sorted(set(data) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS))
    if unknown:
        line = _line_of_key(text, unknown[0])
        raise ConfigError(
            f"{path}{':' + str(line) if line else ''}: unknown key(s): {', '.join(unknown)}"
        )
    rid = str(data["id"])
    if not _ID_RE.match(rid):
        raise ConfigError(f"{path}:{_line_of_key(text, 'id')}: rule id '{rid}' is not kebab-case")
    if data["severity"] not in SEVERITIES:
        raise ConfigError(
            f"{path}:{_line_of_key(text, 'severity')}: severity must be one of {', '.join(SEVERITIES)}"
        )
    category = data.get("category", "consistency")
    if category not in CATEGORIES:
        raise ConfigError(
            f"{path}:{_line_of_key(text, 'category')}: category must be one of {', '.join(CATEGORIES)}"
        )
    from .kinds import KINDS

    for key in ("id", "severity", "kind", "category"):
        if key in data and not isinstance(data[key], str):
            raise ConfigError(
                f"{path}:{_line_of_key(text, key)}: `{key}` must be a text, not "
                f"{type(data[key]).__name__}"
            )
    for key in ("summary", "why", "fix", "source", "notes", "precision", "message"):
        if key in data and isinstance(data[key], dict | list):
            raise ConfigError(f"{path}:{_line_of_key(text, key)}: `{key}` must be a text")
    if data["kind"] not in KINDS:
        close = difflib.get_close_matches(str(data["kind"]), list(KINDS), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise ConfigError(
            f"{path}:{_line_of_key(text, 'kind')}: unknown kind '{data['kind']}'{hint}"
        )
    examples = data.get("examples") or {}
    if not isinstance(examples, dict) or not examples.get("flag") or not examples.get("pass"):
        line = _line_of_key(text, "examples")
        raise ConfigError(
            f"{path}{':' + str(line) if line else ''}: examples must give at least one 'flag' "
            "and one 'pass' record"
        )
    params = data.get("params") or {}
    if not isinstance(params, dict):
        raise ConfigError(f"{path}:{_line_of_key(text, 'params')}: `params` must be a mapping")
    try:
        KINDS[data["kind"]].validate(params)
    except Exception as e:  # whatever a kind's validation meets in odd params
        raise ConfigError(
            f"{path}:{_line_of_key(text, 'params')}: bad params for kind '{data['kind']}': {e}"
        ) from e
    return Rule(
        id=rid,
        severity=data["severity"],
        summary=str(data["summary"]).strip(),
        why=str(data["why"]).strip(),
        fix=str(data["fix"]).strip(),
        kind=data["kind"],
        category=category,
        params=params,
        examples=examples,
        source=str(data.get("source", "")).strip(),
        notes=str(data.get("notes", "")).strip(),
        precision=str(data.get("precision", "")).strip(),
        enabled=bool(data.get("enabled", True)),
        message=str(data.get("message", "")).strip(),
        path=str(path),
    )


def load_rules(dirs: Iterable[Path] | None = None) -> dict[str, Rule]:
    """Load the built-in rules plus those in ``dirs``. Duplicated ids are a config error.

    Parsing and validating the rule files (YAML, every pattern compiled) takes longer than
    checking one record, so a rule set loaded once is kept in the user's cache (trialint.cache)
    under a digest of every file's path and contents and of the code: the same files load from
    there, any change to a file (or to trialint) loads and validates them again."""
    folders = [builtin_checks_dir(), *(dirs or [])]
    paths: list[Path] = []
    for folder in folders:
        if not folder.is_dir():
            raise ConfigError(f"{folder}: rule folder does not exist")
        paths.extend(sorted(folder.glob("*.y*ml")))
    entry = _cache_entry(paths)
    if entry is not None:
        cached = cache.load(entry)
        if _is_rule_set(cached, paths):
            return cached
    rules: dict[str, Rule] = {}
    for path in paths:
        rule = load_rule_file(path)
        if rule.id in rules:
            raise ConfigError(
                f"{path}: rule id '{rule.id}' is already defined in {rules[rule.id].path}"
            )
        rules[rule.id] = rule
    if entry is not None:
        cache.store(entry, rules)
    return rules


def _cache_entry(paths: list[Path]) -> str | None:
    """The cache entry of a rule set: its files' paths and contents (None: a file cannot be
    read, which loading reports)."""
    if cache.cache_dir() is None:
        return None
    parts = []
    try:
        for path in paths:
            parts += [str(path).encode("utf-8", "surrogateescape"), path.read_bytes()]
    except OSError:
        return None
    return cache.key("rules", parts)


def _is_rule_set(value: Any, paths: list[Path]) -> TypeGuard[dict[str, Rule]]:
    return (
        isinstance(value, dict)
        and all(isinstance(k, str) and isinstance(r, Rule) for k, r in value.items())
        and len(value) == len(paths)
    )


def is_pair_rule(rule: Rule) -> bool:
    """Whether a rule compares two versions of a record (a ``history`` rule, run by
    ``trialint diff`` and ``trialint history``) rather than checking one version."""
    from .kinds import KINDS

    return bool(getattr(KINDS.get(rule.kind), "pairwise", False))


# Rules produced by the engine itself rather than by a YAML file.


def resolve_selectors(names: Iterable[str], rules: dict[str, Rule]) -> set[str]:
    """Expand rule ids, categories, and 'ALL' into rule ids; unknown names raise with suggestions."""
    out: set[str] = set()
    known = list(rules) + list(CATEGORIES) + ["ALL"] + list(BUILTIN_META)
    for raw in names:
        name = raw.strip()
        if not name:
            continue
        if name == "ALL":
            out.update(rules)
        elif name in CATEGORIES:
            out.update(r.id for r in rules.values() if r.category == name)
        elif name in rules or name in BUILTIN_META:
            out.add(name)
        elif name.endswith("-") or name.endswith("*"):  # prefix, e.g. schema-
            prefix = name.rstrip("*")
            hits = {r for r in rules if r.startswith(prefix)}
            if not hits:
                raise UnknownRuleError(name, difflib.get_close_matches(name, known, n=3))
            out.update(hits)
        else:
            raise UnknownRuleError(name, difflib.get_close_matches(name, known, n=3, cutoff=0.5))
    return out


def specificity(name: str) -> int:
    """How specific a selector is, as in ruff: ALL < a category < a prefix (longer is more
    specific) < a rule id. Within one layer of the selection the more specific selector wins."""
    name = name.strip()
    if name == "ALL":
        return 0
    if name in CATEGORIES:
        return 1
    if name.endswith(("-", "*")):
        return 2 + len(name.rstrip("*"))
    return 1000


@dataclass(frozen=True)
class SelectionLayer:
    """One source of rule selection (the config file, the command line): ``select`` (None: not
    given), ``extend_select`` and ``ignore``."""

    select: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    origin: str = ""

    def __bool__(self) -> bool:
        return self.select is not None or bool(self.extend_select) or bool(self.ignore)


def select_layers(rules: dict[str, Rule], layers: Iterable[SelectionLayer]) -> list[Rule]:
    """The rules to run, resolved as ruff resolves its rule selection: start from every rule
    enabled by default; each layer in turn (config file, then command line) applies its
    selectors from the least to the most specific, a rule id beating a prefix beating a
    category beating ALL (at equal specificity, ignore wins over select); a layer that gives
    ``select`` replaces the selection made so far, so the command line's ``--select`` is not
    undone by the config's ``ignore``, and a rule it names runs."""
    chosen = {r.id for r in rules.values() if r.enabled}
    for layer in layers:
        updates: dict[str, bool] = {}
        positive = [*(layer.select or ()), *layer.extend_select]
        specs = sorted({specificity(n) for n in [*positive, *layer.ignore] if n.strip()})
        for spec in specs:
            for name in positive:
                if name.strip() and specificity(name) == spec:
                    for rid in resolve_selectors([name], rules):
                        updates[rid] = True
            for name in layer.ignore:
                if name.strip() and specificity(name) == spec:
                    for rid in resolve_selectors([name], rules):
                        updates[rid] = False
        if layer.select is not None:
            chosen = {rid for rid, on in updates.items() if on}
        else:
            chosen |= {rid for rid, on in updates.items() if on}
            chosen -= {rid for rid, on in updates.items() if not on}
    return [rules[r] for r in sorted(chosen) if r in rules]


def builtin_wanted(rule_id: str, layers: Iterable[SelectionLayer]) -> bool:
    """Whether a built-in finding (read-error) is reported: yes, unless the last layer that names
    it (by its own id: ALL and categories do not cover it) ignores it."""
    wanted = True
    for layer in layers:
        names = {n.strip() for n in layer.ignore}
        if rule_id in {n.strip() for n in (*(layer.select or ()), *layer.extend_select)}:
            wanted = True
        if rule_id in names:
            wanted = False
    return wanted


def select_rules(
    rules: dict[str, Rule],
    select: Iterable[str] | None = None,
    ignore: Iterable[str] | None = None,
    extend_select: Iterable[str] | None = None,
) -> list[Rule]:
    """Rules to run from one layer: ``select`` (default: every rule enabled by default) +
    extend_select - ignore, the more specific selector winning (see :func:`select_layers`)."""
    layer = SelectionLayer(
        tuple(select) if select else None, tuple(extend_select or ()), tuple(ignore or ())
    )
    return select_layers(rules, [layer])
