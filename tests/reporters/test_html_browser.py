"""The HTML report in a real browser: Debian's chromium driven by Playwright, headless.

Opens the report from disk, filters, sorts, expands, prints, checks that no script from data
ran and that nothing was fetched, and saves screenshots under test-output/. This test FAILS
(never skips) when chromium or Playwright is missing: `.ci/run` installs them
(`apt-get install -y chromium`; Playwright's own browser download is not used).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from drsmcheck.reporters.html import render_html

from support import run_cli

CHROMIUM = os.environ.get("DRSMCHECK_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
OUTPUT = Path(__file__).resolve().parents[2] / "test-output"


@pytest.fixture(scope="module")
def browser() -> Any:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium not found at {CHROMIUM}: install it with "
                    "`apt-get install -y chromium` (or set DRSMCHECK_CHROMIUM)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - environment problem, must be loud
        pytest.fail("playwright is not installed: pip install playwright")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()


class Watch:
    """What the page did behind our back: dialogs, requests, errors."""

    def __init__(self, page: Any) -> None:
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)


def _open(browser: Any, tmp_path: Path, report: dict[str, Any], lang: str) -> tuple[Any, Watch]:
    path = tmp_path / f"report-{lang}.html"
    path.write_text(render_html(report, lang), encoding="utf-8")
    page = browser.new_page(viewport={"width": 1400, "height": 1000})
    watch = Watch(page)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, watch


def _visible_ids(page: Any) -> list[str]:
    return page.eval_on_selector_all(
        "#anomaly-table > tbody.anomaly", "els => els.filter(e => !e.hidden).map(e => e.id)")


def test_filter_sort_expand_print(browser: Any, tmp_path: Path, report: dict[str, Any]) -> None:
    page, watch = _open(browser, tmp_path, report, "fr")
    assert page.locator("#filters").is_visible()
    assert len(_visible_ids(page)) == 9
    assert page.locator("#shown-n").inner_text() == "9"
    # details start collapsed once JS runs
    assert page.locator("tr.detail:visible").count() == 0

    page.select_option("#f-severity", "error")
    ids = _visible_ids(page)
    assert len(ids) == 4 and page.locator("#shown-n").inner_text() == "4"
    assert all(page.locator(f"#{i}").get_attribute("data-severity") == "error" for i in ids)

    page.fill("#f-text", "162 062")
    assert _visible_ids(page) == ["a-ed536e1427baf7d5"]
    page.fill("#f-text", "zzz-nothing")
    assert _visible_ids(page) == [] and page.locator("#no-match").is_visible()
    page.fill("#f-text", "")
    page.select_option("#f-severity", "")
    page.select_option("#f-category", "objective_missed")
    page.select_option("#f-entity", "LR")
    assert len(_visible_ids(page)) == 3
    page.select_option("#f-category", "")
    page.select_option("#f-entity", "")
    page.fill("#f-text", "Occitanie")  # accents and case folded: matches "OCC — Occitanie"
    assert "a-ed536e1427baf7d5" in _visible_ids(page)
    page.fill("#f-text", "")
    assert len(_visible_ids(page)) == 9

    # sort by difference: largest gap first, then ascending on a second click
    page.click("th[data-sort=diff] button")
    order = _visible_ids(page)
    assert order[:3] == ["a-fd8d494d113de869", "a-93d33a8d3c05a3be", "a-ed536e1427baf7d5"]
    assert page.get_attribute("th[data-sort=diff]", "aria-sort") == "descending"
    page.click("th[data-sort=diff] button")
    assert _visible_ids(page)[-1] == "a-fd8d494d113de869"
    page.click("th[data-sort=entity] button")
    entities = [page.get_attribute(f"#{i}", "data-entity") for i in _visible_ids(page)]
    assert entities == sorted(entities)
    assert page.get_attribute("th[data-sort=diff]", "aria-sort") is None

    # expand one anomaly: provenance of every figure, suspect highlighted
    page.click("#a-ed536e1427baf7d5 button.toggle")
    detail = page.locator("#d-ed536e1427baf7d5")
    assert detail.is_visible()
    text = detail.inner_text()
    assert "samples/drsm-occitanie-2019/dataset.yaml:41" in text and "l.871" in text
    assert page.locator("#d-ed536e1427baf7d5 tr.suspect").count() == 1
    assert "162\u202f051" in page.locator("#d-ed536e1427baf7d5 tr.suspect").inner_text()

    # the suspects table links to the anomaly and opens it
    page.click("#expand-all")
    assert page.locator("tr.detail:visible").count() == 9
    page.click("#collapse-all")
    assert page.locator("tr.detail:visible").count() == 0

    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "report-fr.png"), full_page=True)

    # print: no filter bar, every detail shown, even for filtered-out rows
    page.select_option("#f-severity", "info")
    page.emulate_media(media="print")
    assert not page.locator("#filters").is_visible()
    assert page.locator("tr.detail:visible").count() == 9
    page.emulate_media(media="screen")

    assert watch.dialogs == [] and watch.errors == []
    assert all(url.startswith("file://") for url in watch.requests), watch.requests
    page.close()


def test_hostile_strings_do_not_run(browser: Any, tmp_path: Path,
                                    hostile_report: dict[str, Any],
                                    payloads: dict[str, str]) -> None:
    page, watch = _open(browser, tmp_path, hostile_report, "en")
    page.click("#expand-all")
    assert page.locator("img").count() == 0
    assert page.locator("script").count() == 1
    assert page.evaluate("document.querySelectorAll('[onerror]').length") == 0
    # the payloads are shown as text, exactly
    relation = page.locator("#anomaly-table tbody.anomaly .rel").first.inner_text()
    assert payloads["script"] in relation and payloads["img"] in relation
    quote = page.locator("table.figures q").first.inner_text()
    assert payloads["script"] in quote
    assert payloads["script"] in page.locator("header .datasets").inner_text()
    assert "Sophia <script>" in (page.locator("svg.chart").text_content() or "")
    # filtering on the payload text works like any text
    page.fill("#f-text", "<script>alert(1)</script>")
    assert len(_visible_ids(page)) == 9
    page.wait_for_timeout(200)
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "report-en-hostile.png"), full_page=True)
    assert watch.dialogs == [], "a script from the data ran"
    assert watch.errors == []
    assert all(url.startswith("file://") for url in watch.requests), watch.requests
    page.close()


WIDTHS = (1400, 1024, 390)


@pytest.fixture(scope="module")
def occitanie(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """The Occitanie report as a user makes it: `drsmcheck validate … --format html,json`."""
    out = tmp_path_factory.mktemp("occ-html")
    done = run_cli("validate", "samples/drsm-occitanie-2019", "--format", "html,json",
                   "--output-dir", str(out), "--fail-on", "never")
    assert done.returncode == 0, done.stderr
    return out / "report.html", json.loads((out / "report.json").read_text(encoding="utf-8"))


def _layout(page: Any) -> dict[str, Any]:
    return page.evaluate("""() => {
      const box = (id) => { const e = document.getElementById(id);
        return e ? {scroll: e.scrollWidth, client: e.clientWidth} : null; };
      const top = (id) => document.getElementById(id).getBoundingClientRect().top + scrollY;
      const suspects = document.querySelector('table.suspects');
      return {scrollWidth: document.documentElement.scrollWidth, innerWidth: innerWidth,
              anomalies: top('anomalies'), rules: top('rules'), breakdown: top('breakdown'),
              height: document.documentElement.scrollHeight,
              anomalyBox: box('anomaly-scroll'),
              suspectsBox: suspects ? {scroll: suspects.parentElement.scrollWidth,
                                       client: suspects.parentElement.clientWidth} : null,
              rulesOpen: document.querySelector('#rules details').open};
    }""")


@pytest.mark.parametrize("width", WIDTHS)
def test_occitanie_fits_the_window(browser: Any, occitanie: tuple[Path, dict[str, Any]],
                                   width: int) -> None:
    """No sideways scrolling of the page at desktop, laptop and phone widths: wide tables
    scroll in their own box. Anomalies and suspects come first; the rules table is folded."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    watch = Watch(page)
    occitanie_html, report = occitanie
    page.goto(occitanie_html.as_uri())
    page.wait_for_load_state("load")
    layout = _layout(page)
    assert layout["scrollWidth"] <= layout["innerWidth"] == width, layout
    assert layout["anomalies"] < layout["breakdown"] < layout["rules"]
    # under the summary and the suspects table (Occitanie: 4 suspects; a phone wraps each
    # suspect's reason over several lines)
    assert layout["anomalies"] < (1400 if width >= 1024 else 1700), layout
    assert layout["rulesOpen"] is False
    if width >= 1024:
        # the suspects table fits: its "Why" column is not cut
        assert layout["suspectsBox"]["scroll"] <= layout["suspectsBox"]["client"], layout
    # the anomaly table never widens the page: at worst it scrolls in its own box
    assert layout["anomalyBox"]["client"] <= width
    # the first relation is readable without scrolling sideways (a card on a phone)
    right = page.evaluate("document.querySelector('#anomaly-table td.relation')"
                          ".getBoundingClientRect().right")
    assert right <= width, right
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"occitanie-{width}.png"), full_page=True)
    # every detail open and the rules table unfolded: still no sideways page scroll
    page.click("#expand-all")
    page.click("#rules summary")
    layout = _layout(page)
    assert layout["rulesOpen"] is True
    assert layout["scrollWidth"] <= layout["innerWidth"], layout
    applied = sum(1 for r in report["rules"] if r["items"] > 0)
    assert page.locator("#rules tbody tr").count() == applied < len(report["rules"])
    if width < 1024:
        # the figures of an anomaly scroll in their own box
        boxes = page.evaluate("[...document.querySelectorAll('tr.detail .scroll')]"
                              ".map(e => [e.scrollWidth, e.clientWidth])")
        assert boxes and any(scroll > client for scroll, client in boxes), boxes
    assert watch.errors == [] and watch.dialogs == []
    page.close()


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_all_samples_fit_the_window(browser: Any, tmp_path: Path, samples_run: tuple[int, dict],
                                    lang: str) -> None:
    """The largest report (every sample, 105 anomalies, objectives chart) at the three widths."""
    path = tmp_path / f"samples-{lang}.html"
    path.write_text(render_html(samples_run[1], lang), encoding="utf-8")
    page = browser.new_page(viewport={"width": WIDTHS[0], "height": 900})
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    page.click("#expand-all")
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        layout = _layout(page)
        assert layout["scrollWidth"] <= layout["innerWidth"] == width, (width, layout)
    page.close()


