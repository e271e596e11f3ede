# Shared by bin/demo and bin/test: Debian packages, Python virtualenv, PostgreSQL.
# shellcheck shell=bash

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

# Install the Debian packages named, when some are missing; as root, or through sudo.
need_debian_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "Please install these Debian packages as root, then run this again:" >&2
      echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
      exit 1
    fi
  fi
  say "installing Debian packages: ${missing[*]}"
  $sudo apt-get update -q
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# A virtualenv with the project installed (editable for tests, a real install for the demo).
need_python_env() {
  local spec="$1"
  local python="${PYTHON:-python3}"
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "renovation needs Python 3.11 or newer as '$python' (set PYTHON=...)" >&2
    exit 1
  fi
  if [ ! -x "$VENV/bin/python" ]; then
    if ! "$python" -m venv "$VENV" 2>/dev/null; then
      need_debian_packages python3-venv
      "$python" -m venv "$VENV"
    fi
  fi
  say "installing Python packages ($spec)"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --upgrade pip
  (cd "$ROOT" && "$VENV/bin/python" -m pip install -q --disable-pip-version-check $spec)
}
