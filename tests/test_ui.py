"""The Gradio app through its API (gradio_client) and in a real headless chromium (playwright)."""

import html
import json
import os
import re
from pathlib import Path

import docx
import pytest
from gradio_client import Client, handle_file

from assistant.documents import read_document
from ui_helpers import browser_page, offline_app


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    with offline_app(tmp_path_factory.mktemp("home")) as url:
        yield url


@pytest.fixture
def client(app_url):
    return Client(app_url, verbose=False)


def _draft(client, name="本级职工食堂改造", purpose="改造机关职工食堂后厨和就餐区1200平方米", budget="290万元"):
    return client.predict(name, purpose, budget, 2023, "2015", "exemplar", [], api_name="/draft")


def test_api_draft_returns_table_findings_and_score(client):
    table, findings, score, sources, goal, chat = _draft(client)
    assert len(table["data"]) >= 9 and table["headers"][2] == "三级指标"
    assert int(re.search(r"得分 (\d+)", score).group(1)) >= 60 and re.search(r"可提交|待补充", score)
    # the type the draft drew on is named in Chinese, never by its library id
    from retrieval.library import load_library

    canteen = next(s for s in load_library() if s.id == "canteen-renovation")
    assert canteen.name in sources and "canteen-renovation" not in sources and goal.startswith("2023年")
    assert any("1200平方米" in row[4] for row in table["data"])


def test_api_chat_edit_and_table_edit_are_revalidated(client):
    table, *_ = _draft(client)
    rows = table["data"]
    out = client.predict("把满意度改为≥92%", [], "2015", 2023, api_name="/chat")
    assert any(r[4] == "≥92%" for r in out[0]["data"])
    assert "≥92%" in str(out[5][-1]["content"])
    rows = out[0]["data"]
    rows[0][4] = "≥100%"  # a count with a percent target
    edited = client.predict({"headers": table["headers"], "data": rows}, "2023年目标", api_name="/edit_table")
    new_findings, new_score = edited[1], edited[2]
    assert any(f[0].split()[0] in ("V03", "V07") for f in new_findings["data"])
    assert int(re.search(r"得分 (\d+)", new_score).group(1)) < 90


def test_api_export_docx_opens_in_python_docx(client):
    _draft(client)
    path = client.predict(api_name="/export_docx")
    document = docx.Document(path)
    text = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    assert "本级职工食堂改造" in text and "三级指标" in text


def test_api_check_and_rewrite_the_seed(client, seed_path):
    note, summary, findings = client.predict(handle_file(str(seed_path)), api_name="/check")
    assert len(summary["data"]) == 9 and all(row[2] < 60 and row[3] == "差" for row in summary["data"])
    note, rows, files, preview = client.predict(handle_file(str(seed_path)), True, None, api_name="/rewrite")
    assert len(rows["data"]) == 9 and all(row[3] > row[2] for row in rows["data"])
    assert all(row[5] == "可提交" or row[5].startswith("待补充") for row in rows["data"])
    docx_file = next(f for f in files if f.endswith(".docx"))
    doc, _ = read_document(docx_file)
    assert len(doc.projects) == 9
    # findings name their rule: "V07 “≥100%”式指标值", not a bare code
    from assistant.report import rule_title

    assert all(row[1] == rule_title(row[1].split()[0]) and len(row[1].split()[0]) < len(row[1]) for row in findings["data"])
    # the preview shows each project's rows before and after, with what happened to each
    legacy, _ = read_document(seed_path)
    blocks = preview.split("<details")[1:]
    assert len(blocks) == 9
    for block, old, new in zip(blocks, legacy.projects, doc.projects):
        assert html.escape(old.name) in block
        assert all(html.escape(i.name) in block for i in old.indicators), old.name
        assert all(html.escape(i.name) in block for i in new.indicators), new.name
        actions = set(re.findall(r"class='rw-action'>([^<]+)<", block))
        assert actions and actions <= {"保留", "补全", "改写", "新增", "删除"}


def test_api_library_search(client):
    rows = client.predict("路灯亮灯率", "单个指标", "全部", "质量指标", "全部", api_name="/library")
    assert rows["data"] and all(r[0] == "质量指标" for r in rows["data"])
    assert any("亮灯" in r[1] for r in rows["data"][:3])


def test_api_errors_are_chinese(client):
    with pytest.raises(Exception) as exc:
        client.predict("", "", "", 2023, "2015", "exemplar", [], api_name="/draft")
    assert "项目名称不能为空" in str(exc.value)


