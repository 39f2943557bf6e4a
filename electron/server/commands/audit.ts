/**
 * `clusterdeck audit`: runs a compliance policy (the built-in gpu-node-baseline, or a policy
 * file) over this machine and/or SSH nodes of an ssh config, stores the run in the database
 * (--db, else the default one; `report export|bundle` read it later) with its row in the audit
 * log, and writes a report: JSON (per node and check, the status, severity, references and
 * evidence), or any report format (csv, html, pdf, oscal, junit). Progress and a summary go to
 * stderr. Exit 0 when the audit ran (whatever the verdicts), 1 when a node could not be audited,
 * 2 for usage errors (a bad flag, a policy with errors, custom commands not approved).
 */
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { auditNodes } from '../../core/audit-runner';
import { approvalState, type PolicyApprovals } from '../../core/compliance/approval';
import { AuditStore, type StoredRun } from '../../core/compliance/audit-store';
import { computeDrift } from '../../core/compliance/drift';
import { builtInPolicies, loadPolicy } from '../../core/compliance/policy-loader';
import type { AuditRun } from '../../core/compliance/runner';
import type { Policy, PolicyError } from '../../core/compliance/types';
import { createEngine } from '../../core/engine';
import { silentLogger } from '../../core/log';
import { openDatabase } from '../../core/store/db';
import { loadRuntime, type CommonFlags } from '../runtime';
import { sshEngineOptions, sshNodesFromFlags, type SshFlags } from '../ssh-flags';
import { terminalSafe } from '../terminal-text';
import { UsageError } from '../usage-error';
import { cliActor, exportStoredReport, parseFormat } from './report';
import { AuditLog } from '../../core/audit-log';

export const DEFAULT_POLICY = 'gpu-node-baseline';

export interface AuditFlags extends CommonFlags, SshFlags {
  policy?: string;
  format?: string;
  out?: string;
}

/** The JSON document `audit` writes. */
export interface AuditDocument {
  policy: { id: string; title: string; version: string; sha256: string; builtIn: boolean; source: string };
  /** The stored run's id (null only where storing failed). */
  runId: number | null;
  startedAt: number;
  endedAt: number;
  scores: AuditRun['scores'];
  nodes: Array<{
    nodeId: string;
    audited: boolean;
    error: string | null;
    hostKey: string | null;
    checks: Array<{
      nodeId: string;
      checkId: string;
      title: string;
      status: string;
      severity: string;
      references: { cis: readonly string[]; nist: readonly string[]; ssg: readonly string[] };
      detail: string;
      hostKey: string | null;
      evidence: AuditRun['nodes'][number]['results'][number]['evidence'];
      evidenceSha256: string;
    }>;
  }>;
}

/** A policy error as one terminal-safe line: file:line field: message. */
export function policyErrorLine(error: PolicyError): string {
  return terminalSafe(`${error.file}${error.line === null ? '' : `:${error.line}`}${error.field ? ` ${error.field}` : ''}: ${error.message}`);
}

/** The built-in policy of that id, or the policy file at that path; UsageError with every problem otherwise. */
export function resolvePolicy(name: string): Policy {
  const builtIn = builtInPolicies().find((load) => load.policy?.id === name);
  if (builtIn?.policy && builtIn.errors.length === 0) return builtIn.policy;
  if (builtIn) throw new UsageError(`the built-in policy ${name} has errors:\n  ${builtIn.errors.map(policyErrorLine).join('\n  ')}`);
  if (!/[/.]/.test(name) && !existsSync(name)) {
    const ids = builtInPolicies()
      .map((load) => load.policy?.id)
      .filter(Boolean);
    throw new UsageError(`--policy ${JSON.stringify(name)} is neither a built-in policy (${ids.join(', ')}) nor a file`);
  }
  const load = loadPolicy(resolve(name));
  // A check with errors is skipped by the loader: an audit must not quietly leave it out.
  if (!load.policy || load.errors.length) throw new UsageError(`the policy ${name} has errors:\n  ${load.errors.map(policyErrorLine).join('\n  ')}`);
  return load.policy;
}

/** Refuses a policy whose custom commands may not run: a refused one, or a file the user has not approved as it is now. */
function checkApproval(policy: Policy, approvals: PolicyApprovals | null): void {
  const state = approvalState(policy, approvals);
  if (state.kind === 'refused') throw new UsageError(`policy ${policy.id}: ${state.reason}`);
  if (state.kind === 'needs-approval') {
    const ids = state.commands.map((command) => command.id).join(', ');
    throw new UsageError(
      `policy ${policy.id} (${policy.source}) runs custom commands (${ids}) and ${state.changed ? 'changed since it was approved' : 'is not approved'}: ` +
        `approve this file (sha256 ${policy.sha256}) first: clusterdeck policy approve ${policy.source} (with the same --db); its commands never run unapproved`,
    );
  }
}

function documentOf(run: AuditRun): AuditDocument {
  const checks = new Map(run.policy.checks.map((check) => [check.id, check]));
  const { policy } = run;
  return {
    policy: { id: policy.id, title: policy.title, version: policy.version, sha256: policy.sha256, builtIn: policy.builtIn, source: policy.source },
    runId: run.runId,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    scores: run.scores,
    nodes: run.nodes.map((node) => ({
      nodeId: node.nodeId,
      audited: node.audited,
      error: node.error,
      hostKey: node.hostKey,
      checks: node.results.map((result) => {
        const check = checks.get(result.checkId);
        return {
          nodeId: result.nodeId,
          checkId: result.checkId,
          title: check?.title ?? result.checkId,
          status: result.status,
          severity: check?.severity ?? 'medium',
          references: check?.references ?? { cis: [], nist: [], ssg: [] },
          detail: result.detail,
          hostKey: result.hostKey,
          evidence: result.evidence,
          evidenceSha256: result.evidenceSha256,
        };
      }),
    })),
  };
}

