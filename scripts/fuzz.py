"""Fuzz `zhibiao check` and `zhibiao rewrite` with hostile and careless inputs; count results, clear errors,
tracebacks, hangs and memory blow-ups.

    python3 scripts/fuzz.py --cases 1000 --seed 1 --mode check,rewrite -o /tmp/fuzz

Each input runs in a worker process (the real CLI entry point, `assistant.cli.main`); a worker that passes the
time limit or the memory limit is killed and counted. Nothing is downloaded; the rewrite uses the offline drafter.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import subprocess
import sys
import time
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "eval" / "cases" / "legacy_seed.txt"
CONTROL = [chr(c) for c in (0, 1, 3, 8, 11, 12, 26, 27, 31, 127, 0x85, 0xFFFE)] + ["\ud800"]
NUMBERS = ["NaN", "Infinity", "-Infinity", "-1000", "1e400", "1E999999", "0000年1月", "9" * 400, "1,2,3", "—"]


# -- base documents -------------------------------------------------------------------------------------------
def base_documents(work: Path) -> dict[str, bytes]:
    """The seed's first project (and all nine for some cases), written in every readable format."""
    sys.path.insert(0, str(ROOT))
    from assistant.documents import read_document, write_document

    doc, _ = read_document(SEED)
    small = doc.model_copy(update={"projects": doc.projects[:1]})
    out = {"txt": write_document(small, work / "base.txt").read_bytes()}
    for fmt in ("docx", "xlsx", "json"):
        out[fmt] = write_document(small, work / f"base.{fmt}").read_bytes()
    out["seed"] = SEED.read_bytes()
    return out


# -- mutations ------------------------------------------------------------------------------------------------
def _mutate_text(rng: random.Random, text: str) -> str:
    lines = text.split("\n")
    for _ in range(rng.randint(1, 4)):
        i = rng.randrange(len(lines))
        kind = rng.randrange(8)
        if kind == 0:
            lines[i] = lines[i][:rng.randint(0, len(lines[i]))] + rng.choice(CONTROL) + lines[i]
        elif kind == 1 and re.search(r"\d", lines[i]):
            lines[i] = re.sub(r"\d[\d.,]*", rng.choice(NUMBERS), lines[i], count=1)
        elif kind == 2:
            lines[i] = "\t" + rng.choice(["年月" * 20000, "x" * 40000, "≥" * 5000 + "%", "（" * 3000, "1" * 40000])
        elif kind == 3:
            del lines[i]
        elif kind == 4:
            lines.insert(i, lines[rng.randrange(len(lines))])
        elif kind == 5:
            lines[i] = "\t" + rng.choice(["项目名称", "三级指标", "指标值", "一级指标", "预算数", "单位：万元"])
        elif kind == 6:
            lines[i] = lines[i].replace("\t", "", 1)
        else:
            lines[i] = "\t" + rng.choice(NUMBERS)
    return "\n".join(lines)


def _flip(rng: random.Random, data: bytes, n: int = 1) -> bytes:
    buf = bytearray(data)
    for _ in range(n):
        buf[rng.randrange(len(buf))] ^= 1 << rng.randrange(8)
    return bytes(buf)


def _rezip(data: bytes, edit) -> bytes:
    """Rewrite a zip package with `edit(name, content) -> content | None` (None drops the member)."""
    import io

    src = zipfile.ZipFile(io.BytesIO(data))
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            content = edit(info.filename, src.read(info.filename))
            if content is not None:
                dst.writestr(info.filename, content)
    return buf.getvalue()


XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'


