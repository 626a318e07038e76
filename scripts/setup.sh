#!/usr/bin/env bash
# Installs everything Enclave needs on a fresh Debian machine (idempotent; skips what is there):
# Debian packages for the browser-driven suites and for the PostgreSQL and Redis the storage and cluster
# tests start privately (never the system services), npm dependencies, then builds every package.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need_apt+=(python3-venv)
# Debian keeps PostgreSQL's programs off PATH, in /usr/lib/postgresql/<version>/bin.
compgen -G '/usr/lib/postgresql/*/bin/pg_ctl' >/dev/null || command -v pg_ctl >/dev/null 2>&1 || need_apt+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
if [ ${#need_apt[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${need_apt[*]}"
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
echo "setup: installing npm dependencies"
npm install --no-fund --no-audit --loglevel=error
# better-sqlite3 compiles its native module in its install script; make sure it is built.
node -e "require('better-sqlite3')" 2>/dev/null || npm rebuild better-sqlite3 --loglevel=error

echo "setup: building"
npm run build --silent
