import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# the seed document (a real district budget text) ships with the repository; tests never read ../shared
SEED = ROOT / "eval" / "cases" / "legacy_seed.txt"
sys.path.insert(0, str(Path(__file__).parent))


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """No user settings, keys or proxies leak into a test; data goes to a temporary home."""
    for var in list(os.environ):
        if var.startswith(("OPENAI_", "ZHIBIAO_", "LANGSMITH_", "LANGCHAIN_")) or var.lower() in ("http_proxy", "https_proxy", "all_proxy"):
            monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("ZHIBIAO_HOME", str(tmp_path / "zhibiao-home"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    yield


@pytest.fixture(scope="session")
def seed_path() -> Path:
    if not SEED.exists():
        pytest.fail(f"seed document missing: {SEED}")
    return SEED


@pytest.fixture(scope="session")
def default_store(tmp_path_factory):
    """The shipped library indexed once per test session with the default embedding, in a temporary folder."""
    from retrieval.store import ExemplarStore

    store = ExemplarStore(path=tmp_path_factory.mktemp("chroma-default"))
    store.build()
    return store


@pytest.fixture(scope="session")
def exemplar_drafter(default_store):
    from assistant.drafters.exemplar import ExemplarDrafter

    return ExemplarDrafter(store=default_store)
