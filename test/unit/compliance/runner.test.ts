// The runner over the real LocalHost and this machine's real files: a tiny policy, its verdicts
// checked against what the files say, and the number of Host.batch round trips counted.
import { readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPLIANCE_ACCESS } from '../../../electron/core/compliance/command-specs';
import { parsePolicy } from '../../../electron/core/compliance/policy-loader';
import { runAudit } from '../../../electron/core/compliance/runner';
import type { Policy } from '../../../electron/core/compliance/types';
import { ExecPolicy } from '../../../electron/core/hosts/exec-policy';
import { privilegedResult, type BatchOp, type BatchOptions, type BatchResults, type ExecResult, type Host } from '../../../electron/core/hosts/host';
import { LocalHost } from '../../../electron/core/hosts/local';
import { SshConnection } from '../../../electron/core/hosts/ssh/ssh-connection';
import { SshHost } from '../../../electron/core/hosts/ssh/ssh-host';

const POLICY = `id: local-test
title: Local test
version: "1"
description: A few checks over this machine's real files.
checks:
${[
  ['loc-001', '{ file: { path: /etc/passwd, mode_max: 0o644, owner: root } }'],
  ['loc-002', '{ sysctl: { key: kernel.randomize_va_space, equals: 2 } }'],
  ['loc-003', '{ login_defs: { key: PASS_MAX_DAYS, max: 365 } }'],
  ['loc-004', '{ file: { path: /etc/shadow, mode_max: 0o600 } }'],
  ['loc-005', '{ accounts: { uid0_only: [root] } }'],
  ['loc-006', '{ all: [ { file: { path: /etc/passwd, owner: root } }, { file: { path: /etc/group, mode_max: 0o644 } } ] }'],
  ['loc-007', '{ accounts: { no_empty_passwords: true } }'],
  ['loc-008', 'manual'],
]
  .map(
    ([id, rule]) => `  - id: ${id}
    title: ${id}
    description: d
    rationale: r
    remediation: x
    severity: medium
    references: { cis: ["1.1"], ssg: [xccdf_org.ssgproject.content_rule_${id!.replace('-', '_')}] }
    rule: ${rule}
`,
  )
  .join('')}`;

function policy(): Policy {
  const { policy, errors } = parsePolicy('/test/local.yaml', POLICY);
  expect(errors).toEqual([]);
  return policy!;
}

/** Delegates to a real Host, recording every batch (one round trip each over SSH). */
function counted(host: Host): { host: Host; calls: BatchOp[][] } {
  const calls: BatchOp[][] = [];
  const wrapped: Host = {
    id: host.id,
    kind: host.kind,
    exec: (p, a, o) => host.exec(p, a, o),
    readFile: (p, o) => host.readFile(p, o),
    read: (p, o) => host.read(p, o),
    stat: (p) => host.stat(p),
    batch<const Ops extends readonly BatchOp[]>(ops: Ops, options?: BatchOptions): Promise<BatchResults<Ops>> {
      calls.push([...ops]);
      return host.batch(ops, options);
    },
  };
  return { host: wrapped, calls };
}

/**
 * This machine seen by a login user who may not read root's files and has no sudo rights: reads
 * of files that are not world-readable are denied, and sudo answers as it does without rights.
 * (The tests run as root, and no such account can be switched to inside a test.)
 */
function unprivileged(host: Host): Host {
  const refused = (): ExecResult =>
    privilegedResult({ exitCode: 1, stdout: '', stderr: 'sudo: a password is required\n', notFound: false, timedOut: false, truncated: false, durationMs: 1 });
  return {
    ...counted(host).host,
    async batch<const Ops extends readonly BatchOp[]>(ops: Ops, options?: BatchOptions): Promise<BatchResults<Ops>> {
      const results = (await host.batch(ops, options)) as unknown[];
      return ops.map((op, i) => {
        if (op.kind === 'exec' && op.sudo) return refused();
        if (op.kind === 'read' && (statSync(op.path, { throwIfNoEntry: false })?.mode ?? 0o4) % 8 < 4) return { kind: 'denied' };
        return results[i];
      }) as BatchResults<Ops>;
    },
  };
}

const local = () => new LocalHost(ExecPolicy.of(COMPLIANCE_ACCESS), 'here');

