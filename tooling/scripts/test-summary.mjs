#!/usr/bin/env node
// Prints one row per test suite (package) from the JSON reports that Vitest and Playwright write into
// <package>/.reports/, then the closing tally CI reads: "tests: N passed, N failed, N skipped".
// Exits 1 when a suite failed, when no test ran at all, or (in CI) when any test was skipped: CI has every
// service the suites need, so a skip there hides a missing install step.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const groups = ['packages', 'apps', 'tooling'];
const dirs = groups.flatMap((g) =>
  existsSync(join(root, g))
    ? readdirSync(join(root, g), { withFileTypes: true })
        .filter((d) => d.isDirectory())
        .map((d) => join(root, g, d.name))
    : [],
);
dirs.push(join(root, 'e2e'));

/** Vitest's JSON reporter (Jest-compatible shape). */
function fromVitest(report) {
  let duration = 0;
  for (const file of report.testResults ?? []) duration += (file.endTime ?? 0) - (file.startTime ?? 0);
  return {
    passed: report.numPassedTests ?? 0,
    failed: report.numFailedTests ?? 0,
    skipped: (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0),
    seconds: duration / 1000,
  };
}

/** Playwright's JSON reporter. */
function fromPlaywright(report) {
  const s = report.stats ?? {};
  return {
    passed: (s.expected ?? 0) + (s.flaky ?? 0),
    failed: s.unexpected ?? 0,
    skipped: s.skipped ?? 0,
    seconds: (s.duration ?? 0) / 1000,
  };
}

const rows = [];
for (const dir of dirs) {
  for (const [file, read] of [
    ['vitest.json', fromVitest],
    ['playwright.json', fromPlaywright],
  ]) {
    const path = join(dir, '.reports', file);
    if (!existsSync(path)) continue;
    rows.push({
      suite: `${relative(root, dir)} (${file.replace('.json', '')})`,
      ...read(JSON.parse(readFileSync(path, 'utf8'))),
    });
  }
}

const total = { passed: 0, failed: 0, skipped: 0 };
const width = Math.max(10, ...rows.map((r) => r.suite.length));
console.log(`${'suite'.padEnd(width)}  passed  failed  skipped  seconds`);
for (const r of rows) {
  total.passed += r.passed;
  total.failed += r.failed;
  total.skipped += r.skipped;
  console.log(
    `${r.suite.padEnd(width)}  ${String(r.passed).padStart(6)}  ${String(r.failed).padStart(6)}  ${String(r.skipped).padStart(7)}  ${r.seconds.toFixed(1).padStart(7)}`,
  );
}
console.log(`tests: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
if (process.env.CI && total.skipped > 0) {
  console.error(
    `tests: ${total.skipped} skipped in CI; every suite must run here (see the skipped tests above)`,
  );
}
process.exit(total.failed > 0 || total.passed === 0 || (process.env.CI && total.skipped > 0) ? 1 : 0);
