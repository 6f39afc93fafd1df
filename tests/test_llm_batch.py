"""Batch rewriting with shared workers: one store and one probe per process, and a circuit breaker."""

import pytest

from assistant.batch import Checkpoint, rewrite_document
from assistant.documents import read_document
from assistant.drafters import exemplar
from assistant.drafters.endpoint import reset_capabilities
from assistant.drafters.llm import LLMDrafter
from assistant.settings import load_settings
from openai_server import ScriptedServer


@pytest.fixture
def fresh_home(monkeypatch):
    """A ZHIBIAO_HOME with no index built yet, and no store or capability remembered in this process."""
    monkeypatch.setenv("ZHIBIAO_EMBEDDING", "ngram")  # the race is the same with e5; n-grams build faster
    exemplar.default_store.cache_clear()
    reset_capabilities(load_settings())
    yield
    exemplar.default_store.cache_clear()


def llm(server, **overrides) -> LLMDrafter:
    values = {"base_url": server.base_url, "api_key": "k", "model": "scripted", "timeout": 10, "max_retries": 0}
    return LLMDrafter(load_settings(**{**values, **overrides}))


def test_llm_rewrite_at_concurrency_4_on_a_fresh_home_finishes_every_project(fresh_home, seed_path):
    doc, _ = read_document(seed_path)
    with ScriptedServer(["reject_json_schema"]) as srv:
        run = rewrite_document(doc, llm(srv), concurrency=4)
    assert not run.failed and len(run.projects) == len(doc.projects)
    called = [r for r in srv.requests if not r.get("tools")]
    assert len(called) == 1, "one capability probe for the whole batch"


def test_offline_rewrite_at_concurrency_4_on_a_fresh_home_finishes_every_project(fresh_home, seed_path):
    from assistant.drafters.exemplar import ExemplarDrafter

    doc, _ = read_document(seed_path)
    threads = set()

    class Recording(ExemplarDrafter):
        def draft(self, brief):
            import threading

            threads.add(threading.get_ident())
            return super().draft(brief)

    run = rewrite_document(doc, Recording(), concurrency=4)
    assert not run.failed and all(p.after is not None for p in run.projects)
    # the offline drafter computes under the GIL: --concurrency 4 runs in one worker instead of four contending ones
    assert len(threads) == 1


def test_breaker_stops_calling_a_dead_endpoint_and_resume_picks_the_projects_up(fresh_home, seed_path, tmp_path):
    doc, _ = read_document(seed_path)
    checkpoint = Checkpoint(tmp_path / "out.checkpoint.jsonl")
    with ScriptedServer(["server_error"]) as srv:
        run = rewrite_document(doc, llm(srv, breaker=2), concurrency=1, checkpoint=checkpoint)
    assert len(srv.requests) == 2, "after two failures in a row no more requests are made"
    skipped = [p for p in run.failed if "不再调用" in (p.error or "")]
    assert skipped and len(run.failed) + len([p for p in run.projects if p.status == "ok"]) == len(doc.projects)
    for p in run.failed:  # originals kept
        assert run.document.projects[p.index] == doc.projects[p.index]
    with ScriptedServer(["valid"]) as srv:
        again = rewrite_document(doc, llm(srv), concurrency=2, checkpoint=checkpoint, resume=True)
    assert not again.failed and len(srv.requests) == len(run.failed)
