"""`zhibiao draft --drafter llm` end to end against the scripted server: partial drafts and faults at the CLI edge."""

import pytest

from assistant.cli import main
from assistant.drafters import exemplar
from assistant.drafters.endpoint import reset_capabilities
from assistant.settings import load_settings
from openai_server import ScriptedServer

KEY = "sk-cli-Secret1a2b3c4d5e6f"
ARGS = ["draft", "--name", "公务用车购置", "--purpose", "更新购置2辆应急保障公务用车", "--budget", "36万元",
        "--year", "2025", "--drafter", "llm", "--format", "md"]


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    from retrieval.store import ExemplarStore

    s = ExemplarStore(path=tmp_path_factory.mktemp("chroma"), embedding="ngram")
    s.build()
    return s


@pytest.fixture(autouse=True)
def endpoint_env(monkeypatch, store):
    """The CLI's own store is a real one built once for this module; the endpoint is set by the environment."""
    monkeypatch.setattr(exemplar, "default_store", lambda: store)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("ZHIBIAO_MODEL", "scripted")
    monkeypatch.setenv("ZHIBIAO_MAX_RETRIES", "0")
    monkeypatch.setenv("ZHIBIAO_TIMEOUT", "5")
    reset_capabilities(load_settings())


def run(monkeypatch, capsys, script, *extra):
    with ScriptedServer(script) as srv:
        monkeypatch.setenv("OPENAI_BASE_URL", srv.base_url)
        code = main(ARGS + list(extra))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_draft_whose_repairs_ran_out_exits_non_zero_unless_allowed(monkeypatch, capsys):
    monkeypatch.setenv("ZHIBIAO_MAX_REPAIRS", "1")
    code, out, err = run(monkeypatch, capsys, ["defective"])
    assert code == 4 and "需修改" in err and "--allow-partial" in err
    assert "购置公务用车数量" in out, "the table is still printed for the user to fix"
    code, _, err = run(monkeypatch, capsys, ["defective"], "--allow-partial")
    assert code == 0 and "需修改" not in err
    code, _, _ = run(monkeypatch, capsys, ["valid"])
    assert code == 0


@pytest.mark.parametrize("profile", ["choices_empty", "choices_null", "html_200", "error_200", "echo_400",
                                     "retry_after_long", "truncated", "garbage"])
def test_every_fault_is_one_chinese_line_without_traceback_or_key(monkeypatch, capsys, profile):
    monkeypatch.setenv("ZHIBIAO_MAX_REPAIRS", "1")
    code, out, err = run(monkeypatch, capsys, [profile])
    assert code == 2 and err.startswith("错误：") and len(err.strip().splitlines()) == 1
    assert "Traceback" not in out + err and KEY not in out + err


def test_configuration_mistakes_stop_the_cli_with_the_variable_named(monkeypatch, capsys):
    monkeypatch.setenv("ZHIBIAO_MAX_REPAIRS", "-1")
    code, _, err = run(monkeypatch, capsys, ["valid"])
    assert code == 2 and "ZHIBIAO_MAX_REPAIRS" in err
