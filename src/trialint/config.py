"""Configuration: ``[tool.trialint]`` in pyproject.toml or a ``trialint.toml``.

Discovery: ``--config FILE``, else the nearest ``trialint.toml`` / ``.trialint.toml`` /
``pyproject.toml`` with a ``[tool.trialint]`` table, searching from the working directory up
to the file system root (in that order within one directory). Precedence:
command line (or Python arguments) > config file > defaults. ``select``, ``fail-on``,
``format`` and ``baseline`` given on the command line replace the config's value; ``ignore``
and ``extend-select`` add to it; ``severity`` overrides merge per rule.

Every error names the file and, when it can be found, the line (exit code 2 via ConfigError).
A bad config never silently passes: unknown keys, wrong types, unknown rules and unreadable
files all stop the run.
"""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import (
    MAX_FILE_NESTING,
    ConfigError,
    EmptySelectionError,
    UnknownRuleError,
    nesting_line,
)
from .findings import FAIL_LEVELS, SEVERITIES
from .thresholds import Threshold

if TYPE_CHECKING:
    from .rules import Rule, SelectionLayer

CONFIG_NAMES: tuple[str, ...] = ("trialint.toml", ".trialint.toml", "pyproject.toml")
PYPROJECT_TABLE: tuple[str, ...] = ("tool", "trialint")

# key -> (kind, one-line help). The order is the order `trialint config` prints them in.
KEYS: dict[str, tuple[str, str]] = {
    "select": ("rules", "rules or categories to run (default: every rule enabled by default)"),
    "extend-select": ("rules", "rules or categories to run in addition to `select`"),
    "ignore": ("rules", "rules or categories not to run"),
    "severity": ("severity", "per-rule severity overrides: rule = error|warning|info"),
    "fail-on": ("fail-on", "lowest severity that makes the exit code 1 (error|warning|info|never)"),
    "per-path-ignores": (
        "per-path",
        "glob (relative to the config's folder) = [rules not to report there]",
    ),
    "extend-checks": (
        "paths",
        "folders of your own rules (YAML, built-in kinds), relative to the config",
    ),
    "format": ("format", "output format"),
    "baseline": ("path", "baseline file of known findings to suppress, relative to the config"),
    "exemptions": (
        "exemptions",
        "[[exemptions]] rule = ..., records = [...], reason = ... (required)",
    ),
    "thresholds": (
        "thresholds",
        'severity|category|rule = {warn = N | "P%", fail = N | "P%"}: the verdict\'s levels',
    ),
}
DEFAULTS: dict[str, Any] = {
    "select": None,
    "extend-select": [],
    "ignore": [],
    "severity": {},
    "fail-on": "warning",
    "per-path-ignores": {},
    "extend-checks": [],
    "format": "text",
    "baseline": None,
    "exemptions": [],
    "thresholds": {},
}
EXEMPTION_KEYS: tuple[str, ...] = ("rule", "records", "reason")
# keys whose command-line value is added to the config's rather than replacing it
_ADDITIVE = {"extend-select", "ignore"}


@dataclass(frozen=True)
class Exemption:
    """Rule(s) ``rule`` (an id, category or prefix) do not apply to ``records``, because ``reason``."""

    rule: str
    records: tuple[str, ...]
    reason: str
    origin: str = ""  # file:line, for messages

    @classmethod
    def coerce(cls, value: Exemption | Mapping[str, Any]) -> Exemption:
        if isinstance(value, Exemption):
            return value
        problem = _exemption_problem(value)
        if problem:
            raise ValueError(f"bad exemption {dict(value)!r}: {problem[0]}")
        recs = value["records"]
        return cls(
            str(value["rule"]),
            tuple([recs] if isinstance(recs, str) else recs),
            str(value["reason"]).strip(),
        )