@pytest.mark.browser
def test_browser_draft_edit_download_and_rewrite(app_url, seed_path, tmp_path):
    requests: list[str] = []
    with browser_page() as page:
        page.on("request", lambda r: requests.append(r.url))
        page.goto(app_url)
        page.wait_for_selector("#brief-name textarea", timeout=60_000)
        page.fill("#brief-name textarea", "本级公务用车购置")
        page.fill("#brief-purpose textarea", "更新购置2辆应急保障公务用车")
        page.click("#draft-button")
        page.wait_for_selector("#score h3", timeout=60_000)
        first = int(re.search(r"得分 (\d+)", page.inner_text("#score")).group(1))
        assert first >= 80
        assert "2辆" in page.inner_text("#table")
        page.screenshot(path=str(tmp_path / "draft.png"), full_page=True)

        # edit the first value cell in the grid: a percent on a count
        cell = page.locator('#table [data-testid="cell-0-4"]')
        cell.dblclick()
        page.keyboard.press("Control+A")
        page.keyboard.type("≥100%")
        page.keyboard.press("Enter")
        page.wait_for_function(
            "() => /得分 (\\d+)/.test(document.querySelector('#score').innerText) && "
            f"Number(document.querySelector('#score').innerText.match(/得分 (\\d+)/)[1]) < {first}", timeout=90_000)
        assert "V03" in page.inner_text("#findings") or "V07" in page.inner_text("#findings")

        # download the Word file
        page.click("#export-docx")
        link = page.locator("#export-file a").first
        link.wait_for(timeout=30_000)
        with page.expect_download() as download:
            link.click()
        saved = tmp_path / "draft.docx"
        download.value.save_as(saved)
        assert "本级公务用车购置" in "\n".join(p.text for p in docx.Document(saved).paragraphs)

        # upload the seed text to 批量改写 and download the rewritten document
        page.get_by_role("tab", name="批量改写").click()
        page.set_input_files("#rewrite-upload input[type=file]", str(seed_path))
        page.click("#rewrite-button")
        page.wait_for_selector("#rewrite-note h3", timeout=180_000)
        assert "9 个项目" in page.inner_text("#rewrite-note")
        link = page.locator('#rewrite-files a[download$=".docx"]').first
        with page.expect_download() as download:
            link.click()
        rewritten = tmp_path / "rewritten.docx"
        download.value.save_as(rewritten)
    doc, _ = read_document(rewritten)
    from assistant.report import check_document

    report = check_document(doc)
    assert len(report.projects) == 9 and report.score >= 60
    hosts = {re.match(r"^[a-z]+://([^/]+)", u).group(1) for u in requests if u.startswith("http")}
    assert hosts == {app_url.split("/")[2]}, f"the page requested outside hosts: {hosts}"


@pytest.mark.browser
def test_browser_every_tab_renders_chinese(app_url, tmp_path):
    with browser_page() as page:
        page.goto(app_url)
        page.wait_for_selector("#brief-name textarea", timeout=60_000)
        for tab in ("起草", "批量改写", "检查", "评估", "指标库"):
            page.get_by_role("tab", name=tab).click()
            page.wait_for_timeout(300)
            path = tmp_path / f"{tab}.png"
            page.screenshot(path=str(path))
            assert path.stat().st_size > 10_000
        page.fill("#library-text textarea", "校舍维修")
        page.click("#library-button")
        page.wait_for_function("() => document.body.innerText.includes('质量指标') || document.body.innerText.includes('数量指标')",
                               timeout=30_000)


def _fitting(unit: str, question: str) -> str:
    """A value that fits an open fact, judged from its unit and question as a user would."""
    if unit == "%":
        return "95"
    if unit:
        return "12" if "元" not in unit and unit not in ("公里", "米", "亩", "平方米", "吨") else "30"
    if "哪一年" in question:
        return "2026"
    if "时限" in question:
        return "2026年10月31日"
    return "≥95%" if "指标值" in question else "按实施方案执行"


def _type_into_cell(page, cell, value: str) -> None:
    """Type a value into a dataframe cell as a user does, and look that the cell took it: under load a double-click
    can land before the cell is ready to edit, and a user would simply click again."""
    for _ in range(3):
        cell.dblclick()
        page.keyboard.press("Control+A")
        page.keyboard.type(value)
        page.keyboard.press("Enter")
        if cell.inner_text().replace("⋮", "").strip() == value:  # the cell's menu button shows as ⋮
            return
        page.wait_for_timeout(500)
    raise AssertionError(f"the cell did not take {value!r}: it shows {cell.inner_text()!r}")


