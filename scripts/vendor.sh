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
# dmn-js (decision tables: viewer and editor) from its dist bundles
mkdir -p "$dest/dmn-js"
cp -R node_modules/dmn-js/dist/. "$dest/dmn-js/"
cp node_modules/@bpmn-io/properties-panel/dist/assets/properties-panel.css "$dest/bpmn-js/assets/"
cp node_modules/bpmn-js-bpmnlint/dist/assets/css/bpmn-js-bpmnlint.css "$dest/bpmn-js/assets/"
test -s "$dest/dmn-js/dmn-modeler.production.min.js"
# the process studio: bpmn-js Modeler + properties panel (spiffworkflow moddle), bpmnlint, CodeMirror 6, bundled
# with esbuild (pinned in package-lock.json) from webapp/processes/assets/studio-bundle.js
mkdir -p "$dest/studio"
node_modules/.bin/esbuild webapp/processes/assets/studio-bundle.js --bundle --minify --format=iife \
  --log-level=warning --outfile="$dest/studio/studio.js"
test -s "$dest/studio/studio.js"
echo "vendor.sh: dmn-js $(node -p "require('./node_modules/dmn-js/package.json').version"), studio bundle -> $dest"
echo "vendor.sh: bpmn-js $(node -p "require('./node_modules/bpmn-js/package.json').version") -> $dest/bpmn-js"
mkdir -p "$dest/chart.js"
cp node_modules/chart.js/dist/chart.umd.min.js "$dest/chart.js/"
test -s "$dest/chart.js/chart.umd.min.js"
echo "vendor.sh: chart.js $(node -p "require('./node_modules/chart.js/package.json').version") -> $dest/chart.js"
