"""The Gradio app: 起草 (chat + editable table), 批量改写, 检查, 评估, 指标库. The only module that imports gradio.

Handlers stay thin: they call `assistant` and `retrieval` and translate errors into gr.Error in Chinese.
"""

from __future__ import annotations

import functools
import os
import time
from pathlib import Path

from assistant.settings import apply_offline_env

apply_offline_env()

import gradio as gr  # noqa: E402

from assistant.draft import Draft  # noqa: E402
from assistant.edits import HELP  # noqa: E402
from assistant.settings import load_settings  # noqa: E402
from assistant.table import COLUMNS  # noqa: E402
from ui.facts import FACT_COLUMNS, facts_view  # noqa: E402
from ui.present import DRAFTER_ZH, log, public_message  # noqa: E402
from ui.work import outputs as _outputs, user_message  # noqa: E402  (_outputs: all the 起草 tab shows for a draft)
from ui.worker import run  # noqa: E402

FINDING_COLUMNS = ["规则", "级别", "指标", "问题", "修改建议"]
MAX_UPLOAD = "20mb"
CSS = """
.score-box {font-size: 1.15em}
footer {display: none !important}
/* a phone: tables keep readable columns and scroll sideways instead of breaking one character per line */
@media (max-width: 760px) {
  .wide-table .table-container {overflow-x: auto !important}
  .wide-table .table-wrap {min-width: 720px !important; width: 720px !important}
  .tab-wrapper .tab-container button {padding-left: 8px !important; padding-right: 8px !important}
}
.rw-project {border: 1px solid var(--border-color-primary); border-radius: 6px; margin: 6px 0; padding: 4px 10px}
.rw-project summary {cursor: pointer; font-weight: 600; padding: 4px 0}
.rw-scroll {overflow-x: auto}
.rw-table {width: 100%; min-width: 560px; border-collapse: collapse; font-size: 0.92em; table-layout: fixed}
.rw-table th, .rw-table td {border: 1px solid var(--border-color-primary); padding: 4px 6px; text-align: left;
  vertical-align: top; word-break: normal; overflow-wrap: anywhere}
.rw-table th:nth-child(1), .rw-table td:nth-child(1) {width: 4em}
.rw-table th:nth-child(2), .rw-table td:nth-child(2) {width: 7.5em}
.rw-table .rw-value {opacity: 0.8; font-size: 0.95em}
.rw-rewritten td.rw-action {color: #b45309; font-weight: 600}
.rw-added td.rw-action {color: #15803d; font-weight: 600}
.rw-removed td.rw-action {color: #b91c1c; font-weight: 600}
.rw-completed td.rw-action {color: #1d4ed8; font-weight: 600}
"""
# gradio 6.31 titles a toast with its type ("Error", "Warning", "Info") whatever title= says, and leaves some
# tooltips in English: the page renames them
HEAD = """<script>
(() => {
  const ZH = {Error: "出错了", Warning: "请注意", Info: "提示", Success: "完成"};
  // gradio's own tooltips and labels that its zh-CN texts leave in English
  const TIPS = {"Copy conversation": "复制对话", "Copy message": "复制消息", "Copy table data": "复制表格",
    "Fullscreen": "全屏", "Exit fullscreen mode": "退出全屏", "Exit fullscreen": "退出全屏", "Download": "下载",
    "Share": "分享", "Clear": "清除", "More tabs": "更多标签页", "Click to upload or drop files": "点击上传或拖放文件",
    "File upload": "上传文件", "Close": "关闭", "Table actions": "表格操作", "Open cell menu": "单元格菜单"};
  const fixTitles = (node) => {
    const titles = node.matches(".toast-title") ? [node] : node.querySelectorAll(".toast-title");
    for (const el of titles) for (const t of el.childNodes) {
      if (t.nodeType === 3 && ZH[t.data.trim()]) t.data = ZH[t.data.trim()] + " ";
    }
  };
  const fixTips = (el) => {
    for (const a of ["title", "aria-label"]) {
      const v = el.getAttribute(a);
      if (v && TIPS[v]) el.setAttribute(a, TIPS[v]);
    }
  };
  const fix = (node) => {
    if (node.nodeType !== 1) return;
    fixTitles(node);
    fixTips(node);
    node.querySelectorAll("[title], [aria-label]").forEach(fixTips);
  };
  new MutationObserver((changes) => {
    for (const c of changes) {
      if (c.type === "characterData") { if (c.target.parentElement) fix(c.target.parentElement); }
      else if (c.type === "attributes") fixTips(c.target);
      else c.addedNodes.forEach(fix);
    }
  }).observe(document.documentElement, {childList: true, subtree: true, characterData: true, attributes: true,
                                         attributeFilter: ["title", "aria-label"]});
})();
</script>"""
THEME_FONTS = ["Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", "SimSun", "sans-serif"]


