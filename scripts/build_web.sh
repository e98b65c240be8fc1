#!/usr/bin/env bash
# The web console's build, current: `npm ci` when node_modules is missing or older than the
# lock file, `ng build` when the build is missing or older than any of its sources.
# `--packages`: only the first step (the tools `make api-types` runs).
set -euo pipefail
cd "$(dirname "$0")/../web"

if ! command -v npm >/dev/null 2>&1; then
  echo "web: npm not found; install Node.js 20.19+ (with npm) to build the console" >&2
  exit 1
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "web: installing packages (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
fi
[ "${1:-}" = "--packages" ] && exit 0

built=dist/uts-console/browser/index.html
sources=(src public package.json package-lock.json angular.json tsconfig.json tsconfig.app.json .postcssrc.json)
if [ -f "$built" ] && [ -z "$(find "${sources[@]}" -newer "$built" -print -quit)" ]; then
  echo "web: build is current"
  exit 0
fi
echo "web: building the console"
npx ng build --progress=false