@pytest.mark.browser
def test_browser_answers_the_open_facts_form(app_url):
    with browser_page() as page:
        page.goto(app_url)
        page.wait_for_selector("#brief-name textarea", timeout=60_000)
        page.fill("#brief-name textarea", "城区公厕提质改造")
        page.fill("#brief-purpose textarea", "对城区公厕进行提质改造，更新洁具和除臭设备")
        page.fill("#brief-budget textarea", "240万元")
        page.click("#draft-button")
        page.wait_for_selector("#score h3", timeout=60_000)
        page.wait_for_function("() => /待补充 \\d+ 项/.test(document.querySelector('#facts-note').innerText)",
                               timeout=30_000)
        count = int(re.search(r"待补充 (\d+) 项", page.inner_text("#facts-note")).group(1))
        assert count > 0
        before = int(re.search(r"得分 (\d+)", page.inner_text("#score")).group(1))
        values = []
        for i in range(count):
            unit = page.locator(f'#facts [data-testid="cell-{i}-3"]').inner_text().strip()
            question = page.locator(f'#facts [data-testid="cell-{i}-2"]').inner_text().strip()
            values.append(_fitting(unit, question))
            _type_into_cell(page, page.locator(f'#facts [data-testid="cell-{i}-5"]'), values[-1])
        page.click("#facts-fill")
        try:
            page.wait_for_function("() => document.querySelector('#facts-note').innerText.includes('待补充 0 项')",
                                   timeout=120_000)  # under load the fill waits for the queue
        except Exception as exc:  # say what the page showed, not only that the wait ran out
            raise AssertionError(f"the fill did not close the open facts: {page.inner_text('#facts-note')!r}; "
                                 f"reply {page.inner_text('#facts-reply')!r}; typed {values}") from exc
        table = page.inner_text("#table")
        assert "{" not in table and "}" not in table
        assert any(v in table for v in values)
        after = int(re.search(r"得分 (\d+)", page.inner_text("#score")).group(1))
        assert after >= before
        assert "已填入" in page.inner_text("#facts-reply")


def test_api_rewrite_facts_sheet_filled_gives_the_final_document(client, seed_path, tmp_path):
    import openpyxl

    note, rows, files, _ = client.predict(handle_file(str(seed_path)), True, None, api_name="/rewrite")
    sheet_path = next(f for f in files if f.endswith(".facts.xlsx"))
    book = openpyxl.load_workbook(sheet_path)
    ws = book.worksheets[0]
    head = [c.value for c in ws[1]]
    for row in ws.iter_rows(min_row=2):
        row[head.index("填写值")].value = _fitting(row[head.index("单位")].value or "", row[head.index("问题")].value)
    filled = tmp_path / "filled.facts.xlsx"
    book.save(filled)
    note, final = client.predict([handle_file(f) for f in files], handle_file(str(filled)), api_name="/fill_rewritten")
    assert "待补充 0 项" in note
    doc, _ = read_document(final)
    assert len(doc.projects) == 9
    assert not any("{" in i.value for s in doc.projects for i in s.indicators)


def test_api_first_chat_message_is_read_as_a_brief(app_url):
    from assistant.brief import parse_amount

    message = "帮我起草2025年开平区农村公路养护项目，预算50万元"
    out = Client(app_url, verbose=False).predict(message, [], "2015", 2026, api_name="/chat")
    table, goal, chat, name, budget, year = out[0], out[4], out[5], out[7], out[9], out[10]
    assert name in message and name.endswith("项目") and not re.search(r"帮我|起草|预算|，", name)
    assert parse_amount(budget) == 500_000 and int(year) == 2025
    assert goal.startswith("2025年") and "帮我" not in goal and table["data"]
    assert f"“{name}”" in str(chat[-1]["content"])


def test_api_year_in_the_name_other_than_the_budget_year_is_warned(client):
    *_, score, _, _, _ = _draft(client, name="2025年本级职工食堂改造")  # the budget year field says 2023
    assert "2025年" in score and "2023年" in score and "请核对" in score
    table, findings, score, *_ = client.predict("2023年本级职工食堂改造", "改造机关职工食堂后厨和就餐区1200平方米",
                                                "290万元", 2023, "2015", "exemplar", [], api_name="/draft")
    assert "请核对" not in score


def test_api_user_error_is_one_log_line_without_a_traceback(client, capfd, caplog):
    capfd.readouterr()
    with caplog.at_level("INFO"), pytest.raises(Exception):
        client.predict("", "", "", 2023, "2015", "exemplar", [], api_name="/draft")
    err = capfd.readouterr().err
    assert "Traceback" not in err and "gradio.exceptions" not in err
    records = [r for r in caplog.records if "项目名称不能为空" in r.getMessage()]
    assert len(records) == 1 and records[0].exc_info is None and "\n" not in records[0].getMessage()


def test_api_a_bad_upload_names_the_file_not_the_server_path(client, tmp_path):
    bad = tmp_path / "坏文件.docx"
    bad.write_text("这不是 Word 文件", encoding="utf-8")
    with pytest.raises(Exception) as exc:
        client.predict(handle_file(str(bad)), api_name="/check")
    text = str(exc.value)
    assert "坏文件.docx" in text
    assert "/tmp" not in text and "gradio" not in text and "Package not found" not in text


