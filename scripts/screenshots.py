"""Capture every tab of the app, as a user sees it, at 1400 px (desktop) and 390 px (phone) into docs/screenshots/:
draft-1400.png, draft-390.png, rewrite-…, check-…, eval-…, library-…, each with real content (a draft made and
edited in the chat, the seed document rewritten and checked, an evaluation run, a library search).

    python3 scripts/screenshots.py            # both widths
    python3 scripts/screenshots.py 390        # one width
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from ui_helpers import browser_page, served_app  # noqa: E402

# the seed document (a real district budget text) ships with the repository; tests never read ../shared
SEED = ROOT / "eval" / "cases" / "legacy_seed.txt"
WIDTHS = {1400: 900, 390: 844}


def _tab(page, name: str) -> None:
    page.get_by_role("tab", name=name).click()
    page.wait_for_timeout(400)


def _dismiss_toasts(page) -> None:
    for button in page.locator('[data-testid="toast-close"]').all():
        if button.is_visible():
            button.click()


def capture(url: str, width: int, out: Path) -> list[Path]:
    shots: list[Path] = []

    def shot(page, name: str, full_page: bool = True) -> None:
        _dismiss_toasts(page)
        page.wait_for_timeout(300)
        shots.append(out / f"{name}-{width}.png")
        page.screenshot(path=str(shots[-1]), full_page=full_page)

    with browser_page(width, WIDTHS[width]) as page:
        page.goto(url)
        page.wait_for_selector("#brief-name textarea", timeout=60_000)
        # 起草: a brief, the draft, then an edit in the chat
        page.fill("#brief-name textarea", "2025年开平区农村公路养护专项资金")
        page.fill("#brief-purpose textarea", "养护县乡村道186公里，处治坑槽、裂缝等路面病害")
        page.locator("#brief-budget textarea, #brief-budget input").first.fill("560万元")
        page.locator("#brief-year input").first.fill("2025")
        page.click("#draft-button")
        page.wait_for_selector("#score h3", timeout=60_000)
        page.fill("#chat-input textarea", "把满意度改为≥92%")
        page.click("#chat-send")
        page.wait_for_function("() => document.querySelector('#chat').innerText.includes('当前得分')", timeout=60_000)
        page.wait_for_timeout(800)
        shot(page, "draft")

        # 批量改写: the seed document, with the first project's rows before and after opened
        _tab(page, "批量改写")
        page.set_input_files("#rewrite-upload input[type=file]", str(SEED))
        page.click("#rewrite-button")
        page.wait_for_selector("#rewrite-note h3", timeout=300_000)
        page.wait_for_selector("#rewrite-preview details summary", timeout=30_000)
        page.locator("#rewrite-preview details summary").first.click()
        page.wait_for_timeout(500)
        shot(page, "rewrite")

        # 检查: the seed document as it was
        _tab(page, "检查")
        page.set_input_files("#check-upload input[type=file]", str(SEED))
        page.click("#check-button")
        page.wait_for_selector("#check-note h3", timeout=120_000)
        page.wait_for_timeout(800)
        shot(page, "check")

        # 评估: twelve built-in cases, the summary and the charts
        _tab(page, "评估")
        page.click("#eval-button")
        page.wait_for_selector("#eval-summary h1", timeout=300_000)
        page.wait_for_selector(".eval-chart img", state="attached", timeout=60_000)
        for chart in page.locator(".eval-chart").all():
            chart.scroll_into_view_if_needed()  # images load lazily
        page.wait_for_function("() => [...document.querySelectorAll('.eval-chart img')].every(i => i.naturalWidth > 0)",
                               timeout=30_000)
        page.wait_for_timeout(800)
        shot(page, "eval")

        # 指标库: one indicator searched
        _tab(page, "指标库")
        page.fill("#library-text textarea", "路灯亮灯率")
        page.click("#library-button")
        page.wait_for_function("() => document.querySelector('#library-table').innerText.includes('亮灯')", timeout=60_000)
        page.wait_for_timeout(500)
        shot(page, "library", full_page=width < 1000)
    return shots


def main() -> None:
    out = ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    widths = [int(w) for w in sys.argv[1:]] or list(WIDTHS)
    with served_app() as url:
        for width in widths:
            for path in capture(url, width, out):
                print(path.relative_to(ROOT))


if __name__ == "__main__":
    main()
