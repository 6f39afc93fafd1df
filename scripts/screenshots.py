"""Capture a screenshot of each tab of the app, as a user sees it, into docs/screenshots/.

    python3 scripts/screenshots.py
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from ui_helpers import browser_page, served_app  # noqa: E402

# the seed document (a real district budget text) ships with the repository; tests never read ../shared
SEED = ROOT / "eval" / "cases" / "legacy_seed.txt"


def main() -> None:
    out = ROOT / "docs" / "screenshots"
    out.mkdir(parents=True, exist_ok=True)
    with served_app() as url, browser_page(1440, 1000) as page:
        page.goto(url)
        page.wait_for_selector("#brief-name textarea", timeout=60_000)
        page.fill("#brief-name textarea", "2025年开平区农村公路养护专项资金")
        page.fill("#brief-purpose textarea", "养护县乡村道186公里，处治坑槽、裂缝等路面病害")
        page.locator("#brief-budget textarea, #brief-budget input").first.fill("560万元")
        page.click("#draft-button")
        page.wait_for_selector("#score h3", timeout=60_000)
        page.fill("#chat-input textarea", "把满意度改为≥92%")
        page.click("#chat-send")
        page.wait_for_timeout(2500)
        page.screenshot(path=str(out / "draft.png"), full_page=True)
        page.get_by_role("tab", name="批量改写").click()
        page.set_input_files("#rewrite-upload input[type=file]", str(SEED))
        page.click("#rewrite-button")
        page.wait_for_selector("#rewrite-note h3", timeout=180_000)
        page.screenshot(path=str(out / "rewrite.png"), full_page=True)
        page.get_by_role("tab", name="检查").click()
        page.set_input_files("#check-upload input[type=file]", str(SEED))
        page.click("#check-button")
        page.wait_for_timeout(4000)
        page.screenshot(path=str(out / "check.png"), full_page=False)
        page.get_by_role("tab", name="评估").click()
        page.click("#eval-button")
        page.wait_for_selector("#eval-summary h1", timeout=120_000)
        page.wait_for_selector("#eval-gallery img", timeout=60_000)
        page.locator("#eval-gallery").scroll_into_view_if_needed()  # the gallery loads its images lazily
        page.wait_for_function("() => [...document.querySelectorAll('#eval-gallery img')].every(i => i.naturalWidth > 0)",
                               timeout=30_000)
        page.wait_for_timeout(1000)
        page.screenshot(path=str(out / "eval.png"), full_page=True)
        page.get_by_role("tab", name="指标库").click()
        page.fill("#library-text textarea", "路灯亮灯率")
        page.click("#library-button")
        page.wait_for_timeout(3000)
        page.screenshot(path=str(out / "library.png"), full_page=False)
    print(f"screenshots written to {out}")


if __name__ == "__main__":
    main()
