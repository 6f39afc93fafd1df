#!/usr/bin/env bash
# Set up zhibiao on a fresh Debian machine: system packages, then the Python package with pinned versions.
#   bash scripts/install.sh          -> the app (zhibiao ui, zhibiao check, ...)
#   bash scripts/install.sh --test   -> the app, the test tools, Debian chromium and CJK fonts for the browser tests
# PYTHON=/path/to/python picks the interpreter (default python3); inside an activated venv, python3 is the venv's.
set -euo pipefail
cd "$(dirname "$0")/.."
mode="${1:-app}"
PY="${PYTHON:-python3}"
start=$(date +%s)
step() { echo "[$(( $(date +%s) - start ))s] $*"; }

case "$mode" in
  app|--test) ;;
  -h|--help) sed -n '2,5p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) echo "未知参数：$mode（可用：无参数 或 --test）" >&2; exit 2 ;;
esac

if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 10))' 2>/dev/null; then
  echo "需要 Python 3.10 或更高版本（当前：$("$PY" --version 2>&1 || echo "找不到 $PY")）；可用 PYTHON=/path/to/python3 指定" >&2
  exit 1
fi
step "Python: $("$PY" --version 2>&1) ($(command -v "$PY"))"

need_apt=()
if [ "$mode" = "--test" ]; then
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
fi
fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || need_apt+=(fonts-noto-cjk)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else SUDO="skip"; fi
  if [ "$SUDO" = "skip" ]; then
    echo "warning: cannot install ${need_apt[*]} (not root, no sudo); browser tests or Chinese chart labels may not work" >&2
  else
    step "installing Debian packages: ${need_apt[*]} (apt-get, about a minute)"
    $SUDO apt-get update -q >/dev/null
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q "${need_apt[@]}" >/dev/null
  fi
else
  step "Debian packages present (fonts-noto-cjk$([ "$mode" = "--test" ] && echo ", chromium"))"
fi

extras=""
[ "$mode" = "--test" ] && extras="[dev]"
step "installing the Python package and its pinned dependencies (pip, 1–3 minutes on a fresh machine)"
# the constraints file pins every transitive version, so an upstream release can neither break nor stall the install;
# pip's progress goes to the terminal, its chatter about already-satisfied packages does not
set +e
"$PY" -m pip install --disable-pip-version-check -c constraints.txt -e ".${extras}" 2>&1 \
  | grep --line-buffered -v -E "^(Requirement already satisfied|Obtaining|  Preparing|  Checking|  Getting|  Installing build|  Building editable|  Created wheel|  Stored in|WARNING: Location .* is ignored)"
rc=${PIPESTATUS[0]}
set -e
if [ "$rc" -ne 0 ]; then
  echo "安装失败（pip 退出码 $rc）：原因见上面的 pip 输出；没有网络时可先配置 pip 镜像（PIP_INDEX_URL）" >&2
  exit "$rc"
fi
"$PY" -c "import assistant, chromadb, gradio" || { echo "安装未完成：导入失败，原因见上面的输出" >&2; exit 1; }
step "zhibiao 安装完成（$("$PY" -c 'import importlib.metadata as m; print(m.version("zhibiao"))')）"

if [ "$mode" = "--test" ]; then
  echo "下一步：运行全部测试  ->  $PY -m pytest -q"
else
  echo "下一步：启动网页（离线，默认 http://127.0.0.1:7860） ->  zhibiao ui"
  echo "        或检查一个文档                         ->  zhibiao check 文档.docx"
fi
