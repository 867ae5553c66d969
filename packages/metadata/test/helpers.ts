import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { expect } from 'vitest';
import { isMetadataError, type MetadataErrorCode } from '../src/index.js';

export const FIXTURES = join(import.meta.dirname, 'fixtures');

/** Read a fixture as parsed JSON. */
export function fixture(path: string): unknown {
  return JSON.parse(readFileSync(join(FIXTURES, path), 'utf8'));
}

/** Every `*.json` file under `dir` (relative to the fixtures folder), sorted. */
export function fixtureFiles(dir = ''): string[] {
  const root = join(FIXTURES, dir);
  const out: string[] = [];
  for (const entry of readdirSync(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile() && entry.name.endsWith('.json')) {
      out.push(relative(FIXTURES, join(entry.parentPath, entry.name)));
    }
  }
  return out.sort();
}

/** Run `fn`, assert it throws this package's error with `code`, and return the error. */
export function expectCode(fn: () => unknown, code: MetadataErrorCode): Error {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(isMetadataError(thrown), `expected a metadata error, got ${String(thrown)}`).toBe(true);
  expect((thrown as { code: string }).code).toBe(code);
  return thrown as Error;
}

/** A deep copy of a fixture with `patch` applied (`undefined` deletes a member). */
export function patched(path: string, patch: Record<string, unknown>): Record<string, unknown> {
  const doc = structuredClone(fixture(path)) as Record<string, unknown>;
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete doc[key];
    else doc[key] = value;
  }
  return doc;
}