ERROR_TITLE = "出错了"
WARNING_TITLE = "请注意"


def user_error(message: str, where: str = "") -> gr.Error:
    """A Chinese error toast (no English title, no server path), logged as one line without a traceback."""
    message = public_message(message)
    log.warning("用户操作未完成%s：%s", f"（{where}）" if where else "", message.replace("\n", " "))
    return gr.Error(message, title=ERROR_TITLE, print_exception=False)


def _user_error(func):
    """Errors the user can act on become a gr.Error in Chinese; nothing else leaks a traceback to the page."""
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        where = func.__name__.removeprefix("do_")
        try:
            return func(*args, **kwargs)
        except gr.Error as exc:
            raise user_error(exc.message, where) from None
        except Exception as exc:
            message = user_message(exc)  # ZhibiaoError, ValidationError, ValueError: the user can act on them
            if message is not None:
                raise user_error(message, where) from None
            # a bug: the traceback goes to the log, the page gets a Chinese line
            log.exception("处理请求时出错（%s）", where)
            raise gr.Error("处理失败：服务器内部错误，请稍后重试或联系管理员。", title=ERROR_TITLE,
                           print_exception=False) from None
    return wrapper


def _warn(message: str) -> None:
    if message:
        gr.Warning(message, title=WARNING_TITLE)


def _tmpdir() -> Path:
    from ui.tempfiles import new_dir

    return new_dir()  # under one root, deleted after ZHIBIAO_UI_TEMP_TTL


def _progress(progress, what: str):
    """A worker's (done, total, name) reports as the page's progress bar."""
    if what == "rewrite":
        return lambda done, total, name: progress(done / max(1, total), desc=f"已完成 {done}/{total} {name}")
    return lambda done, total, name: progress(done / max(1, total), desc=f"已评估 {done}/{total} 个案例")


# -- 起草 ---------------------------------------------------------------------------------------------
# The work runs in ui.work, in the worker process when the server has one (ui.worker, issue #17); the handlers
# here turn the page's inputs into plain data and the results into gradio's updates.
@_user_error
def do_draft(name, purpose, budget, year, layout, drafter_name, history):
    shown, reply, conflict = run("draft", name, purpose, budget, year, layout, drafter_name)
    _warn(conflict)
    history = list(history or []) + [{"role": "user", "content": f"起草：{(name or '').strip()}"},
                                     {"role": "assistant", "content": reply}]
    return (*shown, history)


@_user_error
def do_table_edit(rows, goal, state):
    if not state:
        return (state, rows, [], "", "", goal)
    return run("table_edit", _as_rows(rows), goal, state)


def _as_rows(rows) -> list[list]:
    if rows is None:
        return []
    if hasattr(rows, "values"):  # a pandas DataFrame
        return rows.values.tolist()
    if isinstance(rows, dict) and "data" in rows:
        return rows["data"]
    return list(rows)


@_user_error
def do_chat(message, history, state, layout, year):
    text = _text(message).strip()
    history = list(history or [])
    keep = (gr.skip(),) * 4  # the brief fields stay as they are
    if not text:
        return (*_outputs(Draft.model_validate(state) if state else None), history, "", *keep)
    history.append({"role": "user", "content": text})
    shown, reply, fields = run("chat", text, state, layout, year, load_settings().llm_configured)
    history.append({"role": "assistant", "content": reply})
    if fields is None:
        return (*shown, history, "", *keep)
    return (*shown, history, "", *(gr.skip() if v is None else v for v in fields))


