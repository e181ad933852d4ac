from __future__ import annotations

import time
from pathlib import Path

from ..conftest import write_corpus
from .support import load, units

MENU = """<div class="site-links"><span>Career framework</span>
<div><a href="ic1.html">IC1 Engineer</a></div><div><a href="ic2.html">IC2 Engineer</a></div>
<div><a href="ic3.html">IC3 Engineer</a></div><h1>Appendix</h1></div>"""


def page(title: str, body: str, menu: str = MENU) -> str:
    return f"""<html><head><title>Acme Careers</title></head>
<body class="nav-left">
<div id="toc"><a href="/">Home</a> <a href="/a">A</a> <a href="/b">B</a></div>
{menu}<div id="content"><h1>{title}</h1>{body}</div>
<footer>© Acme</footer></body></html>"""


def test_menus_repeated_across_pages_and_chrome_are_dropped(tmp_path: Path) -> None:
    files = {
        f"site/ic{n}.html": page(
            f"IC{n} Engineer", f"<p>An IC{n} engineer owns tasks of size {n}.</p>"
        )
        for n in range(1, 5)
    }
    write_corpus(tmp_path, files)
    _, docs = load(tmp_path)
    for n in range(1, 5):
        doc = docs[f"site/ic{n}.html"]
        assert doc.title == f"IC{n} Engineer"  # the page's h1, not the site-wide <title>
        assert units(doc) == [f"An IC{n} engineer owns tasks of size {n}."]
        for debris in ("Home", "Career framework", "Appendix", "©"):
            assert debris not in doc.text


def test_html_tables_lists_and_quotes_become_labelled_blocks(tmp_path: Path) -> None:
    body = """<h2>Timeline</h2><table><thead><tr><th></th><th>ICs (years)</th>
    <th>Managers (years)</th>
    </tr></thead><tbody><tr><td>L3</td><td>2-4</td><td>0-2</td></tr></tbody></table>
    <ul><li>Own a <b>team</b> goal<ul><li>and report on it</li></ul></li></ul>
    <blockquote><p>Impact is the rate of delivery.</p></blockquote>"""
    write_corpus(tmp_path, {"promo.html": page("Promotions", body, menu="")})
    doc = load(tmp_path)[1]["promo.html"]
    assert units(doc) == [
        "L3 — ICs (years): 2-4",
        "L3 — Managers (years): 0-2",
        "Own a team goal",
        "and report on it",
        "Impact is the rate of delivery.",
    ]
    assert [b.kind for b in doc.blocks if b.kind != "heading"] == [
        "table_row", "table_row", "list_item", "list_item", "quote"
    ]  # fmt: skip


def test_deeply_nested_inline_html_parses_in_linear_time(tmp_path: Path) -> None:
    (tmp_path / "deep.html").write_text("<span>x " * 16_000)
    started = time.perf_counter()
    doc = load(tmp_path)[1]["deep.html"]
    assert time.perf_counter() - started < 10  # was 25 s per question before
    assert doc.text.count("x") == 16_000


def test_an_html_ish_page_without_blocks_keeps_its_text(tmp_path: Path) -> None:
    (tmp_path / "bare.html").write_text(
        "Just a sentence with <em>emphasis</em> and no tags around it."
    )
    doc = load(tmp_path)[1]["bare.html"]
    assert units(doc) == ["Just a sentence with emphasis and no tags around it."]


def test_spanning_cells_keep_their_labels_and_ordered_lists_their_numbers(tmp_path: Path) -> None:
    body = """<table><tr><th>Area</th><th>E3</th><th>E4</th></tr>
    <tr><td rowspan="2">Scope</td><td colspan="2">Owns a whole area.</td></tr>
    <tr><td>Asks for help.</td><td>Unblocks self.</td></tr>
    <tr><td>Notes</td><td>—</td><td>n/a here</td></tr></table>
    <ol start="2"><li>Write the case</li><li>Meet the committee</li></ol>"""
    write_corpus(tmp_path, {"t.html": page("Ladder", body, menu="")})
    doc = load(tmp_path)[1]["t.html"]
    assert units(doc) == [
        "Scope — E3: Owns a whole area.",
        "Scope — E4: Owns a whole area.",
        "Scope — E3: Asks for help.",
        "Scope — E4: Unblocks self.",
        "Notes — E4: n/a here",
        "Write the case",
        "Meet the committee",
    ]
    assert "2. Write the case" in doc.text and "3. Meet the committee" in doc.text


def test_site_headers_by_class_and_title_suffixes_are_dropped(tmp_path: Path) -> None:
    html = """<html><head><title>Benefits | Northwind Careers</title></head><body>
    <div class="site-header"><span>Northwind Logistics</span><p>Moving the world</p></div>
    <p>Everyone gets twenty-eight days of paid holiday.</p></body></html>"""
    write_corpus(tmp_path, {"benefits.html": html})
    doc = load(tmp_path)[1]["benefits.html"]
    assert doc.title == "Benefits"
    assert units(doc) == ["Everyone gets twenty-eight days of paid holiday."]


def test_a_list_of_two_links_is_navigation(tmp_path: Path) -> None:
    body = (
        "<p>Engineers join the on-call rotation after three months.</p>"
        '<ul><li><a href="runbooks.html">Runbooks</a></li>'
        '<li><a href="escalation.html">Escalation</a></li></ul>'
        '<p>Talk to <a href="m.html">your manager</a> and <a href="hr.html">HR</a> first.</p>'
    )
    write_corpus(tmp_path, {"oncall.html": page("On call", body, menu="")})
    _, docs = load(tmp_path)
    assert units(docs["oncall.html"]) == [
        "Engineers join the on-call rotation after three months.",
        "Talk to your manager and HR first.",
    ]
