// Approval of custom command probes and stored runs with drift, over a real SQLite file.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { approvalState, approvePolicy, customCommandAccess } from '../../../electron/core/compliance/approval';
import { AuditStore } from '../../../electron/core/compliance/audit-store';
import { COMPLIANCE_ACCESS } from '../../../electron/core/compliance/command-specs';
import { computeDrift } from '../../../electron/core/compliance/drift';
import { loadPolicy, parsePolicy } from '../../../electron/core/compliance/policy-loader';
import { runAudit } from '../../../electron/core/compliance/runner';
import { ExecPolicy } from '../../../electron/core/hosts/exec-policy';
import { LocalHost } from '../../../electron/core/hosts/local';
import { openDatabase } from '../../../electron/core/store/db';

const policyText = (expected: string) => `id: custom-test
title: Custom
version: "1"
description: d
commands:
  - { id: custom.echo, description: prints a word, program: /bin/echo, args: [${expected}] }
checks:
  - id: cus-001
    title: echo says hello
    description: d
    rationale: r
    remediation: x
    severity: low
    references: {}
    rule: { command: { id: custom.echo, exit_code: 0, matches: "(?m)^hello$" } }
  - id: cus-002
    title: passwd mode
    description: d
    rationale: r
    remediation: x
    severity: high
    references: { cis: ["6.1.1"] }
    rule: { file: { path: /etc/passwd, mode_max: 0o644 } }
`;

function setup() {
  const dir = mkdtempSync(join(tmpdir(), 'audit-'));
  const db = openDatabase(join(dir, 'audit.db'));
  return { dir, db, store: new AuditStore(db) };
}

describe('custom command approval', () => {
  it('runs a custom command only in the approved file; a changed file is refused until approved again', async () => {
    const { dir, store } = setup();
    const file = join(dir, 'custom.yaml');
    writeFileSync(file, policyText('hello'));
    const first = loadPolicy(file).policy!;
    expect(approvalState(first, store)).toEqual(expect.objectContaining({ kind: 'needs-approval', changed: false }));
    const audit = async () => {
      const policy = loadPolicy(file).policy!;
      const state = approvalState(policy, store);
      const host = new LocalHost(ExecPolicy.of(COMPLIANCE_ACCESS, customCommandAccess(policy, state)), 'here');
      return runAudit({ policy, nodes: [{ nodeId: 'here', host, hostKey: null }], approvals: store });
    };
    const refused = await audit();
    expect(refused.nodes[0]!.results[0]).toEqual(expect.objectContaining({ status: 'error', detail: expect.stringMatching(/custom command not approved/) }));
    expect(refused.nodes[0]!.results[1]!.status).toBe('pass');

    expect(approvePolicy(first, store, 'auditor', 1)).toEqual({ kind: 'approved', sha256: first.sha256 });
    const approved = await audit();
    expect(approved.nodes[0]!.results[0]).toEqual(expect.objectContaining({ status: 'pass' }));
    expect(approved.nodes[0]!.results[0]!.evidence[0]).toEqual(expect.objectContaining({ source: '/bin/echo hello', exitCode: 0, excerpt: 'hello\n' }));

    writeFileSync(file, policyText('goodbye'));
    const changed = loadPolicy(file).policy!;
    expect(approvalState(changed, store)).toEqual(expect.objectContaining({ kind: 'needs-approval', changed: true }));
    expect((await audit()).nodes[0]!.results[0]!.detail).toMatch(/changed since it was approved/);
    approvePolicy(changed, store, 'auditor', 2);
    expect((await audit()).nodes[0]!.results[0]).toEqual(expect.objectContaining({ status: 'fail', detail: expect.stringMatching(/nothing matching/) }));
  });

  it('never lets a built-in policy run a custom command, approved or not', () => {
    const { store } = setup();
    const policy = { ...parsePolicy('/app/policies/x.yaml', policyText('hello')).policy!, builtIn: true };
    store.approve('/app/policies/x.yaml', policy.sha256, 'someone', 1);
    expect(approvalState(policy, store)).toEqual(expect.objectContaining({ kind: 'refused' }));
    expect(customCommandAccess(policy, approvalState(policy, store)).commands).toEqual([]);
  });
});

describe('stored runs and drift', () => {
  it('stores a run with its results and evidence, reads it back, and tells what changed since the previous run', async () => {
    const { dir, store, db } = setup();
    const file = join(dir, 'p.yaml');
    writeFileSync(file, policyText('hello'));
    const policy = loadPolicy(file).policy!;
    const host = new LocalHost(ExecPolicy.of(COMPLIANCE_ACCESS), 'here');
    let t = 100;
    const first = await runAudit({ policy, nodes: [{ nodeId: 'here', host, hostKey: null }], clock: () => (t += 10), save: (run) => store.saveRun(run) });
    expect(first.runId).toBeGreaterThan(0);
    const stored = store.getRun(first.runId!)!;
    expect(stored).toEqual(
      expect.objectContaining({
        policyId: 'custom-test',
        policyVersion: '1',
        policySha256: policy.sha256,
        startedAt: first.startedAt,
        endedAt: first.endedAt,
        scores: first.scores,
      }),
    );
    expect(stored.results.map(({ severity, ...rest }) => [severity, rest])).toEqual([
      ['low', first.nodes[0]!.results[0]],
      ['high', first.nodes[0]!.results[1]],
    ]);

    // A later run where cus-002 fails and cus-001 passes; drift against the stored first run.
    const secondId = store.saveRun({
      ...first,
      startedAt: 1000,
      endedAt: 1001,
      nodes: [
        {
          ...first.nodes[0]!,
          results: [
            { ...first.nodes[0]!.results[0]!, status: 'pass', detail: 'ok' },
            { ...first.nodes[0]!.results[1]!, status: 'fail', detail: '/etc/passwd: mode 0666' },
            { ...first.nodes[0]!.results[1]!, checkId: 'cus-003', status: 'pass' },
          ],
        },
      ],
    });
    const previous = store.previousRun(secondId)!;
    expect(previous.id).toBe(first.runId);
    const drift = computeDrift(previous, store.getRun(secondId)!);
    expect(drift.newlyFailing).toEqual([{ nodeId: 'here', checkId: 'cus-002', before: 'pass', after: 'fail', detail: '/etc/passwd: mode 0666' }]);
    expect(drift.changed).toEqual([expect.objectContaining({ checkId: 'cus-001', before: 'error', after: 'pass' })]);
    expect(drift.added.map((d) => d.checkId)).toEqual(['cus-003']);
    expect(computeDrift(store.getRun(secondId)!, previous)).toEqual(
      expect.objectContaining({
        fixed: [expect.objectContaining({ checkId: 'cus-002', before: 'fail', after: 'pass' })],
        removed: [expect.objectContaining({ checkId: 'cus-003' })],
      }),
    );
    expect(store.listRuns({ policyId: 'custom-test' }).map((r) => r.id)).toEqual([secondId, first.runId]);
    db.close();
  });
});