def _text(message) -> str:
    """gradio 6 may deliver a message as a list of parts."""
    if isinstance(message, list):
        return " ".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in message)
    if isinstance(message, dict):
        return str(message.get("text", ""))
    return str(message or "")


@_user_error
def do_export(fmt, state):
    if not state:
        raise gr.Error("还没有可导出的表格，请先起草。")
    return run("export", fmt, state)


@_user_error
def do_fill_facts(rows, state):
    """The 待补充信息 form: fill the answered facts and check again."""
    return run("fill_facts", _as_rows(rows), state)


@_user_error
def do_fill_rewritten(files, facts_file):
    """批量改写: the rewritten document filled from the uploaded facts sheet."""
    paths = [str(_path(f)) for f in (files or [])]
    return run("fill_rewritten", paths, None if facts_file is None else str(_path(facts_file)))


# -- 检查 / 批量改写 ------------------------------------------------------------------------------------
def _path(file) -> Path:
    if file is None:
        raise gr.Error("请先上传文件。")
    return Path(file if isinstance(file, str) else getattr(file, "name", file))


@_user_error
def do_check(file):
    return run("check", str(_path(file)))


@_user_error
def do_rewrite(file, keep_good, year=None, progress=gr.Progress()):
    source = str(_path(file))
    progress(0, desc="开始改写")
    return run("rewrite", source, bool(keep_good), year, progress=_progress(progress, "rewrite"))


# -- 指标库 / 评估 --------------------------------------------------------------------------------------
@_user_error
def do_library(text, mode, category, level2, layout):
    if not (text or "").strip():
        raise gr.Error("请输入检索内容。")
    return run("library", text, mode, category, level2, layout)


@_user_error
def do_eval(limit, progress=gr.Progress()):
    return run("evaluate", limit, progress=_progress(progress, "eval"))


