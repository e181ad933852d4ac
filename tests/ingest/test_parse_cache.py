"""The parse cache: only changed files are parsed again, and the result is the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from assistant.documents import Document
from assistant.ingest import cache as cache_module
from assistant.ingest import corpus as corpus_module
from assistant.ingest import load_corpus

FOOTER = "This framework is maintained by the people team and reviewed every spring."
MENU = "".join(f'<li><a href="p{i}.html">Site page number {i}</a></li>' for i in range(12))


def page(n: int, extra: str = "") -> str:
    return (
        f"<html><body><div class='links'><ul>{MENU}</ul></div><main><h1>Level {n}</h1>"
        f"<p>Engineers at level {n} own projects of growing scope. {extra}</p>"
        f"<p>{FOOTER}</p></main></body></html>"
    )


@pytest.fixture()
def corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    (root / "site").mkdir(parents=True)
    for n in range(4):
        (root / "site" / f"p{n}.html").write_text(page(n))
    (root / "ladder.md").write_text(
        "---\ntitle: Ladder\ndate: 2024-01-02\naliases: [IC ladder, {x: 1}]\n---\n\n"
        "| Skill | Junior | Senior |\n|---|---|---|\n"
        "| Planning | Asks for help | Plans the quarter |\n"
    )
    (root / "old.txt").write_bytes("Caf\xe9 notes\n\nA paragraph in Latin-1.\n".encode("latin-1"))
    return root


def load(corpus: Path, cache: Path | None) -> tuple[list[Document], list[str]]:
    warnings: list[str] = []
    return load_corpus(corpus, 5_000_000, warnings.append, cache), warnings


@pytest.fixture()
def parsed_sources(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The sources the real loaders are run on (the loaders themselves run unchanged)."""
    seen: list[str] = []
    real = corpus_module.parse_file

    def spy(file, warn):  # type: ignore[no-untyped-def]
        seen.append(file.source)
        return real(file, warn)

    monkeypatch.setattr(corpus_module, "parse_file", spy)
    return seen


def same(a: list[Document], b: list[Document]) -> bool:
    return a == b and [d.blocks for d in a] == [d.blocks for d in b]


def test_only_changed_files_are_parsed_again_and_documents_are_the_same(
    corpus: Path, tmp_path: Path, parsed_sources: list[str]
) -> None:
    cache = tmp_path / "cache"
    uncached, uncached_warnings = load(corpus, None)
    parsed_sources.clear()
    first, first_warnings = load(corpus, cache)
    assert len(parsed_sources) == 6 and same(first, uncached)
    assert first_warnings == uncached_warnings and any("Latin-1" in w for w in first_warnings)

    (corpus / "site" / "p2.html").write_text(page(2, "Now they also mentor."))
    parsed_sources.clear()
    second, second_warnings = load(corpus, cache)
    assert parsed_sources == ["site/p2.html"]
    assert same(second, load(corpus, None)[0])
    assert second_warnings == first_warnings  # a cached file's warnings are given again
    text = {d.source: d.text for d in second}
    assert "mentor" in text["site/p2.html"]
    assert FOOTER not in text["site/p1.html"]  # the boilerplate pass still sees every file
    ladder = next(d for d in second if d.source == "ladder.md")
    assert ladder.title == "Ladder" and ladder.aliases == ("IC ladder",)


def test_corrupt_or_foreign_entries_are_ignored_and_replaced(
    corpus: Path, tmp_path: Path, parsed_sources: list[str]
) -> None:
    cache = tmp_path / "cache"
    expected, _ = load(corpus, cache)
    entries = sorted(cache.iterdir())
    assert len(entries) == 6
    entries[0].write_text("{not json")
    entries[1].write_bytes(b"\x00\xff")
    foreign_kind = json.loads(entries[2].read_text())
    foreign_kind["parsed"]["blocks"][0][0] = "bogus"
    entries[2].write_text(json.dumps(foreign_kind))
    entries[3].write_text('{"source": "x", "sha256": "y", "warnings": [], "parsed": null}')
    parsed_sources.clear()
    again, _ = load(corpus, cache)
    assert same(again, expected)
    assert len(parsed_sources) == 4
    parsed_sources.clear()
    assert same(load(corpus, cache)[0], expected) and parsed_sources == []


def test_entries_of_removed_files_are_deleted(corpus: Path, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    load(corpus, cache)
    (cache / ".entry-left-by-a-killed-rebuild").write_text("{")
    (corpus / "old.txt").unlink()
    load(corpus, cache)
    assert len(list(cache.iterdir())) == 5


def test_a_new_parser_version_parses_everything_again(
    corpus: Path, tmp_path: Path, parsed_sources: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cache = tmp_path / "cache"
    load(corpus, cache)
    monkeypatch.setattr(cache_module, "parser_version", lambda: "an edited loader")
    parsed_sources.clear()
    load(corpus, cache)
    assert len(parsed_sources) == 6 and len(list(cache.iterdir())) == 6


def test_an_unwritable_cache_is_no_error(corpus: Path, tmp_path: Path) -> None:
    blocked = tmp_path / "cache"
    blocked.write_text("a file where the cache folder should be")
    assert same(load(corpus, blocked)[0], load(corpus, None)[0])
