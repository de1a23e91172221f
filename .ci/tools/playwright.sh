#!/usr/bin/env bash
# playwright-core, pinned, for browser_smoke resources: installed with npm
# into $FOPS_TOOLS_DIR/playwright (node_modules/playwright-core), where
# `fops smoke browser` looks for it. It drives Debian's chromium (a system
# package, .ci/install-system-deps): no browser is downloaded. Reused while
# the version matches. 1.61 is the last release that runs on Debian 12's
# Node.js 18.
set -euo pipefail
PLAYWRIGHT_VERSION=1.61.1
: "${FOPS_TOOLS_DIR:=$HOME/.cache/fops/tools}"
prefix="$FOPS_TOOLS_DIR/playwright"
package="$prefix/node_modules/playwright-core/package.json"
if [ -f "$package" ] &&
   [ "$(node -p "require('$package').version" 2>/dev/null)" = "$PLAYWRIGHT_VERSION" ]; then
  exit 0
fi
if ! command -v npm >/dev/null || ! command -v node >/dev/null; then
  echo "playwright.sh: node or npm not found (apt-get install nodejs npm); browser smokes and their tests will be skipped" >&2
  exit 0
fi
echo "installing playwright-core $PLAYWRIGHT_VERSION into $prefix"
mkdir -p "$prefix"
# No browser download: fops uses the system chromium.
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$prefix" --no-audit --no-fund \
  --no-save --loglevel=error "playwright-core@$PLAYWRIGHT_VERSION"
node -p "'playwright-core ' + require('$package').version"
