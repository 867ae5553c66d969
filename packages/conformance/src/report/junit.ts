import type { CheckResult, SuiteReport } from '../suite/result.js';

function escapeXml(text: string): string {
  return text
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;')
    .split('')
    .filter((c) => isXmlChar(c.charCodeAt(0)))
    .join('');
}

/** XML 1.0 §2.2 Char: TAB, LF, CR and everything from U+0020 except U+FFFE/U+FFFF (surrogates pass through as pairs). */
function isXmlChar(code: number): boolean {
  return (
    code === 0x09 || code === 0x0a || code === 0x0d || (code >= 0x20 && code !== 0xfffe && code !== 0xffff)
  );
}

function details(r: CheckResult): string {
  return [
    `requirement: ${r.id} (${r.level})`,
    `section: ${r.section}`,
    `expected: ${r.expected}`,
    `observed: ${r.observed}`,
    ...(r.hint === '' ? [] : [`fix: ${r.hint}`]),
  ].join('\n');
}

function testcase(r: CheckResult, suite: string, strict: boolean): string {
  const open = `    <testcase classname="portcullis-conformance.${suite}.${r.id.slice(0, 2)}" name="${escapeXml(`[${r.id}] ${r.key}: ${r.title}`)}" time="0">`;
  if (r.status === 'fail' || (strict && r.status === 'warn')) {
    return `${open}\n      <failure message="${escapeXml(`${r.id} ${r.level}: ${r.observed}`)}" type="${r.level}">${escapeXml(details(r))}</failure>\n    </testcase>`;
  }
  if (r.status === 'skip' || r.status === 'not-applicable') {
    return `${open}\n      <skipped message="${escapeXml(r.observed)}"/>\n    </testcase>`;
  }
  if (r.status === 'warn') {
    return `${open}\n      <system-out>${escapeXml(`WARNING\n${details(r)}`)}</system-out>\n    </testcase>`;
  }
  return `${open}</testcase>`;
}

/**
 * Render a suite report as JUnit XML: one `<testsuite>` with one `<testcase>` per check, named
 * `[<ID>] <key>: <title>`. Failures become `<failure>`, skipped and not-applicable checks `<skipped>`, and
 * warnings pass with a `<system-out>` note (or fail with `strict`).
 */
export function formatJunit(report: SuiteReport, options: { strict?: boolean } = {}): string {
  const strict = options.strict === true;
  const failures = report.results.filter(
    (r) => r.status === 'fail' || (strict && r.status === 'warn'),
  ).length;
  const skipped = report.results.filter((r) => r.status === 'skip' || r.status === 'not-applicable').length;
  const name = `portcullis-conformance ${report.suite} ${report.spec} ${report.target}`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="portcullis-conformance" tests="${report.results.length}" failures="${failures}" errors="0" skipped="${skipped}">`,
    `  <testsuite name="${escapeXml(name)}" tests="${report.results.length}" failures="${failures}" errors="0" skipped="${skipped}" time="0">`,
    ...report.results.map((r) => testcase(r, report.suite, strict)),
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