def _zip_cases(rng: random.Random, data: bytes, fmt: str) -> bytes:
    main = "word/document.xml" if fmt == "docx" else "xl/worksheets/sheet2.xml"
    kind = rng.randrange(9)
    if kind == 0:
        return _flip(rng, data, rng.randint(1, 3))
    if kind == 1:
        return data[:rng.randrange(len(data))]
    text_part = main  # openpyxl writes inline strings, so the sheet holds the text
    end_t = b"</w:t>" if fmt == "docx" else b"</t>"
    if kind == 2:  # XXE-bearing text part
        return _rezip(data, lambda n, c: XXE + re.sub(rb"^<\?xml[^>]*\?>", b"", c).replace(end_t, b"&e;" + end_t, 1)
                      if n == text_part else c)
    if kind == 3 and fmt == "xlsx":  # cells that point into a sharedStrings part the package does not have
        return _rezip(data, lambda n, c: re.sub(rb't="inlineStr"><is><t>[^<]*</t></is>', b't="s"><v>99</v>', c, count=3)
                      if n == main else None if "sharedStrings" in n else c)
    if kind == 4 and fmt == "docx":
        span = rng.choice([b"abc", b"0", b"-1", b"99999999", b""])
        return _rezip(data, lambda n, c: c.replace(b"<w:tcPr>", b'<w:tcPr><w:gridSpan w:val="' + span + b'"/>', 3)
                      if n == main else c)
    if kind == 5 and fmt == "xlsx":  # a huge declared used range, a cell far out, a formula without its value
        ref = rng.choice([b"A1:XFD1048576", b"A1:B2"])
        return _rezip(data, lambda n, c: re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="' + ref + b'"/>', c)
                      .replace(b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><f>SUM(A1)</f></c></row>'
                               b"</sheetData>") if n == main else c)
    if kind == 6:  # deep nesting inside the main part
        depth = rng.choice([300, 5000])
        tag = b"w:sdt" if fmt == "docx" else b"x"
        nest = b"<" + tag + b">" * 1
        return _rezip(data, lambda n, c: c.replace(b"</w:body>" if fmt == "docx" else b"</sheetData>",
                                                   nest * depth + (b"</" + tag + b">") * depth +
                                                   (b"</w:body>" if fmt == "docx" else b"</sheetData>"), 1)
                      if n == main else c)
    if kind == 7 and fmt == "xlsx":  # a hidden sheet
        return _rezip(data, lambda n, c: c.replace(b' state="visible"', b' state="hidden"', 1)
                      if n == "xl/workbook.xml" else c)
    mark = "&#x{:x};".format(ord(rng.choice(CONTROL))).encode()  # a control character as an XML reference
    return _rezip(data, lambda n, c: c.replace(end_t, mark + end_t, 2) if n == text_part else c)


