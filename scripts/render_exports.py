"""Render the exported .docx and .xlsx as a reader sees them: LibreOffice headless -> PDF -> PNG.

    python3 scripts/render_exports.py            # writes docs/screenshots/export-docx.png and export-xlsx.png

Installs LibreOffice and poppler from Debian when they are missing (needs root); nothing else is downloaded.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "eval" / "cases" / "legacy_seed.txt"
SHOTS = ROOT / "docs" / "screenshots"
PACKAGES = ["libreoffice-writer-nogui", "libreoffice-calc-nogui", "poppler-utils"]


def ensure_tools() -> None:
    """soffice and pdftoppm, from Debian if they are not installed yet."""
    if shutil.which("soffice") and shutil.which("pdftoppm"):
        return
    subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", *PACKAGES], check=True,
                   env={"DEBIAN_FRONTEND": "noninteractive", "PATH": "/usr/sbin:/usr/bin:/sbin:/bin"})


def exports(work: Path) -> list[Path]:
    """The seed's rewritten first two projects, exported as .docx and .xlsx through the real writers."""
    sys.path.insert(0, str(ROOT))
    from assistant.batch import rewrite_document
    from assistant.documents import read_document, write_document
    from assistant.draft import get_drafter

    doc, problems = read_document(SEED)
    small = doc.model_copy(update={"projects": doc.projects[2:4], "preface": []})
    run = rewrite_document(small, get_drafter("exemplar"), problems=problems)
    return [write_document(run.document, work / "export.docx"), write_document(run.document, work / "export.xlsx")]


def render(path: Path, work: Path, page: int) -> Path:
    """One page of `path` as a PNG, through LibreOffice's PDF export."""
    profile = work / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(work), str(path)], check=True, capture_output=True, timeout=300)
    pdf = work / (path.stem + ".pdf")
    prefix = work / f"{path.stem}-{path.suffix.lstrip('.')}"
    subprocess.run(["pdftoppm", "-png", "-r", "110", "-f", str(page), "-l", str(page), "-singlefile", str(pdf),
                    str(prefix)],
                   check=True, timeout=120)
    return prefix.with_suffix(".png")


def main() -> int:
    ensure_tools()
    SHOTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for path in exports(work):
            # LibreOffice names the PDF after the file, so give each export its own name
            named = path.with_name(f"export-{path.suffix.lstrip('.')}{path.suffix}")
            path.rename(named)
            png = render(named, work, page=2 if path.suffix == ".xlsx" else 1)  # sheet 1 is 文档信息
            target = SHOTS / f"export-{path.suffix.lstrip('.')}.png"
            shutil.copy(png, target)
            print(f"已写入 {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
