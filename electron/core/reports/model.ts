/**
 * The one report model: a stored run, the checks of the policy it used, and the auditor's
 * attestations and waivers, with every result's effective status computed at read time
 * (`nowMs`): an expired or revoked waiver no longer applies, so the failure is back. Waived
 * results are `waived`, never `pass`, and scores count them apart. Pure: no store, no clock.
 */
import { checkSnapshot } from '../compliance/workflow-store';
import type { Attestation, AuditResultView, AuditRunSummary, CheckInfo, EffectiveStatus, FrameworkName, ScoreView, Waiver } from '../../../shared/model/audits';
import type { StoredRun } from '../compliance/audit-store';
import type { ReportModel, ReportNode } from './types';

export const REPORT_FRAMEWORKS: readonly FrameworkName[] = ['cis', 'nist', 'ssg'];

/** A result as the probes left it (before attestations and waivers). */
export type ProbeResult = Omit<AuditResultView, 'effective' | 'attestationId' | 'waiverId'>;

/** A node's inventory groups (labels): a waiver scoped to a group covers its nodes. */
export type NodeGroups = (nodeId: string) => readonly string[];

export const NO_GROUPS: NodeGroups = () => [];

/** The stored run's results with its id, ready for effectiveResults. */
export function probeResultsOf(run: StoredRun): ProbeResult[] {
  return run.results.map((r) => ({
    runId: run.id,
    nodeId: r.nodeId,
    checkId: r.checkId,
    status: r.status,
    detail: r.detail,
    evidence: r.evidence.map((e) => ({ ...e })),
    evidenceSha256: r.evidenceSha256,
    hostKey: r.hostKey,
  }));
}

/** What a report shows of a policy's check: the snapshot a run stores (compliance/workflow-store.ts). */
export const checkInfoOf = checkSnapshot;

/** In force at `nowMs`: made by then, not revoked by then, not yet expired. */
export function waiverActive(waiver: Waiver, nowMs: number): boolean {
  return waiver.createdAtMs <= nowMs && (waiver.revokedAtMs === null || waiver.revokedAtMs > nowMs) && waiver.expiresAtMs > nowMs;
}

export function waiverCovers(waiver: Waiver, nodeId: string, checkId: string, groups: NodeGroups): boolean {
  if (waiver.checkId !== checkId) return false;
  const { scope } = waiver;
  if (scope.kind === 'fleet') return true;
  if (scope.kind === 'node') return scope.nodeId === nodeId;
  return groups(nodeId).includes(scope.group);
}

/** The attestation that answers a result: this run's (or a run-less one) before another run's, then the latest. */
function attestationFor(result: ProbeResult, attestations: readonly Attestation[], nowMs: number): Attestation | null {
  let best: Attestation | null = null;
  const rank = (a: Attestation) => [a.runId === null || a.runId === result.runId ? 1 : 0, a.atMs, a.id] as const;
  for (const a of attestations) {
    if (a.nodeId !== result.nodeId || a.checkId !== result.checkId || a.atMs > nowMs) continue;
    if (!best) {
      best = a;
      continue;
    }
    const [x, y] = [rank(a), rank(best)];
    if (x[0] > y[0] || (x[0] === y[0] && (x[1] > y[1] || (x[1] === y[1] && x[2] > y[2])))) best = a;
  }
  return best;
}

/** A waiver accepts what is not passing: a failure, an error, an unanswered manual check. */
const WAIVABLE: ReadonlySet<EffectiveStatus> = new Set(['fail', 'error', 'manual']);

/**
 * Effective status of each result at `nowMs`: a manual check takes its attestation's status; a
 * fail / error / manual result covered by an active waiver (node, one of the node's groups, or
 * the fleet) is `waived`; everything else keeps its probe status. A result keeps the ids of the
 * attestation and waiver that decided it.
 */
export function effectiveResults(
  results: readonly ProbeResult[],
  attestations: readonly Attestation[],
  waivers: readonly Waiver[],
  nodeGroups: NodeGroups,
  nowMs: number,
): AuditResultView[] {
  const active = waivers.filter((w) => waiverActive(w, nowMs));
  return results.map((result) => {
    const attestation = attestationFor(result, attestations, nowMs);
    let effective: EffectiveStatus = result.status === 'manual' && attestation ? attestation.status : result.status;
    let waiverId: number | null = null;
    if (WAIVABLE.has(effective)) {
      const waiver = active.find((w) => waiverCovers(w, result.nodeId, result.checkId, nodeGroups));
      if (waiver) {
        effective = 'waived';
        waiverId = waiver.id;
      }
    }
    return { ...result, effective, attestationId: attestation?.id ?? null, waiverId };
  });
}

export function emptyScoreView(): ScoreView {
  return { pass: 0, fail: 0, error: 0, notApplicable: 0, manual: 0, waived: 0, score: null };
}

