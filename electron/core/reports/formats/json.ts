/**
 * The audit JSON of `clusterdeck audit --format json` (AuditDocument), from a stored run, with
 * what the auditor did: each check's effective status and the ids of the attestation and waiver
 * that decided it, the attestations and waivers themselves, and scores counting waived apart.
 */
import type { Attestation, AuditResultView, EffectiveStatus, ScoreView, Waiver } from '../../../../shared/model/audits';
import type { ReportFormatter, ReportModel } from '../types';
import { checksById } from './text';

export interface ReportJsonCheck {
  nodeId: string;
  checkId: string;
  title: string;
  status: AuditResultView['status'];
  effective: EffectiveStatus;
  severity: string;
  references: { cis: readonly string[]; nist: readonly string[]; ssg: readonly string[] };
  detail: string;
  remediation: string;
  hostKey: string | null;
  evidence: AuditResultView['evidence'];
  evidenceSha256: string;
  attestationId: number | null;
  waiverId: number | null;
}

/** AuditDocument's shape (policy, runId, times, scores, nodes[].checks[]) plus the auditor's side. */
export interface ReportJson {
  generator: ReportModel['generator'];
  generatedAt: number;
  policy: { id: string; title: string; version: string; sha256: string; description: string };
  runId: number;
  startedAt: number;
  endedAt: number;
  scope: ReportModel['scope'];
  scores: { policy: ScoreView; nodes: Record<string, ScoreView>; frameworks: ReportModel['scores']['frameworks'] };
  nodes: Array<{ nodeId: string; audited: boolean; error: string | null; hostKey: string | null; checks: ReportJsonCheck[] }>;
  attestations: readonly Attestation[];
  waivers: readonly Waiver[];
}

export function reportJson(model: ReportModel): ReportJson {
  const checks = checksById(model);
  return {
    generator: model.generator,
    generatedAt: model.generatedAt,
    policy: model.policy,
    runId: model.run.runId,
    startedAt: model.run.startedAt,
    endedAt: model.run.endedAt,
    scope: model.scope,
    scores: {
      policy: model.scores.policy,
      nodes: Object.fromEntries(model.nodes.map((n) => [n.nodeId, n.score])),
      frameworks: model.scores.frameworks,
    },
    nodes: model.nodes.map((node) => ({
      nodeId: node.nodeId,
      audited: node.audited,
      error: node.error,
      hostKey: node.hostKey,
      checks: model.results
        .filter((r) => r.nodeId === node.nodeId)
        .map((r) => {
          const check = checks.get(r.checkId);
          return {
            nodeId: r.nodeId,
            checkId: r.checkId,
            title: check?.title ?? r.checkId,
            status: r.status,
            effective: r.effective,
            severity: check?.severity ?? 'medium',
            references: check?.references ?? { cis: [], nist: [], ssg: [] },
            detail: r.detail,
            remediation: check?.remediation ?? '',
            hostKey: r.hostKey,
            evidence: r.evidence,
            evidenceSha256: r.evidenceSha256,
            attestationId: r.attestationId,
            waiverId: r.waiverId,
          };
        }),
    })),
    attestations: model.attestations,
    waivers: model.waivers,
  };
}

export const jsonFormatter: ReportFormatter = {
  format: 'json',
  extension: 'json',
  mime: 'application/json',
  render: (model) => new TextEncoder().encode(`${JSON.stringify(reportJson(model), null, 2)}\n`),
};
