import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, USAGE } from '../src/cli.js';
import { REQUIREMENT_IDS } from '../src/requirements/ids.js';
import { PARTLY_TAGGED_REPO, TAGGED_REPO, UNTAGGED_REPO } from './fixtures/fake-repos.js';
import { writeTree } from './helpers/temp-tree.js';

const PACKAGE_DIR = dirname(dirname(fileURLToPath(import.meta.url)));

function run(argv: string[], cwd = PACKAGE_DIR): { code: number; stdout: string; stderr: string } {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, { cwd, stdout: (text) => out.push(text), stderr: (text) => err.push(text) });
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('portcullis-conformance coverage', () => {
  it('prints every requirement ID and the summary, and exits 0', () => {
    const { code, stdout, stderr } = run(['coverage', '--root', writeTree(PARTLY_TAGGED_REPO)]);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    for (const id of REQUIREMENT_IDS) expect(stdout).toMatch(new RegExp(`^${id} `, 'm'));
    expect(stdout).toContain('coverage: 2/100 requirements have tests (MUST/MUST NOT: 2/77)');
  });

  it('exits 1 and names the file and line of unknown IDs', () => {
    const { code, stderr } = run(['coverage', '--root', writeTree(TAGGED_REPO)]);
    expect(code).toBe(1);
    expect(stderr.split('\n')).toEqual([
      'error: unknown requirement ID "CL-98" at packages/client/test/discovery.spec.ts:8',
      'error: unknown requirement ID "RS-99" at packages/rs/test/audience.test.ts:5',
    ]);
  });

  it('exits 1 with --fail-on-missing-must when a MUST or MUST NOT requirement has no test', () => {
    const root = writeTree(PARTLY_TAGGED_REPO);
    const { code, stderr } = run(['coverage', '--root', root, '--fail-on-missing-must']);
    expect(code).toBe(1);
    expect(stderr).toMatch(/^error: 75 MUST\/MUST NOT requirements have no test: RS-06, RS-08, /);
    expect(run(['coverage', '--root', root]).code).toBe(0);
  });

  it('prints the report as JSON with --json', () => {
    const { code, stdout } = run(['coverage', '--json', '--root', writeTree(UNTAGGED_REPO)]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report.requirements).toHaveLength(100);
    expect(report.summary.requirements).toEqual({ covered: 0, total: 100 });
    expect(report.untestedMandatory).toHaveLength(77);
  });

  it('resolves --root against the working folder', () => {
    const root = writeTree(UNTAGGED_REPO);
    expect(run(['coverage', '--root', 'packages/..'], root).stdout).toContain(`under ${root}\n`);
  });

  it('defaults the root to the nearest folder above the working folder with pnpm-workspace.yaml', () => {
    const root = writeTree(PARTLY_TAGGED_REPO);
    const { code, stdout } = run(['coverage'], join(root, 'packages', 'rs', 'test'));
    expect(code).toBe(0);
    expect(stdout).toContain(`scanned 1 test files under ${root}\n`);
  });
});

describe('portcullis-conformance usage errors', () => {
  it.each([
    [[], 'error: missing command'],
    [['report'], 'error: unknown command "report"'],
    [['coverage', '--bogus'], "error: Unknown option '--bogus'"],
    [['coverage', '--root'], "error: Option '--root <value>' argument missing"],
    [['coverage', 'extra'], 'error: Unexpected argument'],
  ])('exits 2 for %j', (argv, message) => {
    const { code, stdout, stderr } = run(argv);
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain(message);
    expect(stderr).toContain(USAGE);
  });

  it('exits 2 when the root does not exist or no workspace is found', () => {
    const missing = join(writeTree({}), 'missing');
    expect(run(['coverage', '--root', missing])).toMatchObject({
      code: 2,
      stderr: `error: scan root "${missing}" is not a directory`,
    });
    const outside = writeTree({ 'a/b.txt': '' });
    const result = run(['coverage'], join(outside, 'a'));
    expect(result.code, 'precondition: no pnpm-workspace.yaml above the temp folder').toBe(2);
    expect(result.stderr).toMatch(
      /^error: no pnpm-workspace\.yaml in .* or any folder above it; pass --root <dir>$/,
    );
  });

  it('prints the usage on stdout for --help and exits 0', () => {
    expect(run(['--help'])).toEqual({ code: 0, stdout: USAGE, stderr: '' });
  });
});

describe('the compiled bin', () => {
  let outDir = '';

  beforeAll(() => {
    // Inside the package's node_modules, so the compiled bin resolves its workspace dependencies.
    outDir = mkdtempSync(join(PACKAGE_DIR, 'node_modules', '.portcullis-conformance-bin-'));
    const tsc = join(PACKAGE_DIR, 'node_modules', 'typescript', 'bin', 'tsc');
    execFileSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir], {
      cwd: PACKAGE_DIR,
    });
  });

  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('starts with a node shebang', () => {
    expect(readFileSync(join(outDir, 'cli.js'), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
  });

  it('runs as a script, prints the table and sets the exit code', () => {
    const ok = spawnSync(
      process.execPath,
      [join(outDir, 'cli.js'), 'coverage', '--root', writeTree(UNTAGGED_REPO)],
      {
        encoding: 'utf8',
      },
    );
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^PX-13 /m);
    expect(ok.stdout).toContain('coverage: 0/100 requirements have tests (MUST/MUST NOT: 0/77)\n');
    const failed = spawnSync(
      process.execPath,
      [join(outDir, 'cli.js'), 'coverage', '--root', writeTree(TAGGED_REPO)],
      {
        encoding: 'utf8',
      },
    );
    expect(failed.status).toBe(1);
    const usage = spawnSync(process.execPath, [join(outDir, 'cli.js')], { encoding: 'utf8' });
    expect(usage.status).toBe(2);
  });
});
