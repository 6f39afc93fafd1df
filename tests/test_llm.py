"""The LLM drafter against a real HTTP server on 127.0.0.1 speaking the OpenAI protocol (real openai + langchain)."""

import json

import pytest

from assistant.brief import Brief
from assistant.drafters.llm import EndpointError, LLMDrafter, OutputError
from assistant.errors import ConfigError
from assistant.settings import load_settings
from openai_server import ScriptedServer
from retrieval.store import ExemplarStore

BRIEF = Brief(name="公务用车购置", purpose="更新购置2辆应急保障公务用车", budget="36万元", year=2025)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = ExemplarStore(path=tmp_path_factory.mktemp("chroma"), embedding="ngram")
    s.build()
    return s


def drafter(server, store, **overrides) -> LLMDrafter:
    values = {"base_url": server.base_url, "api_key": "test-key", "model": "scripted", "timeout": 5, "max_retries": 1}
    settings = load_settings(**{**values, **overrides})
    return LLMDrafter(settings, store=store)


def methods(server):
    out = []
    for r in server.requests:
        if r.get("tools"):
            out.append("tools")
        else:
            out.append((r.get("response_format") or {}).get("type", "text"))
    return out


def test_valid_reply_first_time(store):
    with ScriptedServer(["valid"]) as srv:
        d = drafter(srv, store).draft(BRIEF)
    assert not [f for f in d.findings if f.severity == "error"] and d.score >= 90
    assert d.trace.method == "json_schema" and d.trace.model_calls == 1 and d.trace.attempts == 1
    assert d.trace.prompt_tokens == 1000 and d.trace.completion_tokens == 500
    assert methods(srv) == ["json_schema"]
    body = srv.requests[0]
    assert body["response_format"]["json_schema"]["strict"] is True
    prompt = json.dumps(body["messages"], ensure_ascii=False)
    assert "公务用车购置" in prompt and "示范指标" in prompt and d.sources


def test_defects_are_repaired_with_the_findings(store):
    with ScriptedServer(["defective", "valid"]) as srv:
        d = drafter(srv, store).draft(BRIEF)
    assert d.trace.attempts == 2 and len(srv.requests) == 2
    repair = srv.requests[1]["messages"][-1]["content"]
    assert "V03" in repair or "V07" in repair
    assert "V12" in repair and "B02" in repair
    assert not [f for f in d.findings if f.severity == "error"]


def test_best_attempt_wins_when_repairs_run_out(store):
    with ScriptedServer(["defective"]) as srv:
        d = drafter(srv, store, max_repairs=1).draft(BRIEF)
    assert d.trace.attempts == 2 and len(srv.requests) == 2
    assert any(f.severity == "error" for f in d.findings), "the defects are reported, not hidden"


def test_deepseek_rejects_json_schema_then_tools_work_and_are_cached(store, tmp_path):
    with ScriptedServer(["reject_json_schema"]) as srv:
        first = drafter(srv, store).draft(BRIEF)
        second = drafter(srv, store).draft(BRIEF)
    assert methods(srv) == ["json_schema", "tools", "tools"]
    assert first.trace.method == second.trace.method == "function_calling"
    assert not [f for f in first.findings if f.severity == "error"]


def test_dashscope_needs_json_word_and_json_object(store):
    with ScriptedServer(["dashscope"]) as srv:
        d = drafter(srv, store).draft(BRIEF)
    assert methods(srv) == ["json_schema", "tools", "json_object"]
    assert d.trace.method == "json_mode"
    assert "json" in json.dumps(srv.requests[-1]["messages"], ensure_ascii=False).lower()


def test_server_without_tools_or_schema_falls_back(store):
    with ScriptedServer(["reject_tools"]) as srv:
        settings = load_settings(base_url=srv.base_url, api_key="k", model="m2", timeout=5, max_retries=0)
        d = LLMDrafter(settings, store=store).draft(BRIEF)
    # json_schema works on this server; the chain stops at the first method accepted
    assert d.trace.method == "json_schema"


