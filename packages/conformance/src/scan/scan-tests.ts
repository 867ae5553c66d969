import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { ConformanceError } from '../errors.js';
import { type RequirementReference, scanSource, type UnknownRequirementReference } from './scan-source.js';

/** Folder names the scan never enters, wherever they are. */
export const SKIPPED_DIRECTORIES: readonly string[] = [
  'node_modules',
  'dist',
  '.cache',
  '.git',
  '.turbo',
  'coverage',
  'test-results',
  'playwright-report',
];

/**
 * Paths (relative to the scan root) the scan never enters: the fake repositories this package's own tests use,
 * whose tags are data, not claims.
 */
export const SKIPPED_PATHS: readonly string[] = ['packages/conformance/test/fixtures'];

/** File names the scan reads. */
export const TEST_FILE_PATTERN = /\.(?:test|spec)\.(?:ts|mts|js|mjs)$/;

/** Options of {@link scanTests}. */
export interface ScanOptions {
  /** The folder to scan, usually the repository root. */
  readonly root: string;
}

/** The result of {@link scanTests}. */
export interface TestScan {
  /** The absolute scan root. */
  readonly root: string;
  /** Every test file read, relative to the root, sorted. */
  readonly files: string[];
  /** Every reference to a requirement of the table, by file then line. */
  readonly references: RequirementReference[];
  /** Every ID of requirement shape that is not in the table: these are errors. */
  readonly unknown: UnknownRequirementReference[];
}

/**
 * Walk `root` and collect the requirement references of every test file (`*.test.ts`, `*.spec.ts`,
 * `*.test.js`, `*.spec.js`, `*.test.mjs`; also `.mts` and `*.spec.mjs`). Skips {@link SKIPPED_DIRECTORIES}
 * and {@link SKIPPED_PATHS}; does not follow symbolic links. See `scanSource` for the grammar.
 *
 * @throws {ConformanceError} `ERR_PORTCULLIS_SCAN_ROOT_NOT_FOUND` when `root` is not a directory.
 */
export function scanTests(options: ScanOptions): TestScan {
  const root = resolve(options.root);
  if (!isDirectory(root)) {
    throw new ConformanceError(
      'ERR_PORTCULLIS_SCAN_ROOT_NOT_FOUND',
      `scan root ${JSON.stringify(root)} is not a directory`,
    );
  }
  const files = listTestFiles(root, root).sort();
  const references: RequirementReference[] = [];
  const unknown: UnknownRequirementReference[] = [];
  for (const file of files) {
    const result = scanSource(readFileSync(join(root, file), 'utf8'), file);
    references.push(...result.references);
    unknown.push(...result.unknown);
  }
  const byPlace = (a: { file: string; line: number }, b: { file: string; line: number }): number =>
    a.file === b.file ? a.line - b.line : a.file < b.file ? -1 : 1;
  return { root, files, references: references.sort(byPlace), unknown: unknown.sort(byPlace) };
}

function listTestFiles(root: string, dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    const rel = relative(root, path).split(sep).join('/');
    if (entry.isDirectory()) {
      if (!SKIPPED_DIRECTORIES.includes(entry.name) && !SKIPPED_PATHS.includes(rel)) {
        found.push(...listTestFiles(root, path));
      }
    } else if (entry.isFile() && TEST_FILE_PATTERN.test(entry.name)) {
      found.push(rel);
    }
  }
  return found;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** The file that marks the root of the pnpm workspace. */
export const WORKSPACE_MARKER = 'pnpm-workspace.yaml';

/**
 * Find the repository root: the nearest folder at or above `from` that contains `pnpm-workspace.yaml`.
 * Package scripts run in the package folder (turbo does so), so the CLI walks up from there.
 *
 * @throws {ConformanceError} `ERR_PORTCULLIS_WORKSPACE_NOT_FOUND` when no folder up to the file-system root has
 *   the marker.
 */
export function findWorkspaceRoot(from: string): string {
  const start = resolve(from);
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, WORKSPACE_MARKER))) return dir;
    if (dirname(dir) === dir) break;
  }
  throw new ConformanceError(
    'ERR_PORTCULLIS_WORKSPACE_NOT_FOUND',
    `no ${WORKSPACE_MARKER} in ${JSON.stringify(start)} or any folder above it; pass --root <dir>`,
  );
}
