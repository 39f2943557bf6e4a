// `clusterdeck audit` through the built CLI: this machine with the built-in policy, real SSH
// hosts (test/helpers/ssh-lab.ts) with their host-key fingerprints in the evidence, a host that
// cannot be reached, usage errors, a policy file whose custom command needs approval, and runs
// stored with --db so a later run reports its drift.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { approvalPath } from '../../electron/core/compliance/approval';
import { AuditStore } from '../../electron/core/compliance/audit-store';
import { builtInPolicies } from '../../electron/core/compliance/policy-loader';
import { CHECK_STATUSES, type Policy } from '../../electron/core/compliance/types';
import { fingerprint } from '../../electron/core/hosts/ssh/known-hosts';
import { openDatabase } from '../../electron/core/store/db';
import type { AuditDocument } from '../../electron/server/commands/audit';
import { isolatedEnv, runCli } from '../helpers/cli';
import { SshLab } from '../helpers/ssh-lab';
import { tempDir } from '../helpers/tmp';

let lab: SshLab;

beforeAll(async () => {
  lab = await SshLab.create({ hosts: [{ name: 'a1' }, { name: 'a2' }] });
}, 120_000);

afterAll(async () => {
  await lab?.dispose();
});

afterEach(async () => {
  for (const host of lab.hosts()) if (!host.running) await lab.startSshd(host.name);
});

function baseline(): Policy {
  const policy = builtInPolicies().find((load) => load.policy?.id === 'gpu-node-baseline')?.policy;
  if (!policy) throw new Error('no built-in gpu-node-baseline');
  return policy;
}

function readReport(path: string): AuditDocument {
  return JSON.parse(readFileSync(path, 'utf8')) as AuditDocument;
}