def test_rate_limit_is_retried_with_retry_after(store):
    with ScriptedServer(["rate_limit", "valid"]) as srv:
        d = drafter(srv, store, max_retries=2).draft(BRIEF)
    assert len(srv.requests) == 2 and d.score >= 90


def test_rate_limit_exhausted_is_a_clear_error(store):
    with ScriptedServer(["rate_limit"]) as srv:
        with pytest.raises(EndpointError, match="429"):
            drafter(srv, store, max_retries=1).draft(BRIEF)
    assert len(srv.requests) == 2


def test_server_error_is_a_clear_error(store):
    with ScriptedServer(["server_error"]) as srv:
        with pytest.raises(EndpointError, match="500"):
            drafter(srv, store, max_retries=1).draft(BRIEF)


def test_timeout_is_a_clear_error(store):
    with ScriptedServer(["slow"], slow_seconds=3) as srv:
        with pytest.raises(EndpointError, match="超时"):
            drafter(srv, store, max_retries=0, timeout=1).draft(BRIEF)


def test_malformed_json_is_reasked(store):
    with ScriptedServer(["malformed", "valid"]) as srv:
        d = drafter(srv, store).draft(BRIEF)
    assert d.trace.attempts == 2 and d.score >= 90
    assert "不是完整有效的 json" in srv.requests[1]["messages"][-1]["content"]


def test_truncated_every_time_ends_in_output_error(store):
    with ScriptedServer(["truncated"]) as srv:
        with pytest.raises(OutputError) as exc:
            drafter(srv, store, max_repairs=1).draft(BRIEF)
    assert len(exc.value.attempts) == 2 and "截断" in str(exc.value)


def test_garbage_body_is_a_clear_error(store):
    with ScriptedServer(["garbage"]) as srv:
        with pytest.raises((EndpointError, OutputError)):
            drafter(srv, store, max_retries=0, max_repairs=0).draft(BRIEF)


def test_streaming_yields_text_then_the_draft(store):
    with ScriptedServer(["valid"]) as srv:
        events = list(drafter(srv, store).stream(BRIEF))
    pieces = [e for e in events if isinstance(e, str)]
    assert len(pieces) > 3 and json.loads("".join(pieces))["indicators"]
    final = events[-1]
    assert final.score >= 90 and srv.requests[0]["stream"] is True


def test_llm_drafter_needs_an_endpoint():
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        LLMDrafter(load_settings())


def test_api_key_is_sent_as_bearer_and_never_in_the_prompt(store):
    with ScriptedServer(["valid"]) as srv:
        drafter(srv, store).draft(BRIEF)
    assert "test-key" not in json.dumps(srv.requests[0], ensure_ascii=False)


def test_rewrite_shows_the_model_each_legacy_row_with_its_problems(store, seed_path):
    from assistant.documents import read_document
    from assistant.rewrite import rewrite_sheet

    doc, _ = read_document(seed_path)
    with ScriptedServer(["valid"]) as srv:
        result = rewrite_sheet(doc.projects[2], drafter(srv, store))
    prompt = srv.requests[0]["messages"][-1]["content"]
    assert "设备购置类项目持续使用时间（年" in prompt and "N04" in prompt and "原指标" in prompt
    assert result.after is not None and result.after.score > result.before.score
    assert result.after.sheet.code == doc.projects[2].code


