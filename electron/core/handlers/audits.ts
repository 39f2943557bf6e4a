/**
 * The auditor's calls, for one caller (a window or a `serve` session): the profile; policies
 * (built in, and the user's policies/ folder beside config.yaml); audits run over the engine's
 * nodes with progress events; stored runs with effective results (attestations and waivers
 * applied at read time: reports/model.ts); drift; attestations, waivers; the audit log; reports.
 * Each action appends an audit-log row with the caller's profile, in the action's transaction.
 *
 * audits:run answers once the run is stored, with its id; meanwhile audit:progress events tell
 * each node read (runId null until the last event, `finished`, which carries it).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { CallHandlers, CallResponse } from '../../../shared/contract';
import { ContractError } from '../../../shared/dispatch';
import type { AuditRunSummary, CheckInfo, PolicySummary, ScoreView } from '../../../shared/model/audits';
import { APP_VERSION } from '../app-root';
import type { StoredRun, StoredRunSummary } from '../compliance/audit-store';
import { computeDrift } from '../compliance/drift';
import { builtInPolicies, loadPolicy, type PolicyLoad } from '../compliance/policy-loader';
import type { Score } from '../compliance/runner';
import type { Policy } from '../compliance/types';
import { policySnapshot, sha256Hex } from '../compliance/workflow-store';
import { renderReport } from '../reports/formats/index';
import { buildReportModel } from '../reports/model';
import type { ReportModel } from '../reports/types';
import type { Caller } from './caller';
import type { EngineContext } from './context';

type AuditCalls =
  | 'profile:get'
  | 'profile:set'
  | 'audits:policies'
  | 'audits:run'
  | 'audits:runs'
  | 'audits:results'
  | 'audits:drift'
  | 'audits:attest'
  | 'audits:waive'
  | 'audits:waivers'
  | 'audits:revokeWaiver'
  | 'auditLog:list'
  | 'auditLog:verify'
  | 'reports:export';

/** User policy files read at most (the folder is the user's; a policy file is bounded by the loader). */
const MAX_USER_POLICIES = 200;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** The shipped policies and the user's (policies/ beside config.yaml); a file that does not load is logged and left out. */
export function loadPolicies(userDir: string, warn: (line: string) => void): Policy[] {
  let userFiles: string[] = [];
  try {
    userFiles = readdirSync(userDir)
      .filter((name) => /\.ya?ml$/i.test(name) && !name.startsWith('.'))
      .sort()
      .slice(0, MAX_USER_POLICIES)
      .map((name) => join(userDir, name));
  } catch {
    // No folder: no user policies.
  }
  const loads: PolicyLoad[] = [...builtInPolicies(), ...userFiles.map((file) => loadPolicy(file))];
  const policies: Policy[] = [];
  for (const load of loads) {
    if (load.policy && load.errors.length === 0) policies.push(load.policy);
    else for (const error of load.errors.slice(0, 3)) warn(`policy skipped: ${error.file}${error.line === null ? '' : `:${error.line}`}: ${error.message}`);
  }
  return policies;
}

function summaryOfPolicy(policy: Policy): PolicySummary {
  return {
    id: policy.id,
    title: policy.title,
    version: policy.version,
    description: policy.description,
    checks: policy.checks.length,
    builtIn: policy.builtIn,
    sha256: policy.sha256,
    source: policy.source,
  };
}

const asView = (score: Score): ScoreView => ({ ...score, waived: 0 });

/** A stored run as listed: its scores as it ran (audits:results applies waivers and attestations). */
function runSummary(run: StoredRunSummary): AuditRunSummary {
  return {
    runId: run.id,
    policyId: run.policyId,
    policyVersion: run.policyVersion,
    policySha256: run.policySha256,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    nodes: run.nodes,
    score: asView(run.scores.policy),
    frameworks: { cis: asView(run.scores.frameworks.cis), nist: asView(run.scores.frameworks.nist), ssg: asView(run.scores.frameworks.ssg) },
  };
}

