import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditStore } from '../../../electron/core/compliance/audit-store';
import { builtInPolicies } from '../../../electron/core/compliance/policy-loader';
import type { AuditRun } from '../../../electron/core/compliance/runner';
import type { CheckStatus, Policy } from '../../../electron/core/compliance/types';
import { MAX_ATTACHMENT_BYTES, sha256Hex, WorkflowStore } from '../../../electron/core/compliance/workflow-store';
import { effectiveResults, probeResultsOf } from '../../../electron/core/reports/model';
import { openDatabase } from '../../../electron/core/store/db';

const T0 = 1_700_000_000_000;
const DAY = 24 * 60 * 60 * 1000;

function policy(): Policy {
  const loaded = builtInPolicies().find((l) => l.policy?.id === 'gpu-node-baseline')!.policy!;
  return { ...loaded, checks: loaded.checks.slice(0, 2) };
}

/** A run of two checks over three nodes: the first check fails everywhere, the second passes. */
function run(p: Policy): AuditRun {
  const [failing, passing] = p.checks;
  const result = (nodeId: string, checkId: string, status: CheckStatus) => ({
    nodeId,
    checkId,
    status,
    detail: `${status} on ${nodeId}`,
    evidence: [],
    hostKey: null,
    evidenceSha256: 'e'.repeat(64),
  });
  const nodes = ['gpu-01', 'gpu-02', 'cpu-01'].map((nodeId) => ({
    nodeId,
    audited: true,
    error: null,
    hostKey: null,
    batches: 1,
    results: [result(nodeId, failing!.id, 'fail'), result(nodeId, passing!.id, 'pass')],
  }));
  const score = { pass: 3, fail: 3, error: 0, notApplicable: 0, manual: 0, score: 0.5 };
  return {
    runId: null,
    startedAt: T0,
    endedAt: T0 + 1000,
    policy: p,
    nodes,
    scores: { policy: score, nodes: {}, frameworks: { cis: score, nist: score, ssg: score } },
  };
}