def test_chat_request_goes_to_the_model_when_offline_rules_do_not_understand_it(store, monkeypatch):
    """The 起草 chat: an edit the offline parser cannot read is sent to the configured model (revise)."""
    from assistant.draft import Draft
    from assistant.drafters import exemplar
    from assistant.drafters.exemplar import ExemplarDrafter

    monkeypatch.setattr(exemplar, "default_store", lambda: store)
    import ui.app as app

    draft = ExemplarDrafter(store=store).draft(BRIEF)
    with ScriptedServer(["valid"]) as srv:
        monkeypatch.setenv("OPENAI_BASE_URL", srv.base_url)
        monkeypatch.setenv("OPENAI_API_KEY", "k")
        state, rows, findings, score, sources, goal, history, cleared, *brief_fields = app.do_chat(
            "请把表格改得更严格一些，突出安全", [], draft.model_dump(mode="json"), "2015", 2025)
    assert len(srv.requests) == 1
    sent = srv.requests[0]["messages"][-1]["content"]
    assert "请把表格改得更严格一些" in sent and draft.sheet.indicators[0].name in sent
    assert Draft.model_validate(state).sheet.code == draft.sheet.code
    assert "大模型" in history[-1]["content"] and cleared == ""


def test_the_users_numbers_are_in_the_prompt_and_kept_when_the_model_drops_them(store):
    """The scripted model answers with a table that knows neither the 3 drivers nor the 3万元 of 购置税: the prompt
    names both as facts, and the draft keeps them in a 数量指标 and a 成本指标."""
    brief = Brief(name="公务用车购置", purpose="更新购置2辆应急保障公务用车，培训驾驶员3名，其中车辆购置税3万元",
                  budget="36万元", year=2025)
    with ScriptedServer(["valid"]) as srv:
        d = drafter(srv, store).draft(brief)
    prompt = srv.requests[0]["messages"][-1]["content"]
    assert "2辆" in prompt and "3名" in prompt and "车辆购置税3万元" in prompt
    values = [(i.level2, i.value) for i in d.sheet.indicators]
    assert ("数量指标", "=3名") in values and ("成本指标", "≤3万元") in values, values
    assert sum(v.endswith("2辆") for _, v in values) == 2, values  # the model's own rows (购置, 报废更新) already say it


def test_a_stated_standard_the_model_drops_gets_a_cost_row_back(store):
    """每人慰问金500元: the scripted model's table has no standard for it; the draft gets it back, once."""
    brief = Brief(name="退役军人春节走访慰问", purpose="春节前走访慰问重点优抚对象1260人，每人慰问金500元",
                  budget="63万元", year=2025)
    with ScriptedServer(["valid"]) as srv:
        d = drafter(srv, store).draft(brief)
    assert "每人慰问金500元" in srv.requests[0]["messages"][-1]["content"]
    rows = [(i.level2, i.name, i.value) for i in d.sheet.indicators if "500元/人" in i.value]
    assert rows == [("成本指标", "慰问金标准", "=500元/人")], [(i.name, i.value) for i in d.sheet.indicators]


def test_stated_durations_and_a_period_deadline_reach_the_prompt_and_stay_in_the_models_draft(store):
    """集中训练15天 and 暑假期间 are facts the model is told and, when its table drops them, gets back."""
    brief = Brief(name="民兵军事训练经费", purpose="组织基干民兵160人集中训练15天，利用暑假期间完成实弹射击训练",
                  budget="48万元", year=2025)
    with ScriptedServer(["valid"]) as srv:
        d = drafter(srv, store).draft(brief)
    prompt = srv.requests[0]["messages"][-1]["content"]
    assert "=15天" in prompt and "2025年8月31日前" in prompt, prompt[-600:]
    values = [(i.level2, i.value) for i in d.sheet.indicators]
    assert ("数量指标", "=15天") in values and ("时效指标", "2025年8月31日前") in values, values
    # the model's own dates are its proposals, and the draft says so; the user's 8月31日 is not among them
    proposed = [n for n in d.notes if "模型的建议时间" in n]
    others = [v for lv, v in values if lv == "时效指标" and "年" in v and v != "2025年8月31日前"]
    assert others and proposed and all(v in proposed[0] for v in others), (proposed, others)
    assert "8月31日" not in proposed[0], proposed