function decodeBase64(name: string, text: string): Uint8Array {
  if (text.length % 4 !== 0 || !BASE64.test(text)) throw new ContractError('bad-request', `attachment ${name} is not base64`);
  return new Uint8Array(Buffer.from(text, 'base64'));
}

export function auditHandlers(ctx: EngineContext, caller: Caller): Pick<CallHandlers, AuditCalls> {
  const log = (action: string, subject: string, details: Record<string, unknown> = {}) => ctx.auditLog.append(caller.profile, action, subject, details);
  const policies = () => loadPolicies(ctx.userPoliciesDir, (line) => ctx.log.warn(line));

  const storedRun = (runId: number): StoredRun => {
    const run = ctx.auditStore.getRun(runId);
    if (!run) throw new ContractError('not-found', `no audit run ${runId}`);
    return run;
  };

  /** The checks a run used: its snapshot, else (a run stored before snapshots) the policy as it is now. */
  const checksOf = (run: StoredRun): { checks: CheckInfo[]; policy?: { title: string; description: string } } => {
    const current = policies().find((p) => p.id === run.policyId);
    const checks = ctx.workflow.policySnapshot(run.id) ?? (current ? policySnapshot(current) : []);
    return { checks, policy: current ? { title: current.title, description: current.description } : undefined };
  };

  const modelOf = (runId: number, scope: { nodeIds?: readonly string[]; frameworks?: ReportModel['scope']['frameworks'] }): ReportModel => {
    const run = storedRun(runId);
    const { checks, policy } = checksOf(run);
    const now = ctx.clock.now();
    return buildReportModel({
      run,
      checks,
      policy,
      attestations: ctx.workflow.attestations(),
      waivers: ctx.workflow.waivers(now),
      nodeGroups: ctx.nodeGroups,
      scope,
      nowMs: now,
      version: APP_VERSION,
    });
  };

  return {
    'profile:get': async () => ({ ...caller.profile }),
    'profile:set': async ({ profile }) => {
      const before = caller.profile;
      // An auditor may rename itself, never raise its role: else ADMIN_ONLY_CALLS would be cosmetic.
      // To be an administrator again, open a new window or serve session (each starts as one).
      if (before.role !== 'admin' && profile.role === 'admin') {
        log('refused', 'profile:set', { reason: 'an auditor may not become an administrator', name: profile.name });
        throw new ContractError(
          'forbidden',
          `forbidden: the ${before.role} profile ${before.name} may not become an administrator; open a new window or session`,
        );
      }
      caller.profile = { ...profile };
      log('profile:set', profile.name, { role: profile.role, from: before });
      return { ...caller.profile };
    },

    'audits:policies': async () => policies().map(summaryOfPolicy),

    'audits:run': async ({ policyId, nodeIds }) => {
      const policy = policies().find((p) => p.id === policyId);
      if (!policy) throw new ContractError('not-found', `no policy ${policyId}`);
      const ids = nodeIds ?? ctx.fleet.ids();
      const total = ids.length;
      let done = 0;
      const progress = (nodeId: string | null, finished: boolean, runId: number | null, error: string | null) =>
        ctx.events.emit('audit:progress', { runId, policyId, done, total, nodeId, finished, error });
      log('audits:run', policyId, { phase: 'start', policySha256: policy.sha256, nodes: ids.slice(0, 100), count: total });
      progress(null, false, null, null);
      try {
        const run = await ctx.audit(policy, {
          nodeIds: ids,
          approvals: ctx.auditStore,
          onNodeRead: (nodeId, _audited, error) => {
            done += 1;
            progress(nodeId, false, null, error);
          },
          // The run and its log row commit together.
          save: (finished) =>
            ctx.transaction(() => {
              const runId = ctx.auditStore.saveRun(finished);
              log('audits:run', `run ${runId}`, { phase: 'finish', policyId, runId, score: finished.scores.policy });
              return runId;
            }),
        });
        done = total;
        progress(null, true, run.runId, null);
        return { runId: run.runId! };
      } catch (error) {
        const message = (error as Error).message;
        log('audits:run', policyId, { phase: 'failed', error: message.slice(0, 500) });
        progress(null, true, null, message.slice(0, 500));
        throw error;
      }
    },

    'audits:runs': async ({ policyId, limit }) => ctx.auditStore.listRuns({ policyId, limit }).map(runSummary),

    'audits:results': async ({ runId, nodeIds }) => {
      const model = modelOf(runId, { nodeIds });
      return { run: model.run, checks: [...model.checks], results: [...model.results] };
    },

    'audits:drift': async ({ fromRunId, toRunId }) => {
      const before = storedRun(fromRunId);
      const after = storedRun(toRunId);
      if (before.policyId !== after.policyId)
        throw new ContractError('bad-request', `drift compares runs of one policy, not ${before.policyId} and ${after.policyId}`);
      const drift = computeDrift(before, after);
      const pair = (e: { nodeId: string; checkId: string }) => ({ nodeId: e.nodeId, checkId: e.checkId });
      const change = (e: { nodeId: string; checkId: string; before: string | null; after: string | null }) => ({
        ...pair(e),
        from: e.before ?? 'absent',
        to: e.after ?? 'absent',
      });
      return {
        newlyFailing: drift.newlyFailing.map(pair),
        fixed: drift.fixed.map(pair),
        changed: [...drift.changed, ...drift.added, ...drift.removed].map(change),
      };
    },

    'audits:attest': async ({ runId, nodeId, checkId, status, note, attachments }) => {
      if (runId !== undefined) storedRun(runId);
      const files = attachments.map((a) => ({ name: a.name, content: decodeBase64(a.name, a.contentBase64) }));
      return ctx.workflow.attest({ runId: runId ?? null, nodeId, checkId, status, note, attachments: files }, caller.profile.name, ctx.clock.now(), (a) =>
        log('audits:attest', `${nodeId}/${checkId}`, { attestationId: a.id, runId: a.runId, status, note, attachments: a.attachments }),
      );
    },

    'audits:waive': async (request) =>
      ctx.workflow.waive(request, caller.profile.name, ctx.clock.now(), (w) =>
        log('audits:waive', w.checkId, {
          waiverId: w.id,
          scope: w.scope,
          justification: w.justification,
          approver: w.approver,
          expiresAtMs: w.expiresAtMs,
        }),
      ),

    'audits:waivers': async () => ctx.workflow.waivers(ctx.clock.now()),

    'audits:revokeWaiver': async ({ id }) =>
      ctx.workflow.revokeWaiver(id, ctx.clock.now(), (w) => log('audits:revokeWaiver', w.checkId, { waiverId: w.id, scope: w.scope })),

    'auditLog:list': async ({ limit, beforeSeq }) => ctx.auditLog.list({ limit, beforeSeq }),
    'auditLog:verify': async () => ctx.auditLog.verify(),

    'reports:export': async ({ runId, format, nodeIds, frameworks }): Promise<CallResponse<'reports:export'>> => {
      const model = modelOf(runId, { nodeIds, frameworks });
      if (format === 'pdf' && !ctx.pdfPrinter) throw new ContractError('unavailable', 'PDF reports need a Chromium to print with, and none is set up here');
      let file;
      try {
        file = await renderReport(model, format, { pdf: ctx.pdfPrinter ?? undefined });
      } catch (error) {
        if (error instanceof ContractError) throw error;
        throw new ContractError('unavailable', `the ${format} report could not be made: ${(error as Error).message}`);
      }
      log('reports:export', `run ${runId}`, {
        format,
        fileName: file.fileName,
        bytes: file.bytes.byteLength,
        sha256: sha256Hex(file.bytes),
        nodeIds: model.scope.nodeIds.slice(0, 100),
        frameworks: model.scope.frameworks,
      });
      return { fileName: file.fileName, mime: file.mime, bytes: file.bytes.byteLength, contentBase64: Buffer.from(file.bytes).toString('base64') };
    },
  };
}
