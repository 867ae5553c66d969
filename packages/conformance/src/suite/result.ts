import type { RequirementId } from '../requirements/ids.js';
import { requirementById } from '../requirements/index.js';
import type { McpProtocolVersion, RequirementKeyword } from '../requirements/types.js';

/**
 * The outcome of one check: `pass`; `fail` (a MUST / MUST NOT is violated); `warn` (a SHOULD, RECOMMENDED or MAY
 * is not met); `skip` (the check could not run, e.g. no token source); `not-applicable` (the requirement is not
 * part of the chosen spec version, or the target's role).
 */
export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skip' | 'not-applicable';

/** The result of one check against one requirement. */
export interface CheckResult {
  /** Stable key of the check, `<ID>/<slug>`, e.g. `RS-13/other-audience`; the baseline file lists these. */
  readonly key: string;
  readonly id: RequirementId;
  /** What the check verifies, one line. */
  readonly title: string;
  /** The requirement level this check enforces (the table's keyword unless the check narrows it). */
  readonly level: RequirementKeyword;
  /** The spec sections and RFCs of the requirement. */
  readonly section: string;
  readonly status: CheckStatus;
  readonly expected: string;
  readonly observed: string;
  /** How to fix a failure or warning; empty when passed. */
  readonly hint: string;
}

/** What a check's probe found: either an observation to judge, or a reason it could not run. */
export type Outcome =
  | { readonly ok: boolean; readonly observed: string; readonly level?: RequirementKeyword }
  | { readonly skip: string };

/** One check of a suite. */
export interface Check<Context> {
  readonly key: string;
  readonly id: RequirementId;
  readonly title: string;
  readonly expected: string;
  readonly hint: string;
  /** The level this check enforces when it differs from the table's keyword (e.g. a MUST that applies once DCR is offered). */
  readonly level?: RequirementKeyword;
  /** Only for gateways (PX- rows and checks that need `--gateway`). */
  readonly gatewayOnly?: boolean;
  run(context: Context): Promise<Outcome>;
}

const MANDATORY: ReadonlySet<RequirementKeyword> = new Set(['MUST', 'MUST NOT']);

/** Build a result from a check and its outcome; the status follows the level (a missed SHOULD is a warning). */
export function judge<C>(check: Check<C>, outcome: Outcome): CheckResult {
  const row = requirementById(check.id);
  const base = {
    key: check.key,
    id: check.id,
    title: check.title,
    section: row.source,
    expected: check.expected,
  };
  if ('skip' in outcome) {
    return { ...base, level: check.level ?? row.keyword, status: 'skip', observed: outcome.skip, hint: '' };
  }
  const level = outcome.level ?? check.level ?? row.keyword;
  if (outcome.ok) return { ...base, level, status: 'pass', observed: outcome.observed, hint: '' };
  return {
    ...base,
    level,
    status: MANDATORY.has(level) ? 'fail' : 'warn',
    observed: outcome.observed,
    hint: check.hint,
  };
}

/** The result of a check that does not apply, with the reason. */
export function notApplicable<C>(check: Check<C>, reason: string): CheckResult {
  const row = requirementById(check.id);
  return {
    key: check.key,
    id: check.id,
    title: check.title,
    level: check.level ?? row.keyword,
    section: row.source,
    status: 'not-applicable',
    expected: check.expected,
    observed: reason,
    hint: '',
  };
}

/** `true` when the requirement of `id` is part of `spec`. */
export function appliesTo(id: RequirementId, spec: McpProtocolVersion): boolean {
  return requirementById(id).versions.includes(spec);
}

/** A whole suite run: what was checked, against which spec, and every result in order. */
export interface SuiteReport {
  readonly suite: 'server' | 'client';
  readonly target: string;
  readonly spec: McpProtocolVersion;
  readonly results: readonly CheckResult[];
  readonly summary: Readonly<Record<CheckStatus, number>>;
}

/** Count the results by status. */
export function summarize(results: readonly CheckResult[]): Record<CheckStatus, number> {
  const summary: Record<CheckStatus, number> = { pass: 0, fail: 0, warn: 0, skip: 0, 'not-applicable': 0 };
  for (const result of results) summary[result.status] += 1;
  return summary;
}