# -- the page -------------------------------------------------------------------------------------------
def build_app() -> gr.Blocks:
    settings = load_settings()
    drafters = [(DRAFTER_ZH["exemplar"], "exemplar")] + ([(DRAFTER_ZH["llm"], "llm")] if settings.llm_configured else [])
    from ui.tempfiles import ttl

    # gradio's cache of uploads and downloads: files older than the TTL go, checked hourly (issue #17)
    every = max(60, min(3600, int(ttl() / 4)))
    with gr.Blocks(title="指标助手 zhibiao", analytics_enabled=False, delete_cache=(every, int(ttl()))) as demo:
        gr.Markdown("## 指标助手：预算项目支出绩效目标表 起草 · 检查 · 改写")
        with gr.Tabs():
            with gr.Tab("起草", id="draft"):
                state = gr.State(None)
                with gr.Row():
                    with gr.Column(scale=2):
                        name = gr.Textbox(label="项目名称", placeholder="如：2025年开平区农村公路养护专项资金", elem_id="brief-name")
                        purpose = gr.Textbox(label="资金用途 / 主要内容", lines=3, elem_id="brief-purpose",
                                             placeholder="写明数量更好，如：养护县乡村道186公里，处治坑槽裂缝病害")
                        with gr.Row():
                            budget = gr.Textbox(label="预算", placeholder="560万元", elem_id="brief-budget")
                            year = gr.Number(label="预算年度", value=2026, precision=0, elem_id="brief-year")
                        with gr.Row():
                            layout = gr.Radio(["2015", "2021"], value="2015", label="指标体系（2021 = 财预〔2021〕101号）")
                            drafter = gr.Radio(drafters, value=settings.default_drafter, label="起草方式")
                        draft_btn = gr.Button("起草绩效目标表", variant="primary", elem_id="draft-button")
                        chat = gr.Chatbot(label="对话", height=320, elem_id="chat")
                        with gr.Row():
                            chat_in = gr.Textbox(label="告诉我怎么改", show_label=False, scale=5, elem_id="chat-input",
                                                 placeholder="如：把满意度改为≥92%；删除生态效益指标；增加一个质量指标：维修验收合格率")
                            chat_btn = gr.Button("发送", scale=1, elem_id="chat-send")
                    with gr.Column(scale=3):
                        score = gr.Markdown(elem_classes=["score-box"], elem_id="score")
                        with gr.Group(elem_id="facts-form"):
                            facts_note = gr.Markdown(elem_id="facts-note")
                            facts = gr.Dataframe(elem_classes=["wide-table"], headers=FACT_COLUMNS, datatype="str", interactive=True, wrap=True,
                                                 label="待补充信息（在“填写值”一列填写）", elem_id="facts",
                                                 column_widths=["13%", "22%", "29%", "8%", "14%", "14%"])
                            facts_btn = gr.Button("填入并重新检查", elem_id="facts-fill")
                            facts_reply = gr.Markdown(elem_id="facts-reply")
                        goal = gr.Textbox(label="年度绩效目标", lines=3, elem_id="goal")
                        table = gr.Dataframe(elem_classes=["wide-table"], headers=COLUMNS, datatype="str", interactive=True, wrap=True,
                                             label="绩效指标（可直接编辑，修改后自动重新检查）", elem_id="table",
                                             column_widths=["8%", "10%", "16%", "30%", "12%", "24%"])
                        findings = gr.Dataframe(elem_classes=["wide-table"], headers=FINDING_COLUMNS, interactive=False, wrap=True,
                                                label="检查发现的问题", elem_id="findings",
                                                column_widths=["17%", "7%", "18%", "31%", "27%"])
                        sources = gr.Markdown(elem_id="sources")
                        with gr.Row():
                            ex_docx = gr.Button("导出 Word", elem_id="export-docx")
                            ex_xlsx = gr.Button("导出 Excel", elem_id="export-xlsx")
                            ex_json = gr.Button("导出 JSON", elem_id="export-json")
                        export_file = gr.File(label="下载", elem_id="export-file")
                draft_outputs = [state, table, findings, score, sources, goal]
                draft_btn.click(do_draft, [name, purpose, budget, year, layout, drafter, chat],
                                draft_outputs + [chat], api_name="draft", concurrency_id="draft")
                table.input(do_table_edit, [table, goal, state], draft_outputs, api_name="edit_table")
                state.change(facts_view, [state], [facts, facts_note], api_name=False)
                facts_btn.click(do_fill_facts, [facts, state], draft_outputs + [facts_reply], api_name="fill_facts",
                                concurrency_id="draft")
                goal.blur(do_table_edit, [table, goal, state], draft_outputs, api_name=False)
                for trigger in (chat_btn.click, chat_in.submit):
                    trigger(do_chat, [chat_in, chat, state, layout, year],
                            draft_outputs + [chat, chat_in, name, purpose, budget, year],
                            api_name="chat" if trigger == chat_btn.click else False, concurrency_id="draft")
                for button, fmt in ((ex_docx, "docx"), (ex_xlsx, "xlsx"), (ex_json, "json")):
                    button.click(functools.partial(do_export, fmt), [state], [export_file], api_name=f"export_{fmt}")
                gr.Markdown(HELP.replace("\n", "\n\n"))

            with gr.Tab("批量改写", id="rewrite"):
                gr.Markdown("上传部门预算绩效文本（Word 导出的 .txt、.docx、.xlsx），逐项目检查并改写不规范的指标；"
                            "项目编码、名称、预算、支出计划和合格的指标保持不变。")
                rw_file = gr.File(label="上传文档", file_types=[".txt", ".docx", ".xlsx", ".json"], elem_id="rewrite-upload")
                rw_keep = gr.Checkbox(value=True, label="保留没有错误的指标")
                # no minimum/maximum: the page sends an empty field as 0, which gradio's bounds would refuse;
                # do_rewrite reads a year outside 2000–2100 as none given
                rw_year = gr.Number(value=None, precision=0, elem_id="rewrite-year",
                                    label="预算年度（文档未写明年度时使用；不填则按今年并提示）")
                rw_btn = gr.Button("开始改写", variant="primary", elem_id="rewrite-button")
                rw_note = gr.Markdown(elem_id="rewrite-note")
                rw_table = gr.Dataframe(elem_classes=["wide-table"], headers=["项目编码", "项目名称", "改写前", "改写后", "等级", "审核状态", "说明"],
                                        interactive=False, wrap=True, elem_id="rewrite-table", label="各项目改写前后得分",
                                        column_widths=["20%", "25%", "8%", "8%", "7%", "14%", "18%"])
                rw_preview = gr.HTML(elem_id="rewrite-preview", label="逐项目改写前后对照")
                rw_files = gr.File(label="下载改写后的文档和报告", file_count="multiple", elem_id="rewrite-files")
                rw_btn.click(do_rewrite, [rw_file, rw_keep, rw_year], [rw_note, rw_table, rw_files, rw_preview], api_name="rewrite",
                             concurrency_id="batch", concurrency_limit=1)
                rw_facts = gr.File(label="上传填好的待补充信息表（*.facts.xlsx）", file_types=[".xlsx"], elem_id="facts-upload")
                rw_fill = gr.Button("填入并生成定稿", elem_id="facts-upload-button")
                rw_fill_note = gr.Markdown(elem_id="facts-upload-note")
                rw_final = gr.File(label="下载定稿文档", elem_id="final-file")
                rw_fill.click(do_fill_rewritten, [rw_files, rw_facts], [rw_fill_note, rw_final], api_name="fill_rewritten",
                              concurrency_id="batch", concurrency_limit=1)

            with gr.Tab("检查", id="check"):
                ck_file = gr.File(label="上传文档", file_types=[".txt", ".docx", ".xlsx", ".json"], elem_id="check-upload")
                ck_btn = gr.Button("检查", variant="primary", elem_id="check-button")
                ck_note = gr.Markdown(elem_id="check-note")
                ck_summary = gr.Dataframe(elem_classes=["wide-table"], headers=["项目编码", "项目名称", "得分", "等级", "审核状态", "错误", "警告"],
                                          interactive=False, wrap=True, elem_id="check-summary", label="各项目得分",
                                          column_widths=["21%", "31%", "8%", "7%", "17%", "8%", "8%"])
                ck_findings = gr.Dataframe(elem_classes=["wide-table"], headers=["项目"] + FINDING_COLUMNS, interactive=False, wrap=True,
                                           elem_id="check-findings", label="检查发现的问题",
                                           column_widths=["14%", "15%", "6%", "14%", "28%", "23%"])
                # its own queue: a check takes a second, and must not wait behind another user's batch rewrite (#17)
                ck_btn.click(do_check, [ck_file], [ck_note, ck_summary, ck_findings], api_name="check",
                             concurrency_id="check", concurrency_limit=2)

            with gr.Tab("评估", id="eval"):
                gr.Markdown("用内置案例集评估离线起草的质量（可衡量性、覆盖参考指标、与项目的相关性等），输出表格和图表。")
                ev_limit = gr.Number(label="案例数（0 = 全部）", value=12, precision=0)
                ev_btn = gr.Button("运行评估", variant="primary", elem_id="eval-button")
                ev_md = gr.Markdown(elem_id="eval-summary")
                with gr.Row(elem_id="eval-charts"):
                    ev_charts = [gr.Image(label=label, type="filepath", interactive=False, min_width=340,
                                          elem_id=f"eval-chart-{k}", elem_classes=["eval-chart"])
                                 for k, label in enumerate(["各指标均值", "分领域得分"])]
                ev_base = gr.Image(label="样例文档：原表与改写后得分", type="filepath", interactive=False,
                                   elem_id="eval-chart-2", elem_classes=["eval-chart"])
                ev_files = gr.File(label="报告", file_count="multiple")
                ev_btn.click(do_eval, [ev_limit], [ev_md, *ev_charts, ev_base, ev_files], api_name="eval",
                             concurrency_id="batch",
                             concurrency_limit=1)

            with gr.Tab("指标库", id="library"):
                from retrieval.library import load_library

                categories = ["全部"] + sorted({s.category for s in load_library()})
                with gr.Row():
                    lib_text = gr.Textbox(label="检索", placeholder="如：路灯亮灯率、校舍维修改造", scale=3, elem_id="library-text")
                    lib_mode = gr.Radio(["项目类型", "单个指标"], value="单个指标", label="检索对象")
                with gr.Row():
                    lib_cat = gr.Dropdown(categories, value="全部", label="功能分类")
                    lib_l2 = gr.Dropdown(["全部", "数量指标", "质量指标", "时效指标", "成本指标", "经济效益指标", "社会效益指标",
                                          "生态效益指标", "可持续影响指标", "服务对象满意度指标"], value="全部", label="二级指标")
                    lib_layout = gr.Dropdown(["全部", "2015", "2021"], value="全部", label="指标体系")
                lib_btn = gr.Button("检索", variant="primary", elem_id="library-button")
                lib_out = gr.Dataframe(elem_classes=["wide-table"], headers=["二级指标/类型", "名称", "指标值/功能分类", "指标解释/关键词", "依据/来源", "出处"],
                                       interactive=False, wrap=True, elem_id="library-table",
                                       column_widths=["11%", "15%", "13%", "30%", "19%", "12%"])
                lib_btn.click(do_library, [lib_text, lib_mode, lib_cat, lib_l2, lib_layout], [lib_out], api_name="library")
                lib_text.submit(do_library, [lib_text, lib_mode, lib_cat, lib_l2, lib_layout], [lib_out], api_name=False)
    return demo


