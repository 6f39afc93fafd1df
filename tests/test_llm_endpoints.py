"""The LLM drafter against real endpoint quirks and faults, each played by the scripted server on 127.0.0.1."""

import json
import logging

import pytest

from assistant.brief import Brief
from assistant.drafters.endpoint import reset_capabilities
from assistant.drafters.llm import LLMDrafter
from assistant.errors import ConfigError, DeadlineError, EndpointError, ProtocolError
from assistant.settings import load_settings
from openai_server import ScriptedServer, table_json
from retrieval.store import ExemplarStore

BRIEF = Brief(name="公务用车购置", purpose="更新购置2辆应急保障公务用车", budget="36万元", year=2025)
KEY = "sk-test-Secret9f8e7d6c5b4a"


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = ExemplarStore(path=tmp_path_factory.mktemp("chroma"), embedding="ngram")
    s.build()
    return s


@pytest.fixture(autouse=True)
def fresh_capabilities():
    """Each test starts with no remembered structured-output method in this process."""
    reset_capabilities(load_settings())
    yield


def drafter(server, store, **overrides) -> LLMDrafter:
    values = {"base_url": server.base_url, "api_key": KEY, "model": "scripted", "timeout": 5, "max_retries": 1}
    return LLMDrafter(load_settings(**{**values, **overrides}), store=store)


def errors(d):
    return [f for f in d.findings if f.severity == "error"]


@pytest.mark.parametrize("profile", ["fenced", "think_braces", "reasoning", "fullwidth"])
def test_wrapped_replies_are_read_through_json_schema_in_one_request(store, profile):
    with ScriptedServer([profile]) as srv:
        d = drafter(srv, store).draft(BRIEF)
    assert len(srv.requests) == 1 and d.trace.method == "json_schema"
    assert not errors(d) and not d.partial
    names = [i.name for i in d.sheet.indicators]
    assert names == [r["name"] for r in json.loads(table_json())["indicators"]]
    assert "草稿" not in d.sheet.goals and "{X" not in d.sheet.model_dump_json()


def test_unparsable_reply_is_reasked_with_the_models_own_text(store):
    with ScriptedServer(["malformed", "valid"]) as srv:
        d = drafter(srv, store).draft(BRIEF)
    ai_turn = srv.requests[1]["messages"][-2]
    assert ai_turn["role"] == "assistant" and ai_turn["content"].startswith('{"goal": "2025年"')
    assert "validation" not in ai_turn["content"].lower() and not errors(d)


def test_a_method_is_remembered_only_after_a_usable_reply(store):
    with ScriptedServer(["malformed"]) as srv:
        with pytest.raises(Exception):
            drafter(srv, store, max_repairs=0).draft(BRIEF)
        path = drafter(srv, store).settings.data_path / "capabilities.json"
        assert not path.exists() or "scripted" not in path.read_text(encoding="utf-8")
    with ScriptedServer(["reject_json_schema"]) as srv:
        drafter(srv, store).draft(BRIEF)
        cache = json.loads(path.read_text(encoding="utf-8"))
    assert [v["method"] for k, v in cache.items() if k.startswith(srv.base_url)] == ["function_calling"]


def test_a_stale_cache_entry_is_probed_again(store):
    with ScriptedServer(["valid"]) as srv:
        d = drafter(srv, store)
        path = d.settings.data_path / "capabilities.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({f"{srv.base_url}|scripted": {"method": "json_mode", "at": 0}}), encoding="utf-8")
        d.draft(BRIEF)
    assert srv.requests[0]["response_format"]["type"] == "json_schema"
    assert json.loads(path.read_text(encoding="utf-8"))[f"{srv.base_url}|scripted"]["method"] == "json_schema"


@pytest.mark.parametrize("profile", ["choices_empty", "choices_null", "html_200", "error_200"])
def test_non_completions_are_endpoint_errors_not_reasked(store, profile):
    with ScriptedServer([profile]) as srv:
        with pytest.raises(ProtocolError, match="不是有效的对话补全"):
            drafter(srv, store).draft(BRIEF)
    assert len(srv.requests) == 1, "a broken endpoint is not blamed on the model and asked again"


def test_echoed_key_is_masked_in_the_error_and_the_trace(store, caplog):
    caplog.set_level(logging.DEBUG)
    with ScriptedServer(["echo_400"]) as srv:
        with pytest.raises(EndpointError) as exc:
            drafter(srv, store).draft(BRIEF)
    assert srv.requests and "400" in str(exc.value)
    assert KEY not in str(exc.value) and "***" in str(exc.value)
    assert KEY not in caplog.text


