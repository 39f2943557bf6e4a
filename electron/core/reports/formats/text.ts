/** Small text helpers the formats share: lookups over the model, dates, waiver and attestation lines. */
import type { Attestation, AuditResultView, CheckInfo, Waiver } from '../../../../shared/model/audits';
import type { ReportModel } from '../types';

export function checksById(model: ReportModel): Map<string, CheckInfo> {
  return new Map(model.checks.map((c) => [c.id, c]));
}

export function isoTime(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms);
}

export function waiverScopeText(waiver: Waiver): string {
  const { scope } = waiver;
  return scope.kind === 'fleet' ? 'fleet' : scope.kind === 'node' ? `node ${scope.nodeId}` : `group ${scope.group}`;
}

/** "waiver #3 (node n1) approved by ciso, until 2025-…: justification". */
export function waiverText(waiver: Waiver): string {
  return `waiver #${waiver.id} (${waiverScopeText(waiver)}) approved by ${waiver.approver}, until ${isoTime(waiver.expiresAtMs)}${
    waiver.revokedAtMs === null ? '' : `, revoked ${isoTime(waiver.revokedAtMs)}`
  }: ${waiver.justification}`;
}

/** "attested pass by ann at 2025-…: note". */
export function attestationText(attestation: Attestation): string {
  return `attested ${attestation.status} by ${attestation.by} at ${isoTime(attestation.atMs)}: ${attestation.note}`;
}

export interface ResultLinks {
  waiver: Waiver | null;
  attestation: Attestation | null;
}

export function resultLinks(model: ReportModel): (result: AuditResultView) => ResultLinks {
  const waivers = new Map(model.waivers.map((w) => [w.id, w]));
  const attestations = new Map(model.attestations.map((a) => [a.id, a]));
  return (result) => ({
    waiver: result.waiverId === null ? null : (waivers.get(result.waiverId) ?? null),
    attestation: result.attestationId === null ? null : (attestations.get(result.attestationId) ?? null),
  });
}

/** The policy id as a file name part: letters, digits, dot, dash, underscore. */
export function fileStem(model: ReportModel): string {
  const id = model.policy.id.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '') || 'policy';
  return `${id.slice(0, 100)}-run${model.run.runId}`;
}