def test_api_library_types_are_named_not_given_by_id(client):
    from retrieval.library import load_library

    ids = {s.id for s in load_library()}
    rows = client.predict("农村公路养护", "项目类型", "全部", "全部", "全部", api_name="/library")["data"]
    assert rows and not any(cell in ids for row in rows for cell in row)


def test_api_eval_is_in_chinese(client):
    from eval.scorers import SCORERS

    summary, metrics, sectors, baseline, files = client.predict(2, api_name="/eval")
    assert "exemplar" not in summary
    assert not [m for m in SCORERS if re.search(rf"\|\s*{m}\s*\|", summary)]
    assert all(path and os.path.getsize(path) > 5000 for path in (metrics, sectors))


def _columns_fit(page, selector: str) -> bool:
    """Every header cell of a dataframe ends inside the table's visible box (nothing cut off to the right)."""
    return page.evaluate("""(sel) => {
        const box = document.querySelector(sel + ' .table-container').getBoundingClientRect();
        const ths = [...document.querySelectorAll(sel + ' thead th')];
        return ths.length > 0 && ths.every(t => t.getBoundingClientRect().right <= box.right + 1);
    }""", selector)


@pytest.mark.browser
def test_browser_chinese_toasts_labels_and_readable_tables(app_url, seed_path):
    with browser_page(1400, 900) as page:
        page.goto(app_url)
        page.wait_for_selector("#brief-name textarea", timeout=60_000)
        page.click("#draft-button")  # no project name: a Chinese toast
        toast = page.locator('[data-testid="toast-body"]').first
        toast.wait_for(timeout=30_000)
        assert "项目名称不能为空" in toast.inner_text()
        assert not re.search(r"\b(Error|Warning|Info)\b", toast.inner_text())
        assert "exemplar" not in page.inner_text("body")
        page.fill("#brief-name textarea", "城区公厕提质改造")
        page.fill("#brief-purpose textarea", "对城区公厕进行提质改造，更新洁具和除臭设备")
        page.click("#draft-button")
        page.wait_for_selector("#score h3", timeout=60_000)
        page.wait_for_function("() => document.querySelectorAll('#findings tbody .body-cell, #findings td').length > 0",
                               timeout=30_000)
        for selector in ("#table", "#findings", "#facts"):
            assert _columns_fit(page, selector), selector
        tips = page.evaluate("() => [...document.querySelectorAll('[title], [aria-label]')]"
                             ".flatMap(e => [e.getAttribute('title'), e.getAttribute('aria-label')])")
        assert "全屏" in tips and not {"Fullscreen", "Copy table data", "Copy message"} & set(tips)
        page.get_by_role("tab", name="检查").click()
        page.set_input_files("#check-upload input[type=file]", str(seed_path))
        page.click("#check-button")
        page.wait_for_selector("#check-note h3", timeout=60_000)
        for selector in ("#check-summary", "#check-findings"):
            assert _columns_fit(page, selector), selector
        page.get_by_role("tab", name="指标库").click()
        page.fill("#library-text textarea", "路灯亮灯率")
        page.click("#library-button")
        page.wait_for_function("() => document.querySelector('#library-table').innerText.includes('亮灯')",
                               timeout=30_000)
        assert _columns_fit(page, "#library-table")
    with browser_page(390, 844) as page:
        page.goto(app_url)
        page.wait_for_selector("#brief-name textarea", timeout=60_000)
        page.wait_for_timeout(300)
        tabs = [t.inner_text() for t in page.get_by_role("tab").all() if t.is_visible()]
        assert tabs == ["起草", "批量改写", "检查", "评估", "指标库"]  # none hidden behind an overflow menu
        page.fill("#brief-name textarea", "城区公厕提质改造")
        page.click("#draft-button")
        page.wait_for_selector("#score h3", timeout=60_000)
        page.wait_for_timeout(500)
        # the 三级指标 column holds several characters a line: wider than four CJK characters, not one per line
        width = page.locator('#table [data-testid="cell-0-2"]').evaluate("e => e.getBoundingClientRect().width")
        size = page.locator('#table [data-testid="cell-0-2"]').evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
        assert width > 4 * size, (width, size)


def test_api_rewrite_uses_the_year_field_when_the_document_names_none(client, seed_without_year):
    source = seed_without_year
    note, _, files, _ = client.predict(handle_file(str(source)), True, None, api_name="/rewrite")
    assert "文档未写明预算年度" in note
    note, _, files, _ = client.predict(handle_file(str(source)), True, 2024, api_name="/rewrite")
    assert "文档未写明预算年度" not in note
    report = json.loads(Path(next(f for f in files if f.endswith(".report.json"))).read_text(encoding="utf-8"))
    assert {(p["year"], p["year_source"]) for p in report["projects"]} == {(2024, "option")}