def _json_case(rng: random.Random, data: bytes) -> bytes:
    kind = rng.randrange(5)
    if kind == 0:
        depth = rng.choice([100, 1000, 100_000])
        return b"[" * depth + b"]" * depth
    doc = json.loads(data)
    sheet = doc["projects"][0]
    if kind == 1:
        sheet["budget"]["total"] = rng.choice(NUMBERS)
    elif kind == 2:
        ind = rng.choice(sheet["indicators"])
        ind[rng.choice(["value", "name", "basis"])] = rng.choice(CONTROL) + rng.choice(NUMBERS + ["年月" * 20000])
    elif kind == 3:
        sheet[rng.choice(list(sheet))] = rng.choice([None, 1, [], {}, "x" * 100_000, [[[]]]])
    else:
        return _flip(rng, data, 3)
    return json.dumps(doc, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")


_BOMB_CACHE: dict[str, bytes] = {}


def _bomb(fmt: str, base: bytes, chunks: int = 64) -> bytes:
    """A small package whose main part decompresses to `chunks` × 16 MB (1 GB by default)."""
    key = f"{fmt}{chunks}"
    if key not in _BOMB_CACHE:
        main = "word/document.xml" if fmt == "docx" else "xl/worksheets/sheet2.xml"
        import io

        src = zipfile.ZipFile(io.BytesIO(base))
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as dst:
            for info in src.infolist():
                if info.filename == main:
                    with dst.open(main, "w", force_zip64=True) as fh:
                        chunk = b" " * (1 << 24)
                        for _ in range(chunks):
                            fh.write(chunk)
                else:
                    dst.writestr(info.filename, src.read(info.filename))
        _BOMB_CACHE[key] = buf.getvalue()
    return _BOMB_CACHE[key]


def make_case(rng: random.Random, bases: dict[str, bytes], i: int, heavy: bool = True) -> tuple[str, bytes]:
    """One fuzzed input: (file name, content); `heavy=False` keeps bombs and big texts small, for the test suite."""
    kind = rng.choices(["txt", "docx", "xlsx", "json", "enc", "special"], [30, 20, 20, 15, 8, 7])[0]
    if kind == "txt":
        source = bases["seed"] if rng.random() < 0.2 else bases["txt"]
        return f"c{i}.txt", _mutate_text(rng, source.decode("utf-8")).encode("utf-8", "surrogatepass")
    if kind in ("docx", "xlsx"):
        return f"c{i}.{kind}", _zip_cases(rng, bases[kind], kind)
    if kind == "json":
        return f"c{i}.json", _json_case(rng, bases["json"])
    if kind == "enc":
        enc = rng.choice(["gb18030", "utf-16", "utf-8-sig", "big5", "latin-1"])
        return f"c{i}.txt", bases["txt"].decode("utf-8").encode(enc, "replace")
    special = rng.randrange(6)
    if special == 0:
        return f"c{i}.{rng.choice(['docx', 'xlsx'])}", b""
    if special == 1:
        return f"c{i}_\udcff\udcfe.txt", bases["txt"]  # a file name that is not valid UTF-8
    if special == 2:
        return f"c{i}.xlsx", bases["docx"]  # a Word file with an Excel name
    if special == 3:
        fmt = rng.choice(["docx", "xlsx"])
        return f"c{i}.{fmt}", _bomb(fmt, bases[fmt], 64 if heavy else 4)
    if special == 4:  # several MB, and past the text limit
        return f"c{i}.txt", bases["txt"] * (rng.choice([2000, 20000]) if heavy else rng.choice([50, 3000]))
    return f"c{i}.txt", ("\t项目名称\n\t" + "名" * 100_000 + "\n\n\t三级指标\n\t指标值\n\n\t数\n\t=1个\n").encode("utf-8")


def base_sheet():
    from assistant.documents import read_document

    return read_document(SEED)[0].projects[0]


# -- running --------------------------------------------------------------------------------------------------
def worker() -> None:
    """Run cases read from stdin through the real CLI; one JSON result line per case on stdout."""
    import contextlib
    import io
    import traceback

    sys.path.insert(0, str(ROOT))
    from assistant.cli import main
    from assistant.draft import get_drafter
    from assistant.rewrite import brief_for

    # build or open the library index before the first case, so no case pays for it
    get_drafter("exemplar").draft(brief_for(base_sheet()))
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        case = json.loads(line)
        argv = (["check", case["path"], "--format", "json"] if case["mode"] == "check"
                else ["rewrite", case["path"], "-o", case["out"], "-q", "--drafter", "exemplar"])
        out, err = io.StringIO(), io.StringIO()
        start = time.perf_counter()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(argv)
            result = {"code": code, "stderr": err.getvalue()[-2000:]}
        except BaseException:  # noqa: BLE001  everything that escapes the CLI is a traceback
            result = {"code": "traceback", "stderr": traceback.format_exc()[-3000:]}
        result["seconds"] = round(time.perf_counter() - start, 2)
        print(json.dumps(result, ensure_ascii=False), flush=True)


class Worker:
    """A worker process with a time limit per case and a memory limit on its resident size."""

    def __init__(self, mem_mb: int, env: dict) -> None:
        self.mem_mb = mem_mb
        self.proc = subprocess.Popen([sys.executable, __file__, "--worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1, env=env)
        ready = self.proc.stdout.readline()  # no time limit: the first start may build the library index
        if not ready:
            raise SystemExit("fuzz worker failed to start")
        self.baseline = self.rss_mb()

    def rss_mb(self) -> int:
        try:
            status = Path(f"/proc/{self.proc.pid}/status").read_text()
            return int(re.search(r"VmRSS:\s+(\d+)", status).group(1)) // 1024
        except (OSError, AttributeError):
            return 0

    def run(self, case: dict, timeout: float) -> dict:
        import selectors

        self.proc.stdin.write(json.dumps(case) + "\n")
        self.proc.stdin.flush()
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        start, peak = time.time(), 0
        while time.time() - start < timeout:
            peak = max(peak, self.rss_mb())
            if peak - self.baseline > self.mem_mb:
                self.kill()
                return {"code": "memory", "peak_mb": peak}
            if sel.select(0.05):
                line = self.proc.stdout.readline()
                if not line:
                    return {"code": "crash", "peak_mb": peak}
                result = json.loads(line)
                result["peak_mb"] = peak
                return result
        self.kill()
        return {"code": "hang", "peak_mb": peak}

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()


# what a message for the user must not hold: an exception's name, pydantic's or Python's English, a temp path
_FOREIGN = [  # words are told apart by ASCII letters only: 格式Input is English next to Chinese
    re.compile(r"Traceback|(?<![A-Za-z])[A-Z][A-Za-z]*(?:Error|Exception|Warning|Exit)(?![A-Za-z])|Errno"),
    re.compile(r"(?i)(?<![A-Za-z])(?:error|value|input|should|validation|valid|field|required|invalid|expected|must|"
               r"failed|cannot|unable|object|string|integer|type|none|null|pydantic)(?![A-Za-z])"),
    re.compile(r"(?<![A-Za-z.])(?:[A-Za-z]{2,}\s+){2,}[A-Za-z]{2,}"),  # three English words in a row
]
_TEMP_PATH = re.compile(r"/tmp/|\\Temp\\|[\\/]\.?tmp[\w-]{4,}|\.tmp\b")
_PATH = re.compile(r"(?:[A-Za-z]:)?(?:[\w.~-]*[\\/])+[\w.~-]+")


def display(path) -> str:
    """A path as the CLI prints it (bytes of a non-UTF-8 name as U+FFFD)."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def foreign_text(message: str, own_paths: tuple[str, ...] = ()) -> str | None:
    """The part of an error message that is not for a Chinese user, or None when it is all fine. The paths the user
    gave (the input file and the output folder) may be named; any other path into a temp folder may not."""
    text = display(message)
    for own in sorted(own_paths, key=len, reverse=True):
        if own:
            text = text.replace(own, "“文件”")
    text = re.sub(r"“[^”]*”|'[^']*'", "“”", text)  # the user's own words, quoted, are theirs
    m = _TEMP_PATH.search(text)
    if m:
        return m.group(0)
    text = _PATH.sub("“路径”", text)  # a path the tool names (its log file, a zip member) is not English prose
    for pattern in _FOREIGN:
        m = pattern.search(text)
        if m:
            return m.group(0)
    return None


def classify(result: dict, own_paths: tuple[str, ...] = ()) -> str:
    """result (exit 0/1/3), error (one line of Chinese, exit 2), or a failure: traceback, hang, memory, crash,
    bad-error (not one line, or not Chinese: English words, an exception's name, a temp path)."""
    code = result["code"]
    if code in (0, 1, 3):
        return "result"
    if code == 2:
        lines = [x for x in result.get("stderr", "").strip().splitlines() if x.strip()]
        one_line = len(lines) == 1 and re.search(r"[\u4e00-\u9fff]", lines[0]) and "Traceback" not in lines[0]
        if "输入过大或结构过深" in result.get("stderr", ""):
            return "memory"
        if not one_line:
            return "bad-error"
        return "foreign-error" if foreign_text(lines[0], own_paths) else "error"
    if code == 70:
        return "internal"  # a bug caught at the CLI edge: one line for the user, still a failure here
    return str(code)


def run(cases: int, seed: int, modes: list[str], work: Path, timeout: float, mem_mb: int) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    bases = base_documents(work)
    rng = random.Random(seed)
    inputs = work / "inputs"
    inputs.mkdir(exist_ok=True)
    env = {**os.environ, "ZHIBIAO_HOME": str(work / "home"),
           "ZHIBIAO_EMBEDDING": os.environ.get("ZHIBIAO_EMBEDDING", "ngram")}
    env = {k: v for k, v in env.items() if not k.startswith(("OPENAI_", "ZHIBIAO_API", "ZHIBIAO_BASE"))}
    pool = Worker(mem_mb, env)
    tally = {m: Counter() for m in modes}
    failures = []
    messages: Counter = Counter()
    slowest = {m: 0.0 for m in modes}
    for i in range(cases):
        if i % 50 == 0:
            print(f"{i}/{cases} {dict((m, dict(c)) for m, c in tally.items())}", file=sys.stderr, flush=True)
        name, content = make_case(rng, bases, i)
        path = inputs / name
        with open(os.fsencode(path), "wb") as fh:
            fh.write(content)
        for mode in modes:
            if pool.proc.poll() is not None:
                pool = Worker(mem_mb, env)
            case = {"mode": mode, "path": str(path), "out": str(work / "out" / f"r{i}")}
            result = pool.run(case, timeout if mode == "check" else timeout * 3)
            own = (display(path), case["out"])
            outcome = classify(result, own)
            tally[mode][outcome] += 1
            slowest[mode] = max(slowest[mode], result.get("seconds", timeout))
            if outcome == "error":
                messages[re.sub(r"文件 \S+|\d+", "", result["stderr"].strip())[:48]] += 1
            if outcome not in ("result", "error"):
                detail = result.get("stderr", "")[-600:]
                if outcome == "foreign-error":
                    detail += f"（不是中文的部分：{foreign_text(detail.strip(), own)}）"
                failures.append({"case": name, "mode": mode, "outcome": outcome, "detail": detail})
                with open(work / "failures.jsonl", "a", encoding="utf-8") as log:
                    log.write(json.dumps(failures[-1], ensure_ascii=False) + "\n")
                keep = work / "failed-inputs"
                keep.mkdir(exist_ok=True)
                with open(os.fsencode(keep / f"{mode}-{name}"), "wb") as fh:
                    fh.write(content)
        os.unlink(os.fsencode(path))
    pool.kill()
    return {"cases": cases, "seed": seed, "tally": {m: dict(c) for m, c in tally.items()},
            "slowest_seconds": slowest, "errors": dict(messages.most_common(25)), "failures": failures}


def main() -> int:
    parser = argparse.ArgumentParser(description="对 check/rewrite 做模糊测试，统计异常栈、超时和内存失控")
    parser.add_argument("--cases", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--mode", default="check,rewrite")
    parser.add_argument("--timeout", type=float, default=30.0, help="每个输入检查的时间上限（秒）；改写为其 3 倍")
    parser.add_argument("--mem-mb", type=int, default=1500, help="每个输入允许增加的常驻内存（MB）")
    parser.add_argument("-o", "--output", default="/tmp/zhibiao-fuzz")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker()
        return 0
    summary = run(args.cases, args.seed, args.mode.split(","), Path(args.output), args.timeout, args.mem_mb)
    Path(args.output, "summary.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2), encoding="utf-8")
    print(json.dumps({k: v for k, v in summary.items() if k != "failures"}, ensure_ascii=False, indent=2))
    for f in summary["failures"][:20]:
        print(f["mode"], f["case"], f["outcome"], f["detail"].strip().splitlines()[-1:] if f["detail"] else "")
    return 1 if summary["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
