// Agreement with OpenSCAP: the built-in gpu-node-baseline over the audit lab's hardened and weak
// hosts (real SSH, real sshd, the real runner) against Debian's oscap with the SCAP Security
// Guide's Debian 12 data stream, run inside each host's own namespaces (so it reads the same
// /etc, /proc/sys and dpkg status). For every check that cites SSG rule ids, on each host, our
// verdict and SSG's (the rules' results combined: all must pass) must agree, except the
// deliberate differences listed in test/fixtures/compliance/ssg-differences.json, each with its
// reason; a listed difference that agrees fails too (the list must stay true). Never skipped: no
// oscap or no data stream is a failure that says what to install or fetch.
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runAudit, type AuditRun } from '../../electron/core/compliance/runner';
import type { CheckStatus, Policy } from '../../electron/core/compliance/types';
import type { SshPool } from '../../electron/core/hosts/ssh/ssh-pool';
import { AUDIT_HOSTS, type AuditHostName, INVENTORY_GPU_COUNT, auditNodes, builtInBaseline, createAuditLab } from '../helpers/audit-lab';
import { fixturePath } from '../helpers/fixtures';
import { type OscapResult, SSG_RULE_PREFIX, oscapEvalInNamespaces, ssgDebian12DataStream } from '../helpers/oscap';
import type { SshLab } from '../helpers/ssh-lab';

interface Difference {
  check: string;
  host: AuditHostName;
  ours: CheckStatus;
  ssg: OscapResult;
  /** 'reading': a deliberate difference of reading; 'lab': SSG cannot read the fact in the lab. */
  kind: 'reading' | 'lab';
  reason: string;
}

const DIFFERENCES_FILE = fixturePath('compliance', 'ssg-differences.json');
const differences = (JSON.parse(readFileSync(DIFFERENCES_FILE, 'utf8')) as { differences: Difference[] }).differences;

/**
 * SSG's variables at the values gpu-node-baseline declares (its parameters), so that the two
 * disagree only on how a fact is read, never on a threshold.
 */
function ssgValues(policy: Policy): Record<string, string | number> {
  const p = policy.parameters;
  return {
    var_accounts_minimum_age_login_defs: Number(p.pass_min_days),
    var_accounts_password_warn_age_login_defs: Number(p.pass_warn_age),
    var_accounts_user_umask: '027',
    sshd_max_auth_tries_value: Number(p.ssh_max_auth_tries),
    sshd_idle_timeout_value: Number(p.ssh_idle_timeout_max),
    var_sshd_set_keepalive: Number(p.ssh_alive_count_max),
    var_sshd_set_login_grace_time: Number(p.ssh_login_grace_time_max),
    sysctl_kernel_kptr_restrict_value: 1,
    sysctl_net_ipv4_conf_all_rp_filter_value: Number(p.rp_filter),
    sysctl_net_ipv4_conf_default_rp_filter_value: Number(p.rp_filter),
    sysctl_net_ipv4_conf_all_accept_redirects_value: 0,
  };
}

/** What our status is in XCCDF's words. */
const AS_XCCDF: Record<CheckStatus, OscapResult> = { pass: 'pass', fail: 'fail', error: 'error', 'not-applicable': 'notapplicable', manual: 'notchecked' };

/** A check's rules together, as our all-of reads them: a failure wins, then an error, then not checked, then a pass. */
function combine(results: readonly OscapResult[]): OscapResult {
  if (results.includes('fail')) return 'fail';
  if (results.some((r) => r === 'error' || r === 'unknown')) return 'error';
  if (results.includes('notchecked')) return 'notchecked';
  if (results.some((r) => r === 'pass' || r === 'fixed')) return 'pass';
  if (results.every((r) => r === 'notapplicable')) return 'notapplicable';
  return 'notchecked';
}

let lab: SshLab;
let pool: SshPool;
let dir: string;
let policy: Policy;
let run: AuditRun;
const ssg = new Map<AuditHostName, Map<string, OscapResult>>();

