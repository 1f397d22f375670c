#!/usr/bin/env bash
# One-command set-up on Debian 12: system packages when missing, then .venv with
# torch==2.13.0 first and the project (editable, with dev extras). Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}

need_apt=()
command -v iverilog >/dev/null 2>&1 || need_apt+=(iverilog)
command -v g++ >/dev/null 2>&1 || need_apt+=(g++)
command -v make >/dev/null 2>&1 || need_apt+=(make)
# compiler cache: Verilator builds reuse its runtime and unchanged units
command -v ccache >/dev/null 2>&1 || need_apt+=(ccache)
# clang++ compiles the compiled RTL bench: its model runs a quarter faster than g++'s
command -v clang++ >/dev/null 2>&1 || need_apt+=(clang)
# headless browser for the HTML report tests (tests/report/test_browser.py)
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
if ! "$PYTHON" -c "import ensurepip, venv" >/dev/null 2>&1; then need_apt+=(python3-venv); fi
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_apt[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}"
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi

stamp="$VENV/.fpgaforge-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  "$VENV/bin/python" -m pip install -q --upgrade pip
  # torch first, pinned: a looser requirement would pull a much larger CUDA build
  "$VENV/bin/python" -m pip install -q "torch==2.13.0"
  "$VENV/bin/python" -m pip install -q -e ".[dev]"
  touch "$stamp"
fi
echo "setup: ready ($("$VENV/bin/python" -c 'import fpgaforge; print("fpgaforge", fpgaforge.__version__)'))"
