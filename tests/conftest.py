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


@pytest.fixture
def seed_without_year(seed_path, tmp_path) -> Path:
    """The seed with every year taken out (2023年, 2023年度, 2023-2025), as a document that names no budget year."""
    import re

    from seed_text import first_projects

    source = tmp_path / "无年度.txt"
    text = first_projects(seed_path.read_text(encoding="utf-8"), 3)  # three projects say it as well as nine
    source.write_text(re.sub(r"20\d{2}\s*年(度)?|20\d{2}-20\d{2}", "", text), encoding="utf-8")
    return source


def share_library(store, data_dir: Path) -> Path:
    """Point a data folder at the session's built library, so a CLI run in a subprocess finds it current instead of
    building the store again (about 8 s a run). Only for runs that read the library."""
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "chroma").symlink_to(store.path, target_is_directory=True)
    return data_dir


@pytest.fixture
def built_home(default_store) -> Path:
    """This test's ZHIBIAO_HOME, its library the session's. Tests of the first run on a fresh home do not take it."""
    home = Path(os.environ["ZHIBIAO_HOME"])
    share_library(default_store, home / "data")
    return home


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


# Tests of 5 s or more on an idle 2-core machine (`python3 -m pytest --durations=40`, 2026-12-02), plus every browser
# and server test. CI runs them all (the README's command); `python3 -m pytest -q -m "not slow"` is the quick loop.
SLOW_TESTS = {
    "test_killed_run_resumes_to_the_same_output", "test_novel_briefs_draft_without_errors_and_without_other_types_objects",
    "test_cli_eval_gate_and_compare", "test_seeded_fuzz_gives_a_result_or_one_chinese_line",
    "test_fit_is_calibrated_on_labelled_briefs", "test_docx_and_xlsx_inputs_keep_their_format",
    "test_folder_with_a_corrupt_file", "test_small_gate_run_writes_reports", "test_draft_docx_output",
    "test_draft_json_offline", "test_breaker_stops_calling_a_dead_endpoint_and_resume_picks_the_projects_up",
    "test_default_embedding_recall", "test_offline_rewrite_at_concurrency_4_on_a_fresh_home_finishes_every_project",
    "test_llm_rewrite_at_concurrency_4_on_a_fresh_home_finishes_every_project", "test_compare_shows_deltas_and_interval",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.originalname in SLOW_TESTS or item.get_closest_marker("browser") or item.get_closest_marker("server"):
            item.add_marker(pytest.mark.slow)
