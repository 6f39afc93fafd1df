"""Start the real app on a free loopback port, and a real headless Debian chromium driven by playwright."""

from __future__ import annotations

import shutil
import socket
from contextlib import contextmanager

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def chromium_path() -> str:
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if not path:
        raise RuntimeError("Debian chromium is not installed (bash scripts/install.sh --test installs it)")
    return path


@contextmanager
def served_app():
    from ui.app import launch

    port = free_port()
    demo = launch(port=port, block=False)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        demo.close()


@contextmanager
def offline_app(home):
    """The app served offline (no OPENAI_/ZHIBIAO_ settings) with its own ZHIBIAO_HOME and a fresh store."""
    import os

    import pytest

    with pytest.MonkeyPatch.context() as mp:
        for var in [v for v in os.environ if v.startswith(("OPENAI_", "ZHIBIAO_"))]:
            mp.delenv(var)
        mp.setenv("ZHIBIAO_HOME", str(home))
        mp.setenv("NO_PROXY", "127.0.0.1,localhost")
        from assistant.drafters.exemplar import default_store

        default_store.cache_clear()
        with served_app() as url:
            yield url
        default_store.cache_clear()


@contextmanager
def browser_page(width: int = 1500, height: int = 1100):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True,
                                          locale="zh-CN")
            yield context.new_page()
        finally:
            browser.close()