beforeAll(async () => {
  // First, so that a missing oscap or data stream fails fast with what to do.
  const dataStream = ssgDebian12DataStream();
  policy = builtInBaseline();
  dir = mkdtempSync(join(tmpdir(), 'cd-audit-openscap-'));
  chmodSync(dir, 0o755);
  lab = await createAuditLab();
  const connected = auditNodes(lab);
  pool = connected.pool;
  run = await runAudit({ policy, nodes: connected.nodes, inventoryGpuCount: (nodeId) => INVENTORY_GPU_COUNT[nodeId as AuditHostName] ?? null });
  const ruleIds = [...new Set(policy.checks.flatMap((c) => c.references.ssg))];
  for (const name of AUDIT_HOSTS) {
    const pid = lab.host(name).sshdPid;
    if (pid === null) throw new Error(`lab host ${name} is not running`);
    const evaluation = await oscapEvalInNamespaces({ pid, dataStream, ruleIds, values: ssgValues(policy), workDir: dir, label: name });
    ssg.set(name, evaluation.results);
    if (process.env.AUDIT_OPENSCAP_DUMP) process.stdout.write(`[audit-openscap] ${name}: ${JSON.stringify(Object.fromEntries(evaluation.results))}\n`);
  }
}, 600_000);

afterAll(async () => {
  pool?.closeAll();
  await lab?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('gpu-node-baseline against OpenSCAP (SSG Debian 12, ssg-debian 0.1.76) on the same hosts', () => {
  it('agrees on every SSG rule both cover, except the listed deliberate differences', () => {
    const problems: string[] = [];
    const listed = new Set<Difference>();
    let compared = 0;
    let agreed = 0;
    let deliberate = 0;
    let labOnly = 0;
    const rulesCompared = new Set<string>();
    for (const name of AUDIT_HOSTS) {
      const node = run.nodes.find((n) => n.nodeId === name)!;
      expect(node.audited, `${name}: ${node.error}`).toBe(true);
      const results = ssg.get(name)!;
      for (const check of policy.checks) {
        if (check.references.ssg.length === 0) continue;
        const ruleResults = check.references.ssg.map((id) => {
          const result = results.get(id);
          if (result === undefined) problems.push(`${check.id} on ${name}: oscap gave no result for ${id}`);
          return result ?? 'notchecked';
        });
        check.references.ssg.forEach((id) => rulesCompared.add(`${name}:${id}`));
        const ours = node.results.find((r) => r.checkId === check.id)!;
        const theirs = combine(ruleResults);
        const detail = check.references.ssg.map((id, i) => `${id.slice(SSG_RULE_PREFIX.length)}=${ruleResults[i]}`).join(', ');
        const difference = differences.find((d) => d.check === check.id && d.host === name);
        compared += 1;
        if (AS_XCCDF[ours.status] === theirs) {
          agreed += 1;
          if (difference) {
            listed.add(difference);
            problems.push(
              `${check.id} on ${name}: listed as a deliberate difference (ours ${difference.ours}, SSG ${difference.ssg}) but both say ${theirs} — remove it from ssg-differences.json`,
            );
          }
        } else if (difference && difference.ours === ours.status && difference.ssg === theirs) {
          if (difference.kind === 'lab') labOnly += 1;
          else deliberate += 1;
          listed.add(difference);
        } else {
          if (difference) listed.add(difference);
          problems.push(
            `${check.id} on ${name}: ours ${ours.status} (${ours.detail.slice(0, 160)}), SSG ${theirs} (${detail})${difference ? `; listed as ours ${difference.ours} / SSG ${difference.ssg}` : ''}`,
          );
        }
      }
    }
    for (const d of differences) {
      if (!listed.has(d)) problems.push(`ssg-differences.json lists ${d.check} on ${d.host}, which is not a compared check`);
      if (d.kind !== 'reading' && d.kind !== 'lab') problems.push(`ssg-differences.json: ${d.check} on ${d.host}: kind must be reading or lab`);
      if (!d.reason || d.reason.length < 20) problems.push(`ssg-differences.json: ${d.check} on ${d.host} needs its reason`);
    }
    process.stdout.write(
      `[audit-openscap] checks compared (check x host): ${compared}; SSG rule results read: ${rulesCompared.size}; agreed: ${agreed}; deliberate differences (reading): ${deliberate}; not readable by SSG in the lab: ${labOnly}\n`,
    );
    expect(problems, problems.join('\n')).toEqual([]);
    expect(compared).toBeGreaterThan(0);
  });
});