def test_key_never_reaches_trace_or_draft(store):
    with ScriptedServer(["reject_json_schema"]) as srv:
        d = drafter(srv, store).draft(BRIEF)
    assert KEY not in d.model_dump_json() and d.trace.events


def test_silent_endpoint_stops_at_the_deadline(store):
    with ScriptedServer(["hang"], hang_seconds=30) as srv:
        with pytest.raises(DeadlineError, match="ZHIBIAO_DEADLINE"):
            drafter(srv, store, timeout=1, max_retries=10, deadline=2.5).draft(BRIEF)
    assert 1 <= len(srv.requests) <= 4


def test_retry_after_beyond_the_cap_is_not_waited_for_and_says_so(store):
    with ScriptedServer(["retry_after_long"]) as srv:
        with pytest.raises(EndpointError) as exc:
            drafter(srv, store, max_retries=2).draft(BRIEF)
    assert len(srv.requests) == 1
    assert "300" in str(exc.value) and "未重试" in str(exc.value)


def test_retries_are_counted_in_the_trace_and_the_message(store):
    with ScriptedServer(["server_error", "rate_limit", "valid"]) as srv:
        d = drafter(srv, store, max_retries=2).draft(BRIEF)
    assert d.trace.model_calls == len(srv.requests) == 3
    with ScriptedServer(["server_error"]) as srv:
        with pytest.raises(EndpointError, match="已重试2次"):
            drafter(srv, store, max_retries=2).draft(BRIEF)
    assert len(srv.requests) == 3


def test_repairs_that_run_out_give_a_partial_draft_with_a_note(store):
    with ScriptedServer(["defective"]) as srv:
        d = drafter(srv, store, max_repairs=1).draft(BRIEF)
    assert d.partial and errors(d) and any("需修改" in n for n in d.notes)
    with ScriptedServer(["valid"]) as srv:
        assert not drafter(srv, store).draft(BRIEF).partial


def test_repairs_start_from_the_best_reply(store):
    with ScriptedServer(["defective", "malformed", "valid"]) as srv:
        d = drafter(srv, store, max_repairs=2).draft(BRIEF)
    # the third request repairs the defective table, not the malformed text of the second reply
    third_ai = srv.requests[2]["messages"][-2]["content"]
    assert json.loads(third_ai)["indicators"] and not errors(d)


def test_schemas_sent_to_the_model_are_in_chinese_and_max_tokens_is_set(store):
    with ScriptedServer(["reject_json_schema"]) as srv:
        drafter(srv, store, max_tokens=1234).draft(BRIEF)
    schema = srv.requests[0]["response_format"]["json_schema"]["schema"]
    tool = srv.requests[1]["tools"][0]["function"]
    for text in (schema["description"], tool["description"], schema["$defs"]["ReplyIndicator"]["description"]):
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text)
    assert all((r.get("max_tokens") or r.get("max_completion_tokens")) == 1234 for r in srv.requests)


def test_a_defective_stream_is_repaired_not_restarted(store):
    with ScriptedServer(["defective", "valid"]) as srv:
        events = list(drafter(srv, store).stream(BRIEF))
    final = events[-1]
    assert srv.requests[0]["stream"] is True and len(srv.requests) == 2
    assert "V12" in srv.requests[1]["messages"][-1]["content"] and not errors(final)


@pytest.mark.parametrize("variable, value", [("ZHIBIAO_TIMEOUT", "0"), ("ZHIBIAO_MAX_RETRIES", "-1"),
                                             ("ZHIBIAO_MAX_REPAIRS", "-1"), ("ZHIBIAO_DEADLINE", "-5"),
                                             ("ZHIBIAO_MAX_TOKENS", "0"), ("OPENAI_BASE_URL", "api.deepseek.com")])
def test_configuration_mistakes_are_typed_chinese_errors_at_load(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError, match=variable):
        load_settings()


def test_one_probe_for_many_concurrent_drafts(store):
    from concurrent.futures import ThreadPoolExecutor

    with ScriptedServer(["reject_json_schema"], delay_seconds=0.3) as srv:
        shared = drafter(srv, store)
        with ThreadPoolExecutor(4) as pool:
            drafts = list(pool.map(lambda _: shared.draft(BRIEF), range(6)))
    assert all(not errors(d) for d in drafts)
    # one rejected json_schema probe, then one tool call per draft
    assert [bool(r.get("tools")) for r in srv.requests].count(False) == 1 and len(srv.requests) == 7