/** "drift since run 3 (2025-01-01T00:00:00.000Z): 2 newly failing, 1 fixed, 0 other changes", or null without an earlier run of these nodes. */
export function driftLine(previous: StoredRun | null, run: AuditRun): string | null {
  if (!previous) return null;
  const nodeIds = new Set(run.nodes.filter((node) => node.audited).map((node) => node.nodeId));
  const before = previous.results.filter((r) => nodeIds.has(r.nodeId) && previous.nodes.some((n) => n.nodeId === r.nodeId && n.audited));
  if (before.length === 0) return null;
  const seen = new Set(before.map((r) => r.nodeId));
  const after = run.nodes.flatMap((node) => (seen.has(node.nodeId) ? node.results : []));
  const drift = computeDrift({ policyId: previous.policyId, results: before }, { policyId: run.policy.id, results: after });
  const other = drift.changed.length + drift.added.length + drift.removed.length;
  return `drift since run ${previous.id} (${new Date(previous.startedAt).toISOString()}): ${drift.newlyFailing.length} newly failing, ${drift.fixed.length} fixed, ${other} other change${other === 1 ? '' : 's'}`;
}

/** The latest earlier stored run of the same policy that audited any of this run's nodes. */
function previousRunOf(store: AuditStore, run: AuditRun): StoredRun | null {
  const nodeIds = new Set(run.nodes.filter((node) => node.audited).map((node) => node.nodeId));
  const earlier = store
    .listRuns({ policyId: run.policy.id, limit: 200 })
    .find(
      (summary) => summary.id !== run.runId && summary.startedAt <= run.startedAt && summary.nodes.some((node) => node.audited && nodeIds.has(node.nodeId)),
    );
  return earlier ? store.getRun(earlier.id) : null;
}

function summaryLine(run: AuditRun, out: string): string {
  const s = run.scores.policy;
  const audited = run.nodes.filter((node) => node.audited).length;
  return (
    `audit ${run.policy.id} ${run.policy.version}: ${audited}/${run.nodes.length} node${run.nodes.length === 1 ? '' : 's'} audited; ` +
    `${s.pass} pass, ${s.fail} fail, ${s.error} error, ${s.notApplicable} not applicable, ${s.manual} manual; written to ${out}` +
    `${run.runId === null ? '' : `; stored as run ${run.runId}`}`
  );
}

/** Writes the file whole or not at all (a reader never sees half a document). */
function writeWhole(path: string, text: string): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, text, { mode: 0o600 });
  renameSync(temporary, path);
}

export async function audit(flags: AuditFlags, log: (line: string) => void = (line) => process.stderr.write(`${line}\n`)): Promise<number> {
  const format = parseFormat(flags.format, 'audit');
  if (!flags.out) throw new UsageError('audit needs --out PATH (where the report goes)');
  if (!flags.local && !flags.sshConfig) throw new UsageError('audit needs --local, or --ssh-config FILE with --host ALIAS or --all-hosts');
  const out = resolve(flags.out);
  const runtime = loadRuntime(flags);
  const sshNodes = await sshNodesFromFlags(flags);
  const policy = resolvePolicy(flags.policy ?? DEFAULT_POLICY);

  // The run is stored in --db, else the default database (where `policy approve` records
  // approvals, and `report export|bundle` find runs).
  const db = openDatabase(runtime.dbPath);
  const store = new AuditStore(db);
  const auditLog = new AuditLog(db, Date.now);
  const engine = (() => {
    try {
      checkApproval(policy, store);
      return createEngine({
        ...runtime,
        dbPath: ':memory:',
        mode: 'serve',
        log: silentLogger,
        useInventory: false,
        ...sshEngineOptions(flags, sshNodes),
      });
    } catch (error) {
      db.close();
      throw error;
    }
  })();
  try {
    const sshIds = new Set(sshNodes.map((node) => node.id));
    const localIds = flags.local ? engine.hosts.ids().filter((id) => !sshIds.has(id)) : [];
    const run = await auditNodes({ hosts: engine.hosts }, policy, {
      nodeIds: [...localIds, ...sshNodes.map((node) => node.id)],
      approvals: store,
      // The run and its audit-log row commit together.
      save: (done) =>
        db.transaction(() => {
          const runId = store.saveRun(done);
          auditLog.append(cliActor(), 'audits:run', `run ${runId}`, {
            phase: 'finish',
            policyId: done.policy.id,
            runId,
            score: done.scores.policy,
            via: 'cli',
          });
          return runId;
        })(),
      log: (line) => log(terminalSafe(line)),
    });
    if (format === 'json') writeWhole(out, `${JSON.stringify(documentOf(run), null, 2)}\n`);
    else await exportStoredReport(db, run.runId!, format, out);
    for (const node of run.nodes) if (!node.audited) log(terminalSafe(`${node.nodeId}: not audited: ${node.error ?? 'no answer'}`));
    const drift = run.runId !== null ? driftLine(previousRunOf(store, run), run) : null;
    if (drift) log(drift);
    log(terminalSafe(summaryLine(run, `${out} (${format})`)));
    return run.nodes.every((node) => node.audited) ? 0 : 1;
  } finally {
    engine.close();
    db.close();
  }
}