describe('workflow store', () => {
  let dir: string;
  let db: Database;
  let store: WorkflowStore;
  let audits: AuditStore;
  let p: Policy;
  let runId: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'workflow-'));
    db = openDatabase(join(dir, 'clusterdeck.db'));
    store = new WorkflowStore(db);
    audits = new AuditStore(db);
    p = policy();
    runId = audits.saveRun(run(p));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const groups = (nodeId: string) => (nodeId.startsWith('gpu-') ? ['gpu'] : ['cpu']);
  const effectiveAt = (nowMs: number) =>
    Object.fromEntries(
      effectiveResults(probeResultsOf(audits.getRun(runId)!), store.attestations(), store.waivers(nowMs), groups, nowMs)
        .filter((r) => r.checkId === p.checks[0]!.id)
        .map((r) => [r.nodeId, r.effective]),
    );

  it("keeps the run's checks as its policy snapshot when the run is saved", () => {
    const snapshot = store.policySnapshot(runId)!;
    expect(snapshot.map((c) => c.id)).toEqual(p.checks.map((c) => c.id));
    expect(snapshot[0]).toMatchObject({ title: p.checks[0]!.title, remediation: p.checks[0]!.remediation, manual: false });
    expect(store.policySnapshot(runId + 1)).toBeNull();
  });

  it('waives a failure for a node, a group or the fleet: waived, never pass', () => {
    const checkId = p.checks[0]!.id;
    const base = { checkId, justification: 'vendor image, fixed in Q3', approver: 'ciso', expiresAtMs: T0 + 30 * DAY };
    expect(effectiveAt(T0 + 2)).toEqual({ 'gpu-01': 'fail', 'gpu-02': 'fail', 'cpu-01': 'fail' });

    store.waive({ ...base, scope: { kind: 'node', nodeId: 'gpu-01' } }, 'ann', T0 + 1);
    expect(effectiveAt(T0 + 2)).toEqual({ 'gpu-01': 'waived', 'gpu-02': 'fail', 'cpu-01': 'fail' });

    store.waive({ ...base, scope: { kind: 'group', group: 'gpu' } }, 'ann', T0 + 1);
    expect(effectiveAt(T0 + 2)).toEqual({ 'gpu-01': 'waived', 'gpu-02': 'waived', 'cpu-01': 'fail' });

    const fleet = store.waive({ ...base, scope: { kind: 'fleet' } }, 'ann', T0 + 1);
    expect(effectiveAt(T0 + 2)).toEqual({ 'gpu-01': 'waived', 'gpu-02': 'waived', 'cpu-01': 'waived' });
    expect(fleet).toMatchObject({ scope: { kind: 'fleet' }, approver: 'ciso', by: 'ann', active: true, revokedAtMs: null });
    // A waiver covers only its check: the passing check stays pass.
    const other = effectiveResults(probeResultsOf(audits.getRun(runId)!), [], store.waivers(T0 + 2), groups, T0 + 2).filter(
      (r) => r.checkId === p.checks[1]!.id,
    );
    expect(other.map((r) => r.effective)).toEqual(['pass', 'pass', 'pass']);
  });

  it('brings the failure back once the waiver expires', () => {
    store.waive({ checkId: p.checks[0]!.id, scope: { kind: 'fleet' }, justification: 'short', approver: 'ciso', expiresAtMs: T0 + DAY }, 'ann', T0);
    expect(effectiveAt(T0 + DAY - 1)['gpu-01']).toBe('waived');
    expect(effectiveAt(T0 + DAY)['gpu-01']).toBe('fail');
    expect(store.waivers(T0 + DAY)[0]!.active).toBe(false);
  });

  it('revokes a waiver: the failure is back from then on, and revoking again changes nothing', () => {
    const waiver = store.waive(
      { checkId: p.checks[0]!.id, scope: { kind: 'node', nodeId: 'cpu-01' }, justification: 'j', approver: 'ciso', expiresAtMs: T0 + DAY },
      'ann',
      T0,
    );
    const revoked = store.revokeWaiver(waiver.id, T0 + 100);
    expect(revoked).toMatchObject({ id: waiver.id, revokedAtMs: T0 + 100, active: false });
    expect(effectiveAt(T0 + 99)['cpu-01']).toBe('waived');
    expect(effectiveAt(T0 + 100)['cpu-01']).toBe('fail');
    expect(store.revokeWaiver(waiver.id, T0 + 500).revokedAtMs).toBe(T0 + 100);
    expect(() => store.revokeWaiver(waiver.id + 99, T0)).toThrow(/no waiver/);
  });

  it('refuses a waiver without approver or justification, expiring in the past, or lasting over five years', () => {
    const input = { checkId: 'c', scope: { kind: 'fleet' as const }, justification: 'j', approver: 'ciso', expiresAtMs: T0 + DAY };
    expect(() => store.waive({ ...input, approver: '  ' }, 'ann', T0)).toThrow(/approver/);
    expect(() => store.waive({ ...input, justification: '' }, 'ann', T0)).toThrow(/justification/);
    expect(() => store.waive({ ...input, expiresAtMs: T0 }, 'ann', T0)).toThrow(/future/);
    expect(() => store.waive({ ...input, expiresAtMs: T0 + 6 * 366 * DAY }, 'ann', T0)).toThrow(/five years/);
    expect(store.waivers(T0)).toEqual([]);
  });

  it('keeps attachments once by SHA-256, however many attestations carry them', () => {
    const photo = new TextEncoder().encode('BMC firmware 2.14, signed');
    const log = new TextEncoder().encode('ipmitool mc info');
    const first = store.attest(
      {
        runId,
        nodeId: 'gpu-01',
        checkId: 'manual',
        status: 'pass',
        note: 'checked',
        attachments: [
          { name: 'bmc.txt', content: photo },
          { name: 'mc.txt', content: log },
        ],
      },
      'ann',
      T0,
    );
    const second = store.attest(
      { runId: null, nodeId: 'gpu-02', checkId: 'manual', status: 'not-applicable', note: 'no BMC', attachments: [{ name: 'same.txt', content: photo }] },
      'bob',
      T0 + 1,
    );
    expect(first.attachments).toEqual([
      { name: 'bmc.txt', sha256: sha256Hex(photo), bytes: photo.byteLength },
      { name: 'mc.txt', sha256: sha256Hex(log), bytes: log.byteLength },
    ]);
    expect(second.attachments[0]!.sha256).toBe(first.attachments[0]!.sha256);
    expect(db.prepare('SELECT count(*) AS n FROM attachments').get()).toEqual({ n: 2 });
    expect(new TextDecoder().decode(store.attachment(sha256Hex(photo))!)).toBe('BMC firmware 2.14, signed');
    expect(store.attestations().map((a) => [a.nodeId, a.status, a.by, a.runId])).toEqual([
      ['gpu-01', 'pass', 'ann', runId],
      ['gpu-02', 'not-applicable', 'bob', null],
    ]);
    expect(store.attestations(['gpu-02']).length).toBe(1);
  });

  it('refuses an attachment over the bound, and stores nothing of that attestation', () => {
    const big = new Uint8Array(MAX_ATTACHMENT_BYTES + 1);
    const small = new Uint8Array([1, 2, 3]);
    expect(() =>
      store.attest(
        {
          runId,
          nodeId: 'gpu-01',
          checkId: 'manual',
          status: 'pass',
          note: '',
          attachments: [
            { name: 'ok', content: small },
            { name: 'big', content: big },
          ],
        },
        'ann',
        T0,
      ),
    ).toThrow(/over/);
    expect(db.prepare('SELECT count(*) AS n FROM attachments').get()).toEqual({ n: 0 });
    expect(store.attestations()).toEqual([]);
  });

  it('runs the record callback in the same transaction: a failing record undoes the action', () => {
    expect(() =>
      store.waive({ checkId: 'c', scope: { kind: 'fleet' }, justification: 'j', approver: 'ciso', expiresAtMs: T0 + DAY }, 'ann', T0, () => {
        throw new Error('log is full');
      }),
    ).toThrow('log is full');
    expect(store.waivers(T0)).toEqual([]);
  });
});
