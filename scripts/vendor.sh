#!/usr/bin/env bash
# Install the browser libraries from npm (into the git-ignored node_modules/) and copy their dist bundles
# to webapp/static/vendor/ (git-ignored), where the app serves them itself: no CDN. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v npm >/dev/null 2>&1; then
  echo "vendor.sh: npm is missing; install Node.js (Debian: apt-get install -y nodejs npm)" >&2
  exit 1
fi
stamp=node_modules/.closeloop-vendor
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ] || [ package.json -nt "$stamp" ]; then
  if [ -f package-lock.json ]; then
    npm ci --no-audit --no-fund --loglevel=error
  else
    npm install --no-audit --no-fund --loglevel=error
  fi
  touch "$stamp"
fi
dest=webapp/static/vendor
mkdir -p "$dest/bpmn-js"
cp -R node_modules/bpmn-js/dist/. "$dest/bpmn-js/"
test -s "$dest/bpmn-js/bpmn-navigated-viewer.production.min.js"
test -s "$dest/bpmn-js/assets/bpmn-js.css"
echo "vendor.sh: bpmn-js $(node -p "require('./node_modules/bpmn-js/package.json').version") -> $dest/bpmn-js"
