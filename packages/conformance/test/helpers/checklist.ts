import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findWorkspaceRoot } from '../../src/scan/scan-tests.js';

/** The repository root of this checkout. */
export const REPO_ROOT = findWorkspaceRoot(dirname(fileURLToPath(import.meta.url)));

/** Where the requirements checklist lives on dev machines and in CI: next to the repository. */
export const CHECKLIST_PATH = join(REPO_ROOT, '..', 'shared', 'reference', 'spec-checklist.md');

/** One row of the checklist's requirement tables, with bold markers removed as in REQUIREMENTS. */
export interface ChecklistRow {
  readonly id: string;
  readonly role: string;
  readonly level: string;
  readonly requirement: string;
  readonly source: string;
  readonly blackBoxTest: string;
}

/** Read the checklist's requirement rows, or `undefined` when the file is absent. */
export function readChecklist(path: string = CHECKLIST_PATH): ChecklistRow[] | undefined {
  if (!existsSync(path)) return undefined;
  return parseChecklist(readFileSync(path, 'utf8'));
}

/**
 * Parse the requirement rows (`| RS-01 | RS | MUST | … |`) of the checklist's markdown tables. Cells are split on
 * ` | `; the tables escape no pipes.
 */
export function parseChecklist(markdown: string): ChecklistRow[] {
  const rows: ChecklistRow[] = [];
  for (const line of markdown.split('\n')) {
    if (!/^\| (?:RS|AS|CL|PX)-\d{2} \| /.test(line)) continue;
    const cells = line
      .replace(/^\| /, '')
      .replace(/ \|$/, '')
      .split(' | ')
      .map((cell) => cell.replaceAll('**', '').trim());
    const [id = '', role = '', level = '', requirement = '', source = '', blackBoxTest = ''] = cells;
    if (cells.length !== 6) throw new Error(`checklist row ${id} has ${cells.length} cells, expected 6`);
    rows.push({ id, role, level, requirement, source, blackBoxTest });
  }
  return rows;
}
