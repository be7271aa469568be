#!/usr/bin/env bash
# The action's second step (action.yml): the system packages Cairn uses (scripts/setup, which installs only what
# is missing), then Cairn itself from the action's checkout (npm ci builds dist/), put on PATH for the next steps.
set -euo pipefail
cd "$GITHUB_ACTION_PATH"

bash scripts/setup
if [ -f dist/cli/cairn.cjs ] && [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ]; then
  # A runner that keeps its work folder (self-hosted) has it from an earlier run of this same checkout.
  echo "Cairn is installed in $GITHUB_ACTION_PATH"
else
  npm ci --no-audit --no-fund
fi

bin="$RUNNER_TEMP/cairn-bin"
mkdir -p "$bin"
ln -sf "$GITHUB_ACTION_PATH/dist/cli/cairn.cjs" "$bin/cairn"
chmod +x dist/cli/cairn.cjs
echo "$bin" >>"$GITHUB_PATH"