/** Every check of the policy once per node, each with what an auditor needs. */
function expectFullReport(node: AuditDocument['nodes'][number], policy: Policy): void {
  expect(node.checks.map((check) => check.checkId)).toEqual(policy.checks.map((check) => check.id));
  for (const check of node.checks) {
    const declared = policy.checks.find((c) => c.id === check.checkId)!;
    expect(check).toMatchObject({ nodeId: node.nodeId, title: declared.title, severity: declared.severity, references: { ssg: [...declared.references.ssg] } });
    expect(CHECK_STATUSES).toContain(check.status);
    expect(check.evidenceSha256).toMatch(/^[0-9a-f]{64}$/);
  }
  const withSsg = node.checks.filter((check) => check.references.ssg.length > 0);
  expect(withSsg.length).toBeGreaterThan(0);
  for (const id of withSsg.flatMap((check) => check.references.ssg)) expect(id).toMatch(/^xccdf_org\.ssgproject\.content_rule_/);
  const evidence = node.checks.flatMap((check) => check.evidence);
  expect(evidence.length).toBeGreaterThan(0);
  for (const item of evidence) {
    expect(item.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(item.endedAt).toBeGreaterThanOrEqual(item.startedAt);
  }
  expect(evidence.some((item) => item.startedAt > 0 && item.source.length > 0)).toBe(true);
}

describe('clusterdeck audit --local', () => {
  it('audits this machine with the built-in policy: exit 0, every check with status, severity, references and evidence', () => {
    const out = join(tempDir(), 'report.json');
    const result = runCli(['audit', '--local', '--format', 'json', '--out', out]);
    expect(result.stderr).toMatch(/audit gpu-node-baseline .*1\/1 node audited/);
    expect(result.status).toBe(0);
    const report = readReport(out);
    expect(report.policy).toMatchObject({ id: 'gpu-node-baseline', builtIn: true, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    // Stored in the default database (the isolated XDG data folder), for `report export` later.
    expect(report.runId).toBe(1);
    expect(report.nodes).toHaveLength(1);
    expect(report.nodes[0]).toMatchObject({ audited: true, error: null, hostKey: null });
    expectFullReport(report.nodes[0]!, baseline());
  });
});

describe('clusterdeck audit --ssh-config', () => {
  it('audits SSH hosts over their connection, with the verified host-key fingerprint in every result', () => {
    const out = join(tempDir(), 'report.json');
    const result = runCli([
      'audit',
      '--ssh-config',
      lab.sshConfigPath,
      '--host',
      'a1',
      '--host',
      'a2',
      '--known-hosts',
      lab.knownHostsPath,
      '--format',
      'json',
      '--out',
      out,
    ]);
    expect(result.stderr).toMatch(/2\/2 nodes audited/);
    expect(result.status).toBe(0);
    const report = readReport(out);
    expect(report.nodes.map((node) => node.nodeId)).toEqual(['a1', 'a2']);
    for (const node of report.nodes) {
      const expected = fingerprint(Buffer.from(lab.host(node.nodeId).hostPublicKey.split(' ')[1]!, 'base64'));
      expect(node).toMatchObject({ audited: true, hostKey: expected });
      expect(node.checks.every((check) => check.hostKey === expected)).toBe(true);
      expectFullReport(node, baseline());
    }
  });

  it('exits 1 and marks a host that cannot be reached as not audited; the others are audited', async () => {
    await lab.stopSshd('a2');
    const out = join(tempDir(), 'report.json');
    const result = runCli(['audit', '--ssh-config', lab.sshConfigPath, '--all-hosts', '--known-hosts', lab.knownHostsPath, '--format', 'json', '--out', out]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/a2: not audited: /);
    const report = readReport(out);
    const a1 = report.nodes.find((node) => node.nodeId === 'a1')!;
    const a2 = report.nodes.find((node) => node.nodeId === 'a2')!;
    expect(a1.audited).toBe(true);
    expect(a2).toMatchObject({ audited: false, error: expect.stringMatching(/could not be audited/), hostKey: null });
    expect(a2.checks.every((check) => check.status === 'error')).toBe(true);
  });

  it('refuses an unknown host key unless --accept-new (exit 1, not audited), then trusts it', () => {
    const dir = tempDir();
    const knownHosts = join(dir, 'known_hosts');
    const out = join(dir, 'report.json');
    const args = ['audit', '--ssh-config', lab.sshConfigPath, '--host', 'a1', '--known-hosts', knownHosts, '--format', 'json', '--out', out];
    const env = isolatedEnv();
    const refused = runCli(args, env);
    expect(refused.status).toBe(1);
    expect(readReport(out).nodes[0]).toMatchObject({ nodeId: 'a1', audited: false, error: expect.stringMatching(/not known yet/) });
    const accepted = runCli([...args, '--accept-new'], env);
    expect(accepted.status).toBe(0);
    expect(readReport(out).nodes[0]).toMatchObject({ nodeId: 'a1', audited: true, hostKey: expect.stringMatching(/^SHA256:/) });
  });
});

describe('clusterdeck audit usage errors', () => {
  it('exits 2 without --out, with an unknown format, without --local or --ssh-config, and for an unknown policy', () => {
    const out = join(tempDir(), 'report.json');
    const cases: Array<[string[], RegExp]> = [
      [['audit', '--local', '--format', 'json'], /--out/],
      [['audit', '--local', '--format', 'xml', '--out', out], /--format "xml" is not one of json\|csv\|html\|pdf\|oscal\|junit/],
      [['audit', '--local', '--out', out], /--format json/],
      [['audit', '--format', 'json', '--out', out], /--local, or --ssh-config/],
      [['audit', '--local', '--policy', 'no-such-policy', '--format', 'json', '--out', out], /neither a built-in policy .*gpu-node-baseline.* nor a file/],
      [['audit', '--ssh-config', lab.sshConfigPath, '--format', 'json', '--out', out], /--host ALIAS/],
    ];
    for (const [args, message] of cases) {
      const result = runCli(args);
      expect({ args, status: result.status }).toEqual({ args, status: 2 });
      expect(result.stderr).toMatch(message);
    }
    expect(existsSync(out)).toBe(false);
  });

  it('exits 2 for a policy file with errors, naming the file, line and field', () => {
    const dir = tempDir();
    const file = join(dir, 'broken.yaml');
    writeFileSync(
      file,
      'id: broken\ntitle: Broken\nversion: "1"\ndescription: x\nchecks:\n  - id: br-001\n    title: t\n    description: d\n    rationale: r\n    remediation: m\n    severity: extreme\n    references: {}\n    rule: manual\n',
    );
    const result = runCli(['audit', '--local', '--policy', file, '--format', 'json', '--out', join(dir, 'report.json')]);
    expect(result.status).toBe(2);
    expect(result.stderr).toContain(`${file}:11`);
    expect(result.stderr).toMatch(/severity/);
  });
});

/** A site policy whose one check runs a custom command: `cat FLAG` succeeds while the flag file exists. */
function sitePolicy(dir: string, flag: string, version = '1'): string {
  const file = join(dir, 'site.yaml');
  writeFileSync(
    file,
    [
      'id: site-extra',
      'title: Site extras',
      `version: "${version}"`,
      'description: A check only this site has',
      'commands:',
      '  - id: custom.flag',
      '    description: the site flag file',
      '    program: /usr/bin/cat',
      `    args: ["--", ${JSON.stringify(flag)}]`,
      'checks:',
      '  - id: site-001',
      '    title: The site flag is set',
      '    description: The flag file exists',
      '    rationale: The site says so',
      '    remediation: Create it',
      '    severity: low',
      '    references: {}',
      '    rule:',
      '      command: { id: custom.flag, exit_code: 0 }',
      '',
    ].join('\n'),
  );
  return file;
}

describe('clusterdeck audit --policy FILE with a custom command, and --db', () => {
  it('refuses an unapproved policy (exit 2), runs it once approved, stores each run and prints the drift since the last one', () => {
    const dir = tempDir();
    const db = join(dir, 'audits.db');
    const flag = join(dir, 'flag');
    writeFileSync(flag, 'set\n');
    const policy = sitePolicy(dir, flag);
    const out = join(dir, 'report.json');
    const args = ['audit', '--local', '--policy', policy, '--db', db, '--format', 'json', '--out', out];

    const refused = runCli(args);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toMatch(/runs custom commands \(custom\.flag\) and is not approved: approve this file \(sha256 [0-9a-f]{64}\)/);
    expect(existsSync(out)).toBe(false);

    // The approval as the app records it: this file's path and SHA-256.
    const database = openDatabase(db);
    const store = new AuditStore(database);
    store.approve(approvalPath(policy), createHash('sha256').update(readFileSync(policy)).digest('hex'), 'tester', Date.now());
    database.close();

    const first = runCli(args);
    expect(first.status).toBe(0);
    expect(first.stderr).not.toMatch(/drift/);
    const report = readReport(out);
    expect(report.runId).toEqual(expect.any(Number));
    expect(report.nodes[0]!.checks).toEqual([
      expect.objectContaining({ checkId: 'site-001', status: 'pass', evidence: [expect.objectContaining({ source: `/usr/bin/cat -- ${flag}`, exitCode: 0 })] }),
    ]);

    rmSync(flag);
    const second = runCli(args);
    expect(second.status).toBe(0);
    expect(readReport(out).nodes[0]!.checks[0]!.status).toBe('fail');
    expect(second.stderr).toMatch(new RegExp(`drift since run ${report.runId} \\(.*\\): 1 newly failing, 0 fixed, 0 other changes`));

    writeFileSync(flag, 'set\n');
    const third = runCli(args);
    expect(third.status).toBe(0);
    expect(third.stderr).toMatch(/: 0 newly failing, 1 fixed, 0 other changes/);

    const stored = openDatabase(db);
    const runs = stored.prepare('SELECT id, policy_id FROM audit_runs ORDER BY id').all() as Array<{ id: number; policy_id: string }>;
    stored.close();
    expect(runs.map((run) => run.policy_id)).toEqual(['site-extra', 'site-extra', 'site-extra']);

    // A changed file needs a new approval.
    sitePolicy(dir, flag, '2');
    const changed = runCli(args);
    expect(changed.status).toBe(2);
    expect(changed.stderr).toMatch(/changed since it was approved/);
  });
});
