"""The LLM rewrite keeps the department's facts even when the model's reply drops them (scripted server)."""

import pytest

from assistant.drafters.llm import LLMDrafter
from assistant.ledger import facts_ledger
from assistant.rewrite import rewrite_sheet
from assistant.settings import load_settings
from eval.calibration import load_tables, sheet_of
from openai_server import ScriptedServer
from retrieval.store import ExemplarStore


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = ExemplarStore(path=tmp_path_factory.mktemp("chroma"), embedding="ngram")
    s.build()
    return s


def test_a_reply_that_drops_stated_values_is_restored(store):
    legacy = sheet_of(next(t for t in load_tables() if t["project"] == "安全隐患维修"))
    # "valid" answers with a vehicle-purchase table: none of 400平方米, 98%, 20万元, 95% is in it
    with ScriptedServer(["valid"] * 4) as srv:
        settings = load_settings(base_url=srv.base_url, api_key="k", model="scripted", timeout=5, max_retries=1)
        result = rewrite_sheet(legacy, LLMDrafter(settings, store=store))
    prompt = srv.requests[0]["messages"][-1]["content"]
    assert "必须原样保留" in prompt and "维修面积：≥400平方米" in prompt and "项目成本：20万元" in prompt
    values = {r.value for r in result.after.sheet.indicators}
    assert {"≥400平方米", "=20万元", "≥98%", "≥95%"} <= values
    fates = {e.value: e.fate for e in facts_ledger(result)}
    assert fates["≥400平方米"] in ("kept", "completed") and fates["20万元"] == "completed"
    assert all(e.reason for e in facts_ledger(result) if e.fate == "dropped")
