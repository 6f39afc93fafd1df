"""Writing outputs safely: temporary names renamed into place, inputs never overwritten, one run per output."""

from __future__ import annotations

import contextlib
import errno
import os
import re
import shutil
from pathlib import Path
from typing import Iterator

from assistant.errors import InputError, ZhibiaoError

MAX_NAME_BYTES = 160  # leaves room for "_改写.report.html" and a temporary prefix within 255 bytes


class OutputBusyError(ZhibiaoError):
    """Another run holds the lock on the same output."""


def same_path(a: Path, b: Path) -> bool:
    """The same file or folder (or the same name, when one does not exist yet)."""
    try:
        if a.exists() and b.exists():
            return os.path.samefile(a, b)
    except OSError:
        pass
    return os.path.normcase(os.path.abspath(a)) == os.path.normcase(os.path.abspath(b))


def refuse_overwriting_inputs(outputs: list[Path], inputs: list[Path]) -> None:
    """An output that is, or would replace, an input file is refused before any work is done."""
    for out in outputs:
        for src in inputs:
            if same_path(out, src):
                raise InputError(f"输出文件 {out} 会覆盖输入文件 {src.name}，已停止；请用 -o 指定另一个名称或文件夹")


def short_stem(stem: str, limit: int = MAX_NAME_BYTES) -> str:
    """A file-name stem cut to `limit` UTF-8 bytes, so that every derived name stays valid."""
    data = stem.encode("utf-8", "surrogateescape")
    if len(data) <= limit:
        return stem
    return data[:limit].decode("utf-8", "ignore").rstrip() or "输出"


@contextlib.contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """Yield a temporary path beside `path`; it replaces `path` only when the block finishes without error."""
    path = Path(path)
    tmp = path.with_name(f".{short_stem(path.stem, 120)}.{os.getpid()}.tmp{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


class Staging:
    """A hidden folder beside the outputs; its files are renamed into place together once all are written."""

    def __init__(self, target_dir: Path, name: str) -> None:
        self.target_dir = Path(target_dir)
        self.dir = self.target_dir / f".{short_stem(name, 120)}.{os.getpid()}.staging"

    def __enter__(self) -> "Staging":
        self.target_dir.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(self.dir, ignore_errors=True)
        self.dir.mkdir()
        return self

    def path(self, final: Path) -> Path:
        return self.dir / Path(final).name

    def commit(self) -> list[Path]:
        """Move every staged file to its final name; returns the final paths."""
        staged = sorted(self.dir.iterdir())
        for item in staged:  # every target is checked before the first one is replaced
            if (self.target_dir / item.name).is_dir():
                raise IsADirectoryError(errno.EISDIR, "目标是一个文件夹", str(self.target_dir / item.name))
        done = []
        for item in staged:
            os.replace(item, self.target_dir / item.name)
            done.append(self.target_dir / item.name)
        return done

    def __exit__(self, *exc) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)


class OutputLock:
    """An exclusive lock file for one output; a second run on the same output is refused at once."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._fh = None

    def __enter__(self) -> "OutputLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        while True:
            fh = open(self.path, "a+")
            if not _try_lock(fh):
                fh.close()
                raise OutputBusyError(f"另一个改写任务正在写入 {self.path.parent}（锁文件 {self.path.name}），"
                                      "请等它结束后再运行，或换一个输出位置")
            # the file may have been removed by the run that held it just before we locked it
            if os.path.exists(self.path) and os.path.samefile(self.path, fh.name):
                self._fh = fh
                fh.seek(0)
                fh.truncate()
                fh.write(str(os.getpid()))
                fh.flush()
                return self
            fh.close()

    def __exit__(self, *exc) -> None:
        if self._fh is not None:
            with contextlib.suppress(OSError):
                self.path.unlink()
            self._fh.close()
            self._fh = None


def _try_lock(fh) -> bool:
    try:
        import fcntl

        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except ImportError:  # Windows
        import msvcrt

        try:
            msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    except OSError:
        return False


_ERRNO_ZH = {
    errno.ENOSPC: "磁盘空间不足", errno.EDQUOT: "磁盘配额已满", errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限", errno.EROFS: "目标位置只读", errno.ENAMETOOLONG: "文件名过长",
    errno.EISDIR: "目标是一个文件夹", errno.ENOTDIR: "路径中有一段不是文件夹", errno.ENOENT: "路径不存在",
    errno.EEXIST: "目标已存在",
}


_TEMP_NAME = re.compile(r"\.(?P<stem>.+)\.\d+\.tmp(?P<suffix>\.[^./\\]*)?")
_STAGING_DIR = re.compile(r"\..+\.\d+\.staging")


def user_path(name: str | os.PathLike) -> str:
    """The path a user asked for, for a path this module writes first (.a.123.tmp.docx, .a.123.staging/a.docx):
    a message names the output, never the hidden temporary beside it."""
    path = Path(os.fsdecode(name))
    m = _TEMP_NAME.fullmatch(path.name)
    if m:
        path = path.with_name(m["stem"] + (m["suffix"] or ""))
    parts = [p for p in path.parts if not _STAGING_DIR.fullmatch(p)]
    return str(Path(*parts)) if parts else str(path)


def os_error_message(exc: OSError) -> str:
    """One Chinese line for a failed file operation (the English strerror stays in the log)."""
    reason = _ERRNO_ZH.get(exc.errno or 0, "文件读写失败")
    where = user_path(exc.filename) if exc.filename else ""
    return f"{reason}：{where}" if where else reason
