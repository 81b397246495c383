"""report.html in a real headless Chromium: renders offline, the seller table sorts and filters."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from audit_util import audit

from training.chatlog import write_chatlog

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tmp = tmp_path_factory.mktemp("report")
    log = tmp / "chats.jsonl"
    write_chatlog(log, 3_000, seed=5, corpus=None)
    out = tmp / "out"
    audit([log], out)
    return out / "report.html"


def _column(page, name: str) -> list[str]:
    idx = page.eval_on_selector_all("#sellers thead th", "ths => ths.map(t => t.dataset.col)").index(name)
    return page.eval_on_selector_all(
        f"#sellers tbody tr td:nth-child({idx + 1})", "tds => tds.map(t => t.textContent)"
    )


def test_report_in_headless_chromium(report: Path) -> None:
    assert shutil.which(CHROMIUM), "Debian chromium is required (apt-get install chromium)"
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on("request", lambda r: requests.append(r.url))
        page.route(
            "**/*",
            lambda route: (
                route.continue_() if route.request.url.startswith(("file:", "data:")) else route.abort()
            ),
        )
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(report.as_uri())
        page.wait_for_selector("#sellers tbody tr")

        shot = report.with_name("report.png")
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000

        n_rows = page.locator("#sellers tbody tr").count()
        assert n_rows >= 50  # one per seller
        assert page.locator("#chart-label rect").count() >= 1
        assert page.locator("#chart-day rect").count() >= 5

        before = [int(x) for x in _column(page, "messages")]
        page.click("#sellers th[data-col=messages]")  # numbers sort descending first
        desc = [int(x) for x in _column(page, "messages")]
        assert desc == sorted(before, reverse=True) and desc != before
        page.click("#sellers th[data-col=messages]")
        assert [int(x) for x in _column(page, "messages")] == sorted(before)
        page.click("#sellers th[data-col=seller_id]")
        ids = _column(page, "seller_id")
        assert ids == sorted(ids)

        first = ids[0]
        page.fill("#filter", first.lower())
        assert _column(page, "seller_id") == [first]
        page.fill("#filter", "")
        assert page.locator("#sellers tbody tr").count() == n_rows

        assert page.locator("mark").count() >= 1  # evidence highlighted in the examples
        assert errors == []
        browser.close()
    assert requests and all(u.startswith(("file:", "data:")) for u in requests), requests


def test_report_is_self_contained_and_masked(report: Path) -> None:
    html = report.read_text(encoding="utf-8")
    for needle in ("http://", "https://cdn", "<link ", 'src="http', "@import"):
        assert needle not in html.replace("http://www.w3.org/2000/svg", "")
    assert "Content-Security-Policy" in html