def test_big_report_is_capped_and_paged(browser: Any, tmp_path: Path,
                                        big_report: dict[str, Any]) -> None:
    """1 800 anomalies: 1 000 detailed (errors and warnings first), 100 a page; filters, the
    suspects' links and printing work across pages; the rest is counted, not lost."""
    page, watch = _open(browser, tmp_path, big_report, "en")
    assert page.locator("#anomaly-table > tbody.anomaly").count() == 1000
    capped = page.locator("#capped").inner_text()
    assert "first 1,000 anomalies" in capped and "other 800 (800 info)" in capped
    assert "report.jsonl" in capped
    # the summary counts every anomaly, detailed or not
    assert page.locator("[data-kpi=total]").inner_text() == "1,800"
    first = _visible_ids(page)
    assert len(first) == 100
    assert page.locator("#pager").is_visible()
    assert page.locator("#page-label").inner_text() == "Page 1 of 10"
    assert page.locator("#page-prev").is_disabled()
    page.click("#page-next")
    second = _visible_ids(page)
    assert len(second) == 100 and not set(first) & set(second)
    assert page.locator("#page-label").inner_text() == "Page 2 of 10"
    for _ in range(8):
        page.click("#page-next")
    assert page.locator("#page-label").inner_text() == "Page 10 of 10"
    assert page.locator("#page-next").is_disabled()
    # the detailed ones are the errors and warnings: the 800 info are only counted
    severities = page.eval_on_selector_all(
        "#anomaly-table > tbody.anomaly", "els => els.map(e => e.dataset.severity)")
    assert {s: severities.count(s) for s in set(severities)} == {"error": 800, "warning": 200}

    # a filter pages its matches from the first page on
    page.select_option("#f-severity", "warning")
    assert page.locator("#shown-n").inner_text() == "200"
    assert page.locator("#page-label").inner_text() == "Page 1 of 2"
    assert len(_visible_ids(page)) == 100
    page.select_option("#f-severity", "")

    # the suspects table links to an anomaly on another page (even one a filter hides)
    page.select_option("#f-severity", "warning")
    links = page.eval_on_selector_all("table.suspects a", "els => els.map(e => e.hash)")
    assert len(links) == 100  # one page of suspects, the rest counted
    assert "900 more suspect figures" in page.locator("#suspects-capped").inner_text()
    target = links[-1][1:]  # an error, filtered out, on page 1 of the whole list
    page.click(f"table.suspects a[href='#{target}']")
    assert target in _visible_ids(page)
    assert page.locator(f"#{target} tr.detail").is_visible()
    assert page.locator("#shown-n").inner_text() == "1000"
    page.evaluate("location.hash = ''")
    order = [e for e in page.eval_on_selector_all(
        "#anomaly-table > tbody.anomaly", "els => els.map(e => e.id)")]
    late = order[555]
    page.evaluate(f"location.hash = '#{late}'")
    page.wait_for_function(f"!document.getElementById('{late}').hidden")
    assert page.locator("#page-label").inner_text() == "Page 6 of 10"

    # sorting re-pages from the first page
    page.click("th[data-sort=diff] button")
    assert page.locator("#page-label").inner_text() == "Page 1 of 10"
    assert len(_visible_ids(page)) == 100

    # print: every detailed anomaly, all pages, no pager
    page.emulate_media(media="print")
    assert not page.locator("#pager").is_visible()
    assert page.locator("#anomaly-table > tbody.anomaly:visible").count() == 1000
    page.emulate_media(media="screen")
    OUTPUT.mkdir(exist_ok=True)
    page.screenshot(path=str(OUTPUT / "report-en-big.png"))
    assert watch.dialogs == [] and watch.errors == []
    assert all(url.startswith("file://") for url in watch.requests), watch.requests
    page.close()
