"""The user cache (trialint.cache) of the parsed rule catalog: the same rules as parsing the files,
any change to a file is seen, and a cache that cannot be used is the same as no cache."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from trialint import cache, rules
from trialint.errors import ConfigError
from trialint.resources import builtin_checks_dir

BUILTIN = builtin_checks_dir()


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    folder = tmp_path / "cache"
    monkeypatch.setenv("TRIALINT_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def own_rules(tmp_path):
    """A folder with one rule of one's own (a copy of a built-in one under another id)."""
    folder = tmp_path / "own"
    folder.mkdir()
    text = (BUILTIN / "outcome-title-symbol.yaml").read_text(encoding="utf-8")
    assert text.startswith("id: outcome-title-symbol\n")
    (folder / "own.yaml").write_text(text.replace("id: outcome-title-symbol", "id: own-rule", 1))
    return folder


def _not_parsed(monkeypatch):
    def fail(path):
        raise AssertionError(f"{path} parsed again")

    monkeypatch.setattr(rules, "load_rule_file", fail)


def test_a_rule_set_loads_from_the_cache_as_it_loads_from_its_files(
    cache_dir, own_rules, monkeypatch
):
    first = rules.load_rules([own_rules])
    assert [p.name for p in cache_dir.glob("rules-*.pickle")]
    _not_parsed(monkeypatch)
    again = rules.load_rules([own_rules])
    assert again == first and list(again) == list(first)
    monkeypatch.undo()
    monkeypatch.setenv("TRIALINT_CACHE_DIR", "")
    assert rules.load_rules([own_rules]) == first


def test_a_changed_rule_file_is_read_again(cache_dir, own_rules):
    rules.load_rules([own_rules])
    path = own_rules / "own.yaml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("severity: info", "severity: error", 1), encoding="utf-8")
    assert rules.load_rules([own_rules])["own-rule"].severity == "error"
    path.write_text(text.replace("severity: info", "severity: fatal", 1), encoding="utf-8")
    with pytest.raises(ConfigError, match="severity must be one of"):
        rules.load_rules([own_rules])
    path.write_text(text, encoding="utf-8")
    assert rules.load_rules([own_rules])["own-rule"].severity == "info"
    # a rule file added to the folder
    shutil.copy(path, own_rules / "twin.yaml")
    with pytest.raises(ConfigError, match="already defined"):
        rules.load_rules([own_rules])


def test_a_damaged_or_foreign_entry_is_no_entry(cache_dir, monkeypatch):
    expected = rules.load_rules()
    (entry,) = cache_dir.glob("rules-*.pickle")
    for damage in (b"", b"not a pickle", entry.read_bytes()[:1000]):
        entry.write_bytes(damage)
        assert rules.load_rules() == expected
    import pickle

    entry.write_bytes(pickle.dumps({"x": "not a rule"}))
    assert rules.load_rules() == expected
    _not_parsed(monkeypatch)  # and the entry was written again
    assert rules.load_rules() == expected


def test_a_cache_that_cannot_be_written_is_no_cache(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv("TRIALINT_CACHE_DIR", str(blocker / "cache"))
    expected = rules.load_rules()
    assert rules.load_rules() == expected
    assert blocker.read_text() == "not a folder"


def test_an_empty_cache_setting_turns_the_cache_off(tmp_path, monkeypatch):
    monkeypatch.setenv("TRIALINT_CACHE_DIR", "")
    monkeypatch.chdir(tmp_path)
    assert cache.cache_dir() is None
    rules.load_rules()
    assert list(tmp_path.iterdir()) == []


def test_the_default_folder_follows_xdg(tmp_path, monkeypatch):
    monkeypatch.delenv("TRIALINT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert cache.cache_dir() == tmp_path / "trialint"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / ".cache" / "trialint"


def test_only_the_newest_entries_of_a_kind_are_kept(cache_dir):
    for i in range(cache.KEEP + 3):
        cache.store(cache.key("probe", [str(i).encode()]), i)
    cache.store(cache.key("other", [b"x"]), "kept")
    kept = sorted(int(cache.load(p.name)) for p in cache_dir.glob("probe-*.pickle"))
    assert len(kept) == cache.KEEP and max(kept) == cache.KEEP + 2
    assert [cache.load(p.name) for p in cache_dir.glob("other-*.pickle")] == ["kept"]
    assert not [p for p in cache_dir.iterdir() if p.suffix == ".tmp"]


def test_an_entry_depends_on_the_code(cache_dir, monkeypatch):
    name = cache.key("probe", [b"same input"])
    monkeypatch.setattr(cache, "code_fingerprint", lambda: "other code")
    assert cache.key("probe", [b"same input"]) != name


def test_cached_values_are_built_once_per_input(cache_dir):
    calls: list[int] = []

    def build() -> dict[str, int]:
        calls.append(1)
        return {"n": len(calls)}

    def valid(v: object) -> bool:
        return isinstance(v, dict)

    assert cache.cached("probe", [b"a"], build, valid) == {"n": 1}
    assert cache.cached("probe", [b"a"], build, valid) == {"n": 1}
    assert cache.cached("probe", [b"b"], build, valid) == {"n": 2}
    assert Path(cache_dir).is_dir()