describe('runAudit over the real LocalHost', () => {
  it("reads a node's whole audit in a few batches, not one per check, with verdicts as the files say", async () => {
    const { host, calls } = counted(local());
    let t = 1000;
    const run = await runAudit({ policy: policy(), nodes: [{ nodeId: 'here', host, hostKey: null }], clock: () => (t += 1) });
    const node = run.nodes[0]!;
    expect(node).toEqual(expect.objectContaining({ nodeId: 'here', audited: true, error: null, batches: calls.length }));
    // 8 checks, 6 distinct probes (+ os-release): every probe's first operations share one batch.
    expect(calls.length).toBeGreaterThanOrEqual(1);
    expect(calls.length).toBeLessThanOrEqual(4);
    const firstPaths = calls[0]!.map((op) => (op.kind === 'exec' ? op.program : op.path));
    expect(firstPaths).toEqual(expect.arrayContaining(['/etc/passwd', '/etc/shadow', '/etc/group']));
    expect(calls.flat().filter((op) => op.kind === 'stat' && op.path === '/etc/passwd')).toHaveLength(1);

    const status = Object.fromEntries(node.results.map((r) => [r.checkId, r.status]));
    const aslr = readFileSync('/proc/sys/kernel/randomize_va_space', 'utf8').trim();
    const maxDays = /^PASS_MAX_DAYS\s+(\S+)/m.exec(readFileSync('/etc/login.defs', 'utf8'))?.[1];
    const shadowMode = statSync('/etc/shadow').mode & 0o7777;
    expect(status).toEqual({
      'loc-001': (statSync('/etc/passwd').mode & 0o022) === 0 ? 'pass' : 'fail',
      'loc-002': aslr === '2' ? 'pass' : 'fail',
      'loc-003': maxDays !== undefined && Number(maxDays) <= 365 ? 'pass' : 'fail',
      'loc-004': (shadowMode & ~0o600) === 0 ? 'pass' : 'fail',
      'loc-005': 'pass',
      'loc-006': 'pass',
      'loc-007': expect.stringMatching(/^(pass|fail)$/),
      'loc-008': 'manual',
    });
    const shadow = node.results.find((r) => r.checkId === 'loc-004')!;
    expect(shadow.detail).toContain(`mode ${shadowMode.toString(8).padStart(4, '0')}`);
    expect(shadow.evidence[0]).toEqual(
      expect.objectContaining({
        probe: 'file:/etc/shadow',
        source: 'stat /etc/shadow',
        exitCode: null,
        problem: null,
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      }),
    );
    expect(shadow.evidenceSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(run.scores.nodes.here!.manual).toBe(1);
    expect(run.scores.frameworks.nist.pass + run.scores.frameworks.nist.fail).toBe(0);
    expect(run.scores.frameworks.ssg.score).toBe(run.scores.policy.score);
    expect(run.startedAt).toBeLessThan(run.endedAt);
  });

  it('makes a fact only root may read an error "needs privilege" when sudo is refused, never a pass or fail', async () => {
    const run = await runAudit({ policy: policy(), nodes: [{ nodeId: 'here', host: unprivileged(local()), hostKey: null }] });
    const empty = run.nodes[0]!.results.find((r) => r.checkId === 'loc-007')!;
    expect(empty.status).toBe('error');
    expect(empty.detail).toMatch(/needs privilege/);
    expect(run.nodes[0]!.results.find((r) => r.checkId === 'loc-001')!.status).toBe('pass');
  });

  describe('a node that cannot be reached', () => {
    let server: Server;
    let port = 0;
    beforeAll(async () => {
      // A real TCP port that closes every connection at once: no SSH server behind it.
      server = createServer((socket) => socket.destroy());
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as { port: number }).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('gives its checks `error` and says the node could not be audited; the other node is audited', async () => {
      const connection = new SshConnection(
        { host: '127.0.0.1', port, user: 'nobody' },
        async () => ({ privateKeys: [] }),
        { files: [], acceptNew: false, trust: () => {} },
        null,
      );
      const ssh = new SshHost('gone', connection, ExecPolicy.of(COMPLIANCE_ACCESS));
      const run = await runAudit({
        policy: policy(),
        nodes: [
          { nodeId: 'gone', host: ssh, hostKey: 'SHA256:abc' },
          { nodeId: 'here', host: local(), hostKey: null },
        ],
      });
      const gone = run.nodes[0]!;
      expect(gone).toEqual(expect.objectContaining({ nodeId: 'gone', audited: false, error: expect.stringMatching(/^the node could not be audited: /) }));
      expect(new Set(gone.results.map((r) => r.status))).toEqual(new Set(['error']));
      expect(gone.results[0]!.hostKey).toBe('SHA256:abc');
      expect(run.nodes[1]!.audited).toBe(true);
      expect(run.scores.nodes.gone!.error).toBe(8);
    });
  });
});