def _exemption_problem(value: Any) -> tuple[str, str | None] | None:
    """(what is wrong, the key to point at) or None."""
    if not isinstance(value, Mapping):
        return "an exemption must be a table with rule, records and reason", None
    unknown = [k for k in value if k not in EXEMPTION_KEYS]
    if unknown:
        return (
            f"unknown key '{unknown[0]}' in an exemption (expected {', '.join(EXEMPTION_KEYS)})",
            unknown[0],
        )
    if not isinstance(value.get("rule"), str) or not value["rule"].strip():
        return (
            "an exemption needs `rule` (a rule id, category or prefix)",
            "rule" if "rule" in value else None,
        )
    recs = value.get("records")
    if isinstance(recs, str):
        recs = [recs]
    if (
        not isinstance(recs, list)
        or not recs
        or not all(isinstance(r, str) and r.strip() for r in recs)
    ):
        return (
            "an exemption needs `records`, a non-empty list of record ids",
            "records" if "records" in value else None,
        )
    if not isinstance(value.get("reason"), str) or not value["reason"].strip():
        reason_key = "reason" if "reason" in value else None
        return (
            "an exemption needs a `reason` (why the rule does not apply to these records)",
            reason_key,
        )
    return None


# --- TOML text scanning: find the line of a key or value ---------------------------------------

_PART = re.compile(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'|([A-Za-z0-9_-]+)')
_HEADER = re.compile(r"^\s*(\[\[?)\s*(.+?)\s*\]\]?\s*(?:#.*)?$")
_KEYLINE = re.compile(
    r"""^\s*((?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+)(?:\s*\.\s*(?:"(?:[^"\\]|\\.)*"|'[^']*'|[A-Za-z0-9_-]+))*)\s*="""
)


def _split_dotted(s: str) -> tuple[str, ...]:
    return tuple(next(g for g in m.groups() if g is not None) for m in _PART.finditer(s))


def _index_lines(text: str) -> dict[tuple[Any, ...], int]:
    """(table path + key path) -> 1-based line, for every header and key line of a TOML text.
    Arrays of tables get their 0-based index as a path element."""
    index: dict[tuple[Any, ...], int] = {}
    table: tuple[Any, ...] = ()
    aot_count: dict[tuple[str, ...], int] = {}
    in_multiline: str | None = None
    for n, line in enumerate(text.splitlines(), start=1):
        if in_multiline:
            if line.count(in_multiline) % 2 == 1:
                in_multiline = None
            continue
        m = _HEADER.match(line)
        if m and not _KEYLINE.match(line):
            parts = _split_dotted(m.group(2))
            if m.group(1) == "[[":
                i = aot_count.get(parts, -1) + 1
                aot_count[parts] = i
                table = (*parts, i)
                index.setdefault(parts, n)
            else:
                # a sub-table of the last array element, e.g. [tool.x.items.sub]
                table = parts
                for aot, i in aot_count.items():
                    if parts[: len(aot)] == aot and len(parts) > len(aot):
                        table = (*aot, i, *parts[len(aot) :])
            index.setdefault(table, n)
            continue
        k = _KEYLINE.match(line)
        if k:
            index.setdefault((*table, *_split_dotted(k.group(1))), n)
            rest = line[k.end() :]
            for q in ('"""', "'''"):
                if rest.count(q) % 2 == 1:
                    in_multiline = q
    return index


@dataclass
class ConfigFile:
    """One parsed config file: its path, text, the trialint table and line lookup."""

    path: Path
    text: str
    data: dict[str, Any]
    prefix: tuple[str, ...] = ()  # ("tool", "trialint") in pyproject.toml
    _index: dict[tuple[Any, ...], int] = field(default_factory=dict, repr=False)

    @property
    def root(self) -> Path:
        return self.path.parent

    def line(self, *keys: Any, value: str | None = None) -> int | None:
        """The line of a key path (``"severity", "rule-x"``) or of ``value`` inside it."""
        if not self._index:
            self._index = _index_lines(self.text)
        path = (*self.prefix, *keys)
        start: int | None = None
        for cut in range(len(path), len(self.prefix), -1):  # the key, or its nearest parent
            if path[:cut] in self._index:
                start = self._index[path[:cut]]
                break
        lines = self.text.splitlines()
        if value is not None:
            pat = re.compile(r"""(["'])""" + re.escape(value) + r"\1")
            for n in range(start or 1, len(lines) + 1):
                if pat.search(lines[n - 1]):
                    return n
        if start is None and keys:
            # an inline table: find `key =` anywhere after its parent's line
            last = str(keys[-1])
            pat = re.compile(r"""(?:^|[{,\s])["']?""" + re.escape(last) + r"""["']?\s*=""")
            for n, text in enumerate(lines, start=1):
                if pat.search(text):
                    return n
        return start

    def where(self, *keys: Any, value: str | None = None) -> str:
        n = self.line(*keys, value=value)
        return f"{self.path}:{n}" if n else str(self.path)

    def error(self, message: str, *keys: Any, value: str | None = None) -> ConfigError:
        return ConfigError(f"{self.where(*keys, value=value)}: {message}")


