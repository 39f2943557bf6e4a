// The built-in gpu-node-baseline over the audit lab's hardened and weak hosts (test/helpers/
// audit-lab.ts): real sshd, the real SshHost with the compliance exec policy, the real runner.
// Every check's verdict on each host must be the one test/fixtures/compliance/expected-verdicts.json
// gives (a mismatch names the check, both verdicts, the detail and an evidence excerpt), every
// built-in check must have one there, and a node's whole audit takes a few round trips.
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit, type AuditRun } from '../../electron/core/compliance/runner';
import type { CheckStatus, Policy } from '../../electron/core/compliance/types';
import type { SshPool } from '../../electron/core/hosts/ssh/ssh-pool';
import { AUDIT_HOSTS, type AuditHostName, INVENTORY_GPU_COUNT, auditNodes, builtInBaseline, createAuditLab } from '../helpers/audit-lab';
import { fixturePath } from '../helpers/fixtures';
import type { SshLab } from '../helpers/ssh-lab';

interface Expected {
  hardened: CheckStatus;
  weak: CheckStatus;
  reason?: string;
}

const EXPECTED_FILE = fixturePath('compliance', 'expected-verdicts.json');
const expected = (JSON.parse(readFileSync(EXPECTED_FILE, 'utf8')) as { checks: Record<string, Expected> }).checks;

/** Round trips (exec requests over the node's connection) one node's whole audit may take. */
const MAX_ROUND_TRIPS = 4;

let lab: SshLab;
let pool: SshPool;
let policy: Policy;
let run: AuditRun;
let calls: Map<string, number>;

beforeAll(async () => {
  policy = builtInBaseline();
  lab = await createAuditLab();
  const connected = auditNodes(lab);
  pool = connected.pool;
  calls = connected.batches;
  run = await runAudit({ policy, nodes: connected.nodes, inventoryGpuCount: (nodeId) => INVENTORY_GPU_COUNT[nodeId as AuditHostName] ?? null });
}, 300_000);

afterAll(async () => {
  pool?.closeAll();
  await lab?.dispose();
});

describe('gpu-node-baseline over the hardened and weak lab hosts (real SSH)', () => {
  it('has an expected verdict on each host for every built-in check, and none for a check that is gone', () => {
    const ids = policy.checks.map((c) => c.id);
    expect(ids.filter((id) => !(id in expected))).toEqual([]);
    expect(Object.keys(expected).filter((id) => !ids.includes(id))).toEqual([]);
    for (const [id, e] of Object.entries(expected)) {
      for (const name of AUDIT_HOSTS) expect(['pass', 'fail', 'error', 'not-applicable', 'manual'], `${id} ${name}`).toContain(e[name]);
    }
  });

  it('gives every check the expected verdict on each host', () => {
    const mismatches: string[] = [];
    for (const name of AUDIT_HOSTS) {
      const node = run.nodes.find((n) => n.nodeId === name)!;
      expect(node.audited, `${name}: ${node.error}`).toBe(true);
      for (const check of policy.checks) {
        const want = expected[check.id]?.[name as AuditHostName];
        const got = node.results.find((r) => r.checkId === check.id);
        if (!got) {
          mismatches.push(`${check.id} on ${name}: no result`);
          continue;
        }
        if (got.status !== want) {
          const evidence = got.evidence
            .map((e) => `${e.source}${e.problem ? ` [${e.problem}]` : ''}: ${e.excerpt.replace(/\s+/g, ' ').slice(0, 160)}`)
            .join(' | ');
          mismatches.push(`${check.id} on ${name}: expected ${want}, got ${got.status} — ${got.detail.slice(0, 200)} — evidence: ${evidence.slice(0, 400)}`);
        }
      }
    }
    expect(mismatches, mismatches.join('\n')).toEqual([]);
  });

  it('keeps evidence for every verdict: the node host key, and a hash over it', () => {
    for (const name of AUDIT_HOSTS) {
      const node = run.nodes.find((n) => n.nodeId === name)!;
      for (const result of node.results) {
        expect(result.hostKey, `${result.checkId} on ${name}`).toBe(lab.host(name).hostKeyFingerprintSha256);
        expect(result.evidenceSha256, `${result.checkId} on ${name}`).toMatch(/^[0-9a-f]{64}$/);
        if (result.status !== 'manual' && result.status !== 'not-applicable') expect(result.evidence.length, `${result.checkId} on ${name}`).toBeGreaterThan(0);
      }
    }
  });

  it('reads each node in a few round trips over its one connection, not one per check', () => {
    for (const name of AUDIT_HOSTS) {
      const node = run.nodes.find((n) => n.nodeId === name)!;
      const made = calls.get(name) ?? 0;
      process.stdout.write(`[audit-verdicts] ${name}: ${policy.checks.length} checks in ${made} round trips (runner counted ${node.batches} batches)\n`);
      expect(made, `${name}: exec requests`).toBeGreaterThan(0);
      expect(made, `${name}: exec requests`).toBeLessThanOrEqual(MAX_ROUND_TRIPS);
      expect(node.batches).toBe(made);
    }
  });
});