def _auth():
    """ZHIBIAO_UI_AUTH=user:password[,user2:password2] turns login on."""
    from assistant.settings import parse_ui_auth

    return parse_ui_auth(os.environ.get("ZHIBIAO_UI_AUTH", ""))


def launch(host: str = "127.0.0.1", port: int = 7860, block: bool = True, warm: bool = True):
    """Build and serve the app; the library index is prepared before the first request.

    The work runs in a worker process (ui.worker) that the idle trim replaces when the server is quiet, so the
    memory many drafts leave behind goes with it (issue #17). ZHIBIAO_UI_WORKER=0 keeps it in this process."""
    from ui import worker
    from ui.body_limit import limit_malloc_arenas

    limit_malloc_arenas()  # before any worker thread: fewer, fuller malloc arenas give memory back when idle (#17)
    start = time.perf_counter()
    if worker.enabled():
        started = worker.start()  # it warms itself; warm=True waits for that before serving
        if warm and not started.wait_ready():
            log.warning("worker process not ready after %.0f s; requests will wait for it", worker.READY_TIMEOUT)
    elif warm:
        from ui.work import warm as warm_up

        warm_up()
    if warm:
        print(f"指标库已就绪（{time.perf_counter() - start:.1f} 秒）")
    # gradio keeps timing records of the last N events for its monitoring page (default 10,000, a few MB); 1,000 is
    # plenty and keeps a long-running server's heap flat (issue #17)
    os.environ.setdefault("GRADIO_ANALYTICS_MAX_EVENTS", "1000")
    demo = build_app()
    demo.queue(default_concurrency_limit=4, max_size=64)
    theme = gr.themes.Default(font=THEME_FONTS, font_mono=["monospace"])
    from starlette.middleware import Middleware

    from ui.body_limit import MIB, BodyLimit, IdleTrim

    idle = IdleTrim(idle=float(os.environ.get("ZHIBIAO_UI_IDLE_TRIM", "60"))).start()  # memory back when idle
    limit = Middleware(BodyLimit, file_limit=int(MAX_UPLOAD.removesuffix("mb")) * MIB, idle=idle)
    close = demo.close

    def close_all(*args, **kwargs):  # the page, its idle trim and its worker process end together
        try:
            return close(*args, **kwargs)
        finally:
            idle.stop()
            worker.stop()

    demo.close = close_all
    try:
        demo.launch(server_name=host, server_port=port, auth=_auth(), max_file_size=MAX_UPLOAD,
                    prevent_thread_lock=not block, quiet=not block, theme=theme, css=CSS, head=HEAD, footer_links=[],
                    show_error=False, app_kwargs={"middleware": [limit]})
    except BaseException:  # the port is taken, Ctrl-C: nothing is left running
        idle.stop()
        worker.stop()
        raise
    if block:  # the server has stopped; without blocking, close_all does this later
        idle.stop()
        worker.stop()
    return demo
