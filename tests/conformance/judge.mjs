// Judges a conformance run: node judge.mjs RAWDIR LOGFILE EXPECTED_FAILURES_TXT OUTDIR
// RAWDIR holds the suite's per-scenario folders (server-<scenario>-<timestamp>/checks.json);
// LOGFILE is the suite's stdout (its "=== Running scenario: X ===" lines say which ran).
// A scenario fails when any check is FAILURE or WARNING (the suite's own rule), or when it
// ran but left no checks.json. Writes OUTDIR/summary.json and OUTDIR/summary.txt.
// Exit 1 only if a scenario not listed in EXPECTED_FAILURES_TXT failed.
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

const [rawDir, logFile, expectedFile, outDir] = process.argv.slice(2);

const expected = new Map();
if (expectedFile && existsSync(expectedFile)) {
  for (const line of readFileSync(expectedFile, "utf8").split("\n")) {
    const t = line.trim();
    if (!t || t.startsWith("#")) continue;
    const hash = t.indexOf("#");
    const name = (hash >= 0 ? t.slice(0, hash) : t).trim();
    const reason = hash >= 0 ? t.slice(hash + 1).trim() : "";
    if (name) expected.set(name, reason);
  }
}

const ran = [];
if (existsSync(logFile)) {
  for (const m of readFileSync(logFile, "utf8").matchAll(/^=== Running scenario: (\S+) ===$/gm)) ran.push(m[1]);
}

const checksBy = new Map();
if (existsSync(rawDir)) {
  for (const d of readdirSync(rawDir)) {
    const m = /^server-(.+)-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z$/.exec(d);
    const f = join(rawDir, d, "checks.json");
    if (!m || !existsSync(f)) continue;
    try {
      checksBy.set(m[1], JSON.parse(readFileSync(f, "utf8")));
    } catch (e) {
      checksBy.set(m[1], [{ id: "checks.json", status: "FAILURE", errorMessage: `unreadable: ${e.message}` }]);
    }
  }
}
for (const s of checksBy.keys()) if (!ran.includes(s)) ran.push(s);

const results = {};
const counts = { passed: 0, failed: 0, expectedFailed: 0, nowPassing: 0 };
const lines = [];
for (const s of ran) {
  const checks = checksBy.get(s);
  let bad;
  if (!checks) bad = [{ id: s, status: "FAILURE", errorMessage: "scenario produced no checks.json" }];
  else bad = checks.filter((c) => c.status === "FAILURE" || c.status === "WARNING");
  const failed = bad.length > 0;
  const isExpected = expected.has(s);
  let verdict;
  if (failed && isExpected) { verdict = "expected-failure"; counts.expectedFailed++; }
  else if (failed) { verdict = "FAILED"; counts.failed++; }
  else if (isExpected) { verdict = "passed (listed as expected failure: remove it)"; counts.passed++; counts.nowPassing++; }
  else { verdict = "passed"; counts.passed++; }
  results[s] = {
    verdict,
    expectedFailure: isExpected,
    checks: (checks ?? []).map((c) => ({ id: c.id, status: c.status })),
    failedChecks: bad.map((c) => ({ id: c.id, status: c.status, message: c.errorMessage ?? "" })),
  };
  const why = failed ? "  -- " + bad.map((c) => `${c.id}: ${c.errorMessage ?? c.status}`).join("; ").slice(0, 300) : "";
  lines.push(`${verdict.padEnd(18)} ${s}${why}`);
}
const notRun = [...expected.keys()].filter((s) => !ran.includes(s));

const footer = [
  "",
  `scenarios run: ${ran.length}; passed: ${counts.passed}; unexpected failures: ${counts.failed}; ` +
    `expected failures: ${counts.expectedFailed}; listed-but-passing: ${counts.nowPassing}`,
];
if (notRun.length) footer.push(`listed in expected-failures but not run in this suite: ${notRun.join(", ")}`);
if (ran.length === 0) footer.push("NO SCENARIO RAN (see conformance.log)");
// The one closing line: unexpected failures count as failed, expected failures as skipped.
footer.push(`conformance: ${counts.passed} passed, ${counts.failed + (ran.length === 0 ? 1 : 0)} failed, ${counts.expectedFailed} skipped`);

const text = lines.join("\n") + "\n" + footer.join("\n") + "\n";
writeFileSync(join(outDir, "summary.txt"), text);
writeFileSync(join(outDir, "summary.json"), JSON.stringify({ counts, notRun, results }, null, 2) + "\n");
process.stdout.write(text);
process.exit(counts.failed > 0 || ran.length === 0 ? 1 : 0);
