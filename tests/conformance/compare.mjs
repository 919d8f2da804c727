// Compares two conformance runs judged by judge.mjs: the fixture directly vs the gateway in front of it.
//   node compare.mjs DIRECT_SUMMARY_JSON GATEWAY_SUMMARY_JSON GATEWAY_EXPECTED_FAILURES_TXT OUT_TXT [GATEWAY_FLOOR_TXT]
// A regression is a scenario that passed directly but not through the gateway (or did not run through
// the gateway), unless gateway-expected-failures.txt lists it. dns-rebinding-protection must pass
// through the gateway in any case (the gateway validates Host/Origin itself). Every scenario listed in
// gateway-floor.txt must pass through the gateway whatever the fixture does (the absolute floor: a change that
// breaks a scenario on both sides is caught too).
// Prints a table (also written to OUT_TXT) and exits 1 on any regression, 2 if a run is unusable.
import { existsSync, readFileSync, writeFileSync } from "node:fs";

const [directFile, gatewayFile, expectedFile, outFile, floorFile] = process.argv.slice(2);
const MUST_PASS_THROUGH_GATEWAY = new Set(["dns-rebinding-protection"]);
const floor = new Set();
if (floorFile) {
  if (!existsSync(floorFile)) {
    console.error(`compare: the floor file ${floorFile} does not exist`);
    process.exit(2);
  }
  for (const line of readFileSync(floorFile, "utf8").split("\n")) {
    const t = line.replace(/#.*/, "").trim();
    if (t) floor.add(t);
  }
}

function load(file, what) {
  if (!existsSync(file)) {
    console.error(`compare: no ${what} results (${file})`);
    process.exit(2);
  }
  const s = JSON.parse(readFileSync(file, "utf8"));
  if (!s.results || Object.keys(s.results).length === 0) {
    console.error(`compare: the ${what} run has no scenario results (${file})`);
    process.exit(2);
  }
  return s.results;
}

const expected = new Map();
if (expectedFile && existsSync(expectedFile)) {
  for (const line of readFileSync(expectedFile, "utf8").split("\n")) {
    const t = line.trim();
    if (!t || t.startsWith("#")) continue;
    const hash = t.indexOf("#");
    const name = (hash >= 0 ? t.slice(0, hash) : t).trim();
    if (name) expected.set(name, hash >= 0 ? t.slice(hash + 1).trim() : "");
  }
}

const direct = load(directFile, "direct");
const gateway = load(gatewayFile, "gateway");
const passed = (r) => r !== undefined && r.failedChecks.length === 0;
const names = [...new Set([...Object.keys(direct), ...Object.keys(gateway), ...floor])];

const rows = [];
const counts = { direct: 0, gateway: 0, regressions: 0, belowFloor: 0, expected: 0, stale: 0, total: names.length };
for (const s of names) {
  const d = direct[s], g = gateway[s];
  const dp = passed(d), gp = passed(g);
  if (dp) counts.direct++;
  if (gp) counts.gateway++;
  let verdict;
  if (gp) {
    if (expected.has(s) && !MUST_PASS_THROUGH_GATEWAY.has(s)) { verdict = "ok (stale: listed in gateway-expected-failures.txt, remove it)"; counts.stale++; }
    else verdict = dp ? "ok" : "ok (gateway only)";
  } else if (floor.has(s)) {
    verdict = g === undefined ? "BELOW THE FLOOR (listed in gateway-floor.txt, did not run through the gateway)" : "BELOW THE FLOOR (listed in gateway-floor.txt)"; counts.belowFloor++;
  } else if (MUST_PASS_THROUGH_GATEWAY.has(s)) {
    verdict = "REGRESSION (the gateway must pass this itself)"; counts.regressions++;
  } else if (dp && expected.has(s)) {
    verdict = `expected failure: ${expected.get(s)}`; counts.expected++;
  } else if (dp) {
    verdict = g === undefined ? "REGRESSION (did not run through the gateway)" : "REGRESSION"; counts.regressions++;
  } else {
    verdict = "fails both ways (not a regression)";
  }
  const why = !gp && g ? g.failedChecks.map((c) => `${c.id}: ${c.message || c.status}`).join("; ").slice(0, 160) : "";
  rows.push([s, d === undefined ? "-" : dp ? "pass" : "FAIL", g === undefined ? "-" : gp ? "pass" : "FAIL", verdict, why]);
}

const w = Math.max(...names.map((n) => n.length), 8);
const lines = [
  `${"scenario".padEnd(w)}  direct  gateway  verdict`,
  `${"-".repeat(w)}  ------  -------  -------`,
  ...rows.map(([s, d, g, v, why]) => `${s.padEnd(w)}  ${d.padEnd(6)}  ${g.padEnd(7)}  ${v}${why ? `\n${" ".repeat(w + 19)}gateway: ${why}` : ""}`),
  "",
  `direct: ${counts.direct}/${counts.total} passed; gateway: ${counts.gateway}/${counts.total} passed; ` +
    `regressions: ${counts.regressions}; below the floor: ${counts.belowFloor} (floor: ${floor.size} scenarios); ` +
    `expected gateway failures: ${counts.expected}; stale entries: ${counts.stale}`,
];
const text = lines.join("\n") + "\n";
if (outFile) writeFileSync(outFile, text);
process.stdout.write(text);
process.exit(counts.regressions > 0 || counts.belowFloor > 0 ? 1 : 0);
