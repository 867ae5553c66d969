import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConformanceError } from '../../src/errors.js';
import { findWorkspaceRoot, scanTests, WORKSPACE_MARKER } from '../../src/scan/scan-tests.js';
import { TAGGED_REPO, UNTAGGED_REPO } from '../fixtures/fake-repos.js';
import { REPO_ROOT } from '../helpers/checklist.js';
import { writeTree } from '../helpers/temp-tree.js';

describe('scanTests on a fake repository', () => {
  it('reads the test files only, skipping dependencies, build output and this package’s fixtures', () => {
    const root = writeTree(TAGGED_REPO);
    expect(scanTests({ root }).files).toEqual([
      'packages/client/test/discovery.spec.ts',
      'packages/client/test/ordering.test.mjs',
      'packages/rs/test/audience.test.ts',
    ]);
  });

  it('finds every reference with its file and line', () => {
    const root = writeTree(TAGGED_REPO);
    const places = scanTests({ root }).references.map(
      (reference) =>
        `${reference.id} ${reference.file}:${reference.line}${reference.pending ? ' pending' : ''}`,
    );
    expect(places).toEqual([
      'CL-02 packages/client/test/discovery.spec.ts:4',
      'CL-04 packages/client/test/discovery.spec.ts:4',
      'CL-01 packages/client/test/discovery.spec.ts:5',
      'CL-03 packages/client/test/discovery.spec.ts:6',
      'CL-05 packages/client/test/ordering.test.mjs:1',
      'RS-13 packages/rs/test/audience.test.ts:3',
      'RS-13 packages/rs/test/audience.test.ts:4',
      'RS-14 packages/rs/test/audience.test.ts:4',
      'RS-15 packages/rs/test/audience.test.ts:6 pending',
    ]);
  });

  it('flags unknown IDs with their file and line', () => {
    const root = writeTree(TAGGED_REPO);
    expect(scanTests({ root }).unknown).toEqual([
      {
        id: 'CL-98',
        file: 'packages/client/test/discovery.spec.ts',
        line: 8,
        kind: 'verifies',
        title: 'has a typo',
      },
      {
        id: 'RS-99',
        file: 'packages/rs/test/audience.test.ts',
        line: 5,
        kind: 'tag',
        title: '[RS-99] has a typo in its tag',
      },
    ]);
  });

  it('returns no references for untagged tests', () => {
    const root = writeTree(UNTAGGED_REPO);
    expect(scanTests({ root })).toEqual({
      root,
      files: ['packages/a/test/a.test.ts'],
      references: [],
      unknown: [],
    });
  });

  it('throws ERR_PORTCULLIS_SCAN_ROOT_NOT_FOUND for a missing root', () => {
    const root = `${writeTree({})}/missing`;
    expect(() => scanTests({ root })).toThrowError(
      new ConformanceError('ERR_PORTCULLIS_SCAN_ROOT_NOT_FOUND', `scan root "${root}" is not a directory`),
    );
    expect(() => scanTests({ root })).toThrowError(
      expect.objectContaining({ code: 'ERR_PORTCULLIS_SCAN_ROOT_NOT_FOUND' }),
    );
  });
});

describe('scanTests on this repository', () => {
  it('finds no unknown requirement ID in any test title (CI catches tag typos here)', () => {
    const scan = scanTests({ root: REPO_ROOT });
    expect(scan.files.length).toBeGreaterThan(0);
    expect(scan.files).toContain('packages/conformance/test/scan/scan-tests.test.ts');
    expect(scan.unknown).toEqual([]);
  });
});

describe('findWorkspaceRoot', () => {
  it('returns the folder itself when it holds pnpm-workspace.yaml', () => {
    const root = writeTree({ [WORKSPACE_MARKER]: '' });
    expect(findWorkspaceRoot(root)).toBe(root);
  });

  it('walks up from a nested folder, stopping at the nearest marker', () => {
    const root = writeTree({
      [WORKSPACE_MARKER]: '',
      'inner/pnpm-workspace.yaml': '',
      'inner/a/b/file.txt': '',
    });
    expect(findWorkspaceRoot(join(root, 'inner', 'a', 'b'))).toBe(join(root, 'inner'));
    expect(findWorkspaceRoot(join(root, 'other-missing-folder'))).toBe(root);
  });

  it('finds this repository from the package folder', () => {
    expect(findWorkspaceRoot(join(REPO_ROOT, 'packages', 'conformance'))).toBe(REPO_ROOT);
  });

  it('throws ERR_PORTCULLIS_WORKSPACE_NOT_FOUND when no folder up to the file-system root has the marker', () => {
    let error: unknown;
    try {
      findWorkspaceRoot('/');
    } catch (caught) {
      error = caught;
    }
    expect(existsSync('/pnpm-workspace.yaml'), 'precondition: no workspace marker at /').toBe(false);
    expect(error).toBeInstanceOf(ConformanceError);
    expect(error).toMatchObject({
      code: 'ERR_PORTCULLIS_WORKSPACE_NOT_FOUND',
      message: 'no pnpm-workspace.yaml in "/" or any folder above it; pass --root <dir>',
    });
  });
});