def _toml_error_line(e: tomllib.TOMLDecodeError, text: str) -> tuple[int | None, str]:
    lineno = getattr(e, "lineno", None)
    msg = getattr(e, "msg", None) or str(e)
    m = re.search(r"\s*\(at line (\d+), column (\d+)\)", msg)
    if m:
        lineno = lineno or int(m.group(1))
        msg = msg[: m.start()]
    elif "(at end of document)" in msg:
        lineno = lineno or max(1, len(text.rstrip("\n").splitlines()))
        msg = msg.replace(" (at end of document)", " at the end of the file")
    elif lineno is None:
        m = re.search(r"line (\d+)", str(e))
        lineno = int(m.group(1)) if m else None
    return lineno, msg


def read_config_file(path: str | Path, *, required_table: bool = True) -> ConfigFile | None:
    """Parse and validate one config file. For a pyproject.toml without ``[tool.trialint]``,
    returns None unless ``required_table`` (then it is an error: the user named that file)."""
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as e:
        raise ConfigError(f"{p}: cannot read config file: {e.strerror or e}") from e
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as e:
        at_line = raw.count(b"\n", 0, e.start) + 1
        raise ConfigError(f"{p}:{at_line}: config file is not UTF-8 text (byte {e.start})") from e
    deep = nesting_line(text)
    if deep is not None:
        raise ConfigError(
            f"{p}:{deep}: arrays or tables nested more than {MAX_FILE_NESTING} deep: not a "
            "trialint config"
        )
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        line, msg = _toml_error_line(e, text)
        raise ConfigError(f"{p}{':' + str(line) if line else ''}: invalid TOML: {msg}") from e
    except RecursionError as e:
        raise ConfigError(f"{p}: invalid TOML: nested too deeply") from e
    prefix: tuple[str, ...] = ()
    data: Any = doc
    if p.name == "pyproject.toml":
        prefix = PYPROJECT_TABLE
        data = doc.get("tool", {}).get("trialint") if isinstance(doc.get("tool"), dict) else None
        if data is None:
            if required_table:
                raise ConfigError(f"{p}: no [tool.trialint] table")
            return None
        if not isinstance(data, dict):
            raise ConfigError(f"{p}: [tool.trialint] must be a table")
    cfg = ConfigFile(path=p, text=text, data=data, prefix=prefix)
    _validate(cfg)
    return cfg