/** Counts effective statuses; the score is pass / (pass + fail), waived counted in neither. */
export function scoreEffective(statuses: readonly EffectiveStatus[]): ScoreView {
  const score = emptyScoreView();
  for (const status of statuses) {
    if (status === 'not-applicable') score.notApplicable += 1;
    else score[status] += 1;
  }
  score.score = score.pass + score.fail > 0 ? score.pass / (score.pass + score.fail) : null;
  return score;
}

export interface ReportScope {
  /** Only these nodes (all of the run's when absent or empty). */
  nodeIds?: readonly string[];
  /** Only checks citing at least one of these frameworks, and only their scores (all when absent or empty). */
  frameworks?: readonly FrameworkName[];
}

export interface BuildReportInput {
  run: StoredRun;
  /** The checks of the policy the run used (its snapshot), in the policy's order. */
  checks: readonly CheckInfo[];
  /** The policy's title and description where known (the snapshot or the loaded policy). */
  policy?: { title: string; description: string };
  attestations: readonly Attestation[];
  waivers: readonly Waiver[];
  nodeGroups?: NodeGroups;
  scope: ReportScope;
  nowMs: number;
  /** Clusterdeck's version. */
  version: string;
}

function citesAny(check: CheckInfo | undefined, frameworks: readonly FrameworkName[]): boolean {
  return check !== undefined && frameworks.some((f) => check.references[f].length > 0);
}

export function buildReportModel(input: BuildReportInput): ReportModel {
  const { run, nowMs } = input;
  const groups = input.nodeGroups ?? NO_GROUPS;
  const wantNodes = input.scope.nodeIds?.length ? new Set(input.scope.nodeIds) : null;
  const frameworks = input.scope.frameworks?.length ? REPORT_FRAMEWORKS.filter((f) => input.scope.frameworks!.includes(f)) : [...REPORT_FRAMEWORKS];
  const byFramework = Boolean(input.scope.frameworks?.length);
  const checkById = new Map(input.checks.map((c) => [c.id, c]));
  const nodes = run.nodes.filter((n) => !wantNodes || wantNodes.has(n.nodeId));
  const nodeIds = new Set(nodes.map((n) => n.nodeId));
  const checks = input.checks.filter((c) => !byFramework || citesAny(c, frameworks));
  const checkIds = new Set(checks.map((c) => c.id));

  const inScope = probeResultsOf(run).filter((r) => nodeIds.has(r.nodeId) && (checkIds.has(r.checkId) || (!byFramework && !checkById.has(r.checkId))));
  const results = effectiveResults(inScope, input.attestations, input.waivers, groups, nowMs);

  const usedAttestations = new Set(results.map((r) => r.attestationId).filter((id): id is number => id !== null));
  const resultKeys = new Set(results.map((r) => `${r.nodeId}\u0000${r.checkId}`));
  const attestations = input.attestations.filter((a) => usedAttestations.has(a.id) || resultKeys.has(`${a.nodeId}\u0000${a.checkId}`));
  const waivers = input.waivers
    .filter((w) => results.some((r) => waiverCovers(w, r.nodeId, r.checkId, groups)))
    .map((w) => ({ ...w, active: waiverActive(w, nowMs) }));

  const policyScore = scoreEffective(results.map((r) => r.effective));
  const frameworkScores: Partial<Record<FrameworkName, ScoreView>> = {};
  for (const f of frameworks) frameworkScores[f] = scoreEffective(results.filter((r) => citesAny(checkById.get(r.checkId), [f])).map((r) => r.effective));
  const reportNodes: ReportNode[] = nodes.map((n) => ({
    nodeId: n.nodeId,
    audited: n.audited,
    error: n.error,
    hostKey: n.hostKey,
    score: scoreEffective(results.filter((r) => r.nodeId === n.nodeId).map((r) => r.effective)),
  }));
  const summary: AuditRunSummary = {
    runId: run.id,
    policyId: run.policyId,
    policyVersion: run.policyVersion,
    policySha256: run.policySha256,
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    nodes: nodes.map((n) => ({ nodeId: n.nodeId, audited: n.audited, error: n.error, hostKey: n.hostKey })),
    score: policyScore,
    frameworks: Object.fromEntries(REPORT_FRAMEWORKS.map((f) => [f, frameworkScores[f] ?? emptyScoreView()])) as Record<FrameworkName, ScoreView>,
  };
  return {
    generator: { name: 'Clusterdeck', version: input.version },
    generatedAt: nowMs,
    run: summary,
    policy: {
      id: run.policyId,
      title: input.policy?.title ?? run.policyId,
      version: run.policyVersion,
      sha256: run.policySha256,
      description: input.policy?.description ?? '',
    },
    scope: { nodeIds: nodes.map((n) => n.nodeId), frameworks },
    nodes: reportNodes,
    checks,
    results,
    attestations,
    waivers,
    scores: { policy: policyScore, frameworks: frameworkScores },
  };
}