def find_config_file(start: str | Path | None = None) -> ConfigFile | None:
    """The nearest config file from ``start`` (default: the working directory) upwards."""
    here = Path(start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        for name in CONFIG_NAMES:
            candidate = folder / name
            if candidate.is_file():
                cfg = read_config_file(candidate, required_table=False)
                if cfg is not None:
                    return cfg
    return None


def load_config(
    path: str | Path | None = None, *, cwd: str | Path | None = None, isolated: bool = False
) -> ConfigFile | None:
    """``path`` if given, else discovery from ``cwd``; None with ``isolated`` or when nothing is found."""
    if isolated:
        return None
    if path is not None:
        return read_config_file(path)
    return find_config_file(cwd)


def _is_str_list(v: Any) -> bool:
    return isinstance(v, list) and all(isinstance(x, str) for x in v)


def _validate(cfg: ConfigFile) -> None:
    """Structure and types; rule names are checked later against the loaded rules."""
    from .render import RENDERERS

    for key, value in cfg.data.items():
        if key not in KEYS:
            close = difflib.get_close_matches(key.replace("_", "-"), list(KEYS), n=1, cutoff=0.6)
            hint = (
                f" (did you mean '{close[0]}'?)" if close else f" (known keys: {', '.join(KEYS)})"
            )
            raise cfg.error(f"unknown key '{key}'{hint}", key)
        kind = KEYS[key][0]
        if kind == "rules" and not _is_str_list(value):
            raise cfg.error(f"`{key}` must be a list of rule ids or categories", key)
        if kind == "paths" and not (_is_str_list(value) or isinstance(value, str)):
            raise cfg.error(f"`{key}` must be a list of folders", key)
        if kind in ("path", "format", "fail-on") and not isinstance(value, str):
            raise cfg.error(f"`{key}` must be a string", key)
        if kind == "fail-on" and value not in FAIL_LEVELS:
            raise cfg.error(
                f"`fail-on` must be one of {', '.join(FAIL_LEVELS)}, not '{value}'", key
            )
        if kind == "format" and value not in RENDERERS:
            raise cfg.error(f"unknown format '{value}' (choose from {', '.join(RENDERERS)})", key)
        if kind == "severity":
            if not isinstance(value, dict):
                raise cfg.error("`severity` must be a table of rule = error|warning|info", key)
            for rule, level in value.items():
                if level not in SEVERITIES:
                    raise cfg.error(
                        f"severity of '{rule}' must be one of {', '.join(SEVERITIES)}, not {level!r}",
                        key,
                        rule,
                    )
        if kind == "per-path":
            if not isinstance(value, dict):
                raise cfg.error('`per-path-ignores` must be a table of "glob" = [rules]', key)
            for glob, rules in value.items():
                if not _is_str_list(rules):
                    raise cfg.error(
                        f"per-path-ignores for '{glob}' must be a list of rule ids", key, glob
                    )
        if kind == "paths":
            for folder in [value] if isinstance(value, str) else value:
                if not (cfg.root / folder).is_dir():
                    raise cfg.error(
                        f"extend-checks folder '{folder}' does not exist", key, value=folder
                    )
        if kind == "thresholds":
            if not isinstance(value, dict):
                raise cfg.error(
                    "`thresholds` must be a table of severity|category|rule = {warn = ..., fail = ...}",
                    key,
                )
            for sel, levels in value.items():
                try:
                    Threshold.parse(sel, levels)
                except ValueError as e:
                    raise cfg.error(f"threshold of '{sel}': {e}", key, sel) from e
        if kind == "exemptions":
            if not isinstance(value, list):
                raise cfg.error("`exemptions` must be an array of tables ([[exemptions]])", key)
            for i, item in enumerate(value):
                problem = _exemption_problem(item)
                if problem:
                    message, at = problem
                    raise cfg.error(message, key, i, *([at] if at else []))


# --- effective settings ------------------------------------------------------------------------


@dataclass
class Settings:
    """The effective configuration of a run and where each value came from."""

    values: dict[str, Any]
    origins: dict[str, str]  # key -> "default" | "<file>:<line>" | "command line" | ...
    file: ConfigFile | None = None
    root: Path = field(default_factory=Path.cwd)  # folder that per-path globs are relative to
    # values that came from the command line / arguments, per key (for validation messages)
    overridden: dict[str, Any] = field(default_factory=dict)
    cwd: Path = field(default_factory=Path.cwd)  # what relative command-line paths mean
    label: str = "command line"  # where the overrides came from ("command line", "argument")

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    @property
    def fail_on(self) -> str:
        return str(self.values["fail-on"])

    @property
    def format(self) -> str:
        return str(self.values["format"])

    @property
    def baseline(self) -> Path | None:
        b = self.values["baseline"]
        return Path(b) if b is not None else None

    @property
    def extend_checks(self) -> list[Path]:
        return [Path(p) for p in self.values["extend-checks"]]

    @property
    def exemptions(self) -> list[Exemption]:
        return list(self.values["exemptions"])

    @property
    def thresholds(self) -> list[Threshold]:
        """The configured thresholds of the verdict (fail-on adds its defaults when judged)."""
        out = []
        for sel, levels in self.values["thresholds"].items():
            origin = self.origins["thresholds"]
            if self.file is not None and sel in (self.file.data.get("thresholds") or {}):
                given = self.overridden.get("thresholds") or {}
                if sel not in given:
                    origin = self.file.where("thresholds", sel)
            out.append(Threshold.parse(sel, levels, origin))
        return out

    def validate_rules(self, rules: Mapping[str, Rule]) -> None:
        """Every rule name in the config must exist: ConfigError naming file and line if not.
        (Names given on the command line raise UnknownRuleError when the rules are selected.)"""
        from .rules import resolve_selectors

        def check(names: Iterable[str], *keys: Any, as_key: bool = False) -> None:
            for name in names:
                try:
                    resolve_selectors([name], dict(rules))
                except UnknownRuleError as e:
                    if self.file is None or not self._from_file(keys[0], name):
                        raise
                    if as_key:  # the rule is a key (severity tables): point at its line
                        raise self.file.error(str(e), *keys, name) from e
                    raise self.file.error(str(e), *keys, value=name) from e

        for key in ("select", "extend-select", "ignore"):
            check(self.values[key] or [], key)
        check(self.values["severity"], "severity", as_key=True)
        for glob, names in self.values["per-path-ignores"].items():
            check(names, "per-path-ignores", glob)
        from .rules import CATEGORIES

        for sel in self.values["thresholds"]:
            if sel in SEVERITIES or sel in CATEGORIES or sel in rules:
                continue
            known = [*SEVERITIES, *CATEGORIES, *rules]
            e = UnknownRuleError(sel, difflib.get_close_matches(sel, known, n=3, cutoff=0.5))
            msg = f"thresholds: {e} (a threshold names a severity, a category or a rule id)"
            if self.file is not None and self._from_file("thresholds", sel):
                raise self.file.error(msg, "thresholds", sel) from e
            raise ConfigError(msg) from e
        for ex in self.exemptions:
            try:
                resolve_selectors([ex.rule], dict(rules))
            except UnknownRuleError as e:
                if ex.origin:
                    raise ConfigError(f"{ex.origin}: exemption: {e}") from e
                raise

    def rule_layers(self) -> list[SelectionLayer]:
        """The rule selection by source: the config file's, then the command line's (or the
        Python arguments'). See :func:`trialint.rules.select_layers`."""
        from .rules import SelectionLayer

        layers = []
        if self.file is not None:
            d = self.file.data
            layers.append(
                SelectionLayer(
                    tuple(d["select"]) if "select" in d else None,
                    tuple(d.get("extend-select", ())),
                    tuple(d.get("ignore", ())),
                    origin=str(self.file.path),
                )
            )
        given = self.overridden
        top = SelectionLayer(
            tuple(given["select"]) if given.get("select") else None,
            tuple(given.get("extend-select") or ()),
            tuple(given.get("ignore") or ()),
            origin=self.label,
        )
        if top:
            layers.append(top)
        return layers

    def selected_rules(self, rules: Mapping[str, Rule]) -> list[Rule]:
        """The rules that run. An empty selection is an error (exit 2): a run that checks nothing
        must never pass."""
        from .rules import select_layers

        layers = self.rule_layers()
        chosen = select_layers(dict(rules), layers)
        if not chosen:
            said = []
            for layer in layers:
                parts = [
                    f"{key} = {format_toml_value(list(v))}"
                    for key, v in (
                        ("select", layer.select),
                        ("extend-select", layer.extend_select),
                        ("ignore", layer.ignore),
                    )
                    if v
                ]
                if parts:
                    said.append(f"{', '.join(parts)} ({layer.origin})")
            why = "; then ".join(said) if said else "no rule is enabled"
            raise EmptySelectionError(
                f"no rule to run: the selection is empty ({why}). "
                "Select rules with --select/--extend-select; `trialint config` shows the selection"
            )
        return chosen

    def builtin_wanted(self, rule_id: str = "read-error") -> bool:
        from .rules import builtin_wanted

        return builtin_wanted(rule_id, self.rule_layers())

    def _from_file(self, key: str, name: str) -> bool:
        given = self.overridden.get(key)
        if isinstance(given, dict):
            return name not in given
        return not (given and name in given)

    def severity_overrides(self, rules: Mapping[str, Rule]) -> dict[str, str]:
        """Rule id -> severity, expanding categories and prefixes; a rule id beats a category."""
        from .rules import CATEGORIES, resolve_selectors

        def specificity(name: str) -> int:
            return (
                0
                if name == "ALL"
                else 1
                if name in CATEGORIES
                else 2
                if name.endswith(("-", "*"))
                else 3
            )

        out: dict[str, str] = {}
        for name, level in sorted(
            self.values["severity"].items(), key=lambda kv: specificity(kv[0])
        ):
            for rid in resolve_selectors([name], dict(rules)):
                out[rid] = level
        return out

    def describe(self) -> list[tuple[str, Any, str]]:
        """(key, value, origin) for every key, in KEYS order: what `trialint config` prints."""
        rows = []
        for key in KEYS:
            value = self.values[key]
            if key == "exemptions":
                value = [
                    {"rule": e.rule, "records": list(e.records), "reason": e.reason} for e in value
                ]
            elif key in ("baseline",) and value is not None:
                value = str(value)
            elif key == "extend-checks":
                value = [str(p) for p in value]
            rows.append((key, value, self.origins[key]))
        return rows

    def describe_shown(self) -> list[tuple[str, str, str]]:
        """(key, value as `trialint config` shows it, origin) for every key: for reports."""
        rows = []
        for key, value, origin in self.describe():
            if key == "exemptions":
                shown = (
                    "; ".join(
                        f"{e['rule']} for {', '.join(e['records'])}: {e['reason']}" for e in value
                    )
                    or "(none)"
                )
            elif key == "select" and value is None:
                shown = "(every rule enabled by default)"
            else:
                shown = format_toml_value(value)
            rows.append((key, shown, origin))
        return rows


def resolve(
    file: ConfigFile | None,
    overrides: Mapping[str, Any] | None = None,
    *,
    label: str = "command line",
    cwd: str | Path | None = None,
) -> Settings:
    """Merge defaults < config file < ``overrides`` (kebab-case keys; None or empty = not given)."""
    here = Path(cwd) if cwd else Path.cwd()
    values: dict[str, Any] = {
        k: (v.copy() if isinstance(v, list | dict) else v) for k, v in DEFAULTS.items()
    }
    origins = dict.fromkeys(KEYS, "default")
    if file is not None:
        for key, value in file.data.items():
            origins[key] = file.where(key)
            if key in ("extend-checks",):
                folders = [value] if isinstance(value, str) else value
                values[key] = [file.root / f for f in folders]
            elif key == "baseline":
                values[key] = file.root / value
            elif key == "exemptions":
                values[key] = [
                    Exemption(
                        rule=item["rule"],
                        records=tuple(
                            [item["records"]]
                            if isinstance(item["records"], str)
                            else item["records"]
                        ),
                        reason=item["reason"].strip(),
                        origin=file.where("exemptions", i, "rule"),
                    )
                    for i, item in enumerate(value)
                ]
            else:
                values[key] = value.copy() if isinstance(value, list | dict) else value
    given: dict[str, Any] = {}
    for key, value in (overrides or {}).items():
        if key not in KEYS:
            raise ValueError(f"unknown setting '{key}' (known: {', '.join(KEYS)})")
        if value is None or (isinstance(value, list | tuple | dict) and not value):
            continue
        given[key] = value
        if key in _ADDITIVE:
            merged = list(values[key]) + [v for v in value if v not in values[key]]
            origins[key] = label if origins[key] == "default" else f"{origins[key]} + {label}"
            values[key] = merged
        elif key in ("severity", "thresholds"):
            if key == "thresholds":
                for sel, levels in dict(value).items():
                    Threshold.parse(sel, levels)  # ValueError on a bad level
            values[key] = {**values[key], **dict(value)}
            origins[key] = label if origins[key] == "default" else f"{origins[key]} + {label}"
        elif key == "exemptions":
            values[key] = list(values[key]) + [Exemption.coerce(e) for e in value]
            origins[key] = label if origins[key] == "default" else f"{origins[key]} + {label}"
        elif key == "per-path-ignores":
            values[key] = {**values[key], **{g: list(r) for g, r in dict(value).items()}}
            origins[key] = label if origins[key] == "default" else f"{origins[key]} + {label}"
        elif key == "extend-checks":
            folders = [value] if isinstance(value, str | Path) else value
            values[key] = list(values[key]) + [here / Path(f) for f in folders]
            origins[key] = label if origins[key] == "default" else f"{origins[key]} + {label}"
        else:
            values[key] = list(value) if isinstance(value, tuple) else value
            origins[key] = label
    if values["fail-on"] not in FAIL_LEVELS:
        raise ConfigError(
            f"fail-on must be one of {', '.join(FAIL_LEVELS)}, not '{values['fail-on']}'"
        )
    root = file.root if file is not None else here
    return Settings(
        values=values,
        origins=origins,
        file=file,
        root=root,
        overridden=given,
        cwd=here,
        label=label,
    )


def settings_for(
    config: Settings | ConfigFile | str | Path | bool | None,
    overrides: Mapping[str, Any] | None = None,
    *,
    label: str = "argument",
) -> Settings:
    """Settings from a ``config`` argument of the Python API: a Settings (used as is, with
    ``overrides`` on top), a ConfigFile, a path, True (discover from the working directory),
    or None/False (no config file)."""
    given = {
        k: v
        for k, v in (overrides or {}).items()
        if v is not None and not (isinstance(v, list | tuple | dict) and not v)
    }
    if isinstance(config, Settings):
        if not given:
            return config
        return resolve(config.file, {**config.overridden, **given}, label=label, cwd=config.cwd)
    if isinstance(config, ConfigFile):
        file: ConfigFile | None = config
    elif config is True:
        file = find_config_file()
    elif config is None or config is False:
        file = None
    else:
        file = read_config_file(config)
    return resolve(file, given, label=label)


def format_toml_value(value: Any) -> str:
    """A TOML-ish rendering of a setting's value for `trialint config`."""
    import json

    if value is None:
        return "(none)"
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(f"{json.dumps(str(k))} = {format_toml_value(v)}" for k, v in value.items())
            + "}"
        )
    if isinstance(value, list | tuple):
        return "[" + ", ".join(format_toml_value(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def describe_text(settings: Settings, selected: Sequence[str] = ()) -> str:
    """The text `trialint config` prints: file, every key with value and origin, the rules run."""
    lines = [f"# config file: {settings.file.path if settings.file else '(none: defaults)'}"]
    if settings.file is not None and settings.file.prefix:
        lines[0] += " [" + ".".join(settings.file.prefix) + "]"
    width = max(len(k) for k in KEYS)
    for key, value, origin in settings.describe():
        if key == "exemptions":
            lines.append(
                f"{key:<{width}} = {len(value)} exemption{'s' if len(value) != 1 else ''}  # {origin}"
            )
            for ex in value:
                lines.append(f"  - {ex['rule']} for {', '.join(ex['records'])}: {ex['reason']}")
            continue
        shown = (
            "(every rule enabled by default)"
            if key == "select" and value is None
            else format_toml_value(value)
        )
        lines.append(f"{key:<{width}} = {shown}  # {origin}")
    layers = settings.rule_layers()
    if len(layers) > 1 and layers[-1].select is not None and layers[0]:
        lines.append(
            f"# the {layers[-1].origin}'s select replaces the selection of {layers[0].origin} "
            "(its select, extend-select and ignore)"
        )
    if selected:
        lines.append(f"# rules that run ({len(selected)}): {', '.join(selected)}")
    else:
        lines.append("# rules that run (0): none")
    return "\n".join(lines) + "\n"


def from_command_line(
    config: str | Path | None = None,
    *,
    isolated: bool = False,
    select: Sequence[str] | None = None,
    extend_select: Sequence[str] | None = None,
    ignore: Sequence[str] | None = None,
    fail_on: str | None = None,
    fmt: str | None = None,
    baseline: str | Path | None = None,
) -> Settings:
    """Settings of a command-line run: the config file (``--config`` or discovered), then the
    options that were given on top."""
    file = load_config(config, isolated=isolated)
    overrides = {
        "select": list(select) if select else None,
        "extend-select": list(extend_select) if extend_select else None,
        "ignore": list(ignore) if ignore else None,
        "fail-on": fail_on,
        "format": fmt,
        "baseline": str(baseline) if baseline else None,
    }
    return resolve(file, overrides, label="command line")


def effective(settings: Settings) -> tuple[str, str | None]:
    """What `trialint config` prints, and the reason a run with these settings would stop
    (an empty rule selection), if any. Validates the rule names on the way (exit 2 if bad)."""
    from .rules import load_rules

    rules = load_rules(settings.extend_checks)
    settings.validate_rules(rules)
    from .rules import is_pair_rule

    try:
        selected = settings.selected_rules(rules)
    except EmptySelectionError as e:
        return describe_text(settings, []), str(e)
    chosen = [r.id for r in selected if not is_pair_rule(r)]
    pairs = [r.id for r in selected if is_pair_rule(r)]
    text = describe_text(settings, chosen)
    if pairs:
        text += f"# history rules that `trialint diff` and `history` run ({len(pairs)}): {', '.join(pairs)}\n"
    return text, None


def effective_text(settings: Settings) -> str:
    """What `trialint config` prints (an empty selection raises EmptySelectionError)."""
    text, problem = effective(settings)
    if problem:
        raise EmptySelectionError(problem)
    return text
