/**
 * The auditor's records in SQLite (tables of migration 0008): attestations (a manual check's
 * answer, or a note on any result) whose attachments are kept once by SHA-256; waivers
 * (justification, approver, node / group / fleet scope, expiry, revocation); and the policy each
 * run used (audit_runs.policy_snapshot: its checks as CheckInfo), so an old run reads as it ran.
 * Whether a waiver applies is decided at read time (reports/model.ts effectiveResults): nothing
 * here turns a failure into a pass. Each write takes an optional `record` callback that runs in
 * the same transaction (the audit log's row commits with the action, or neither does).
 */
import { createHash } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import { ContractError } from '../../../shared/dispatch';
import type { Attestation, CheckInfo, Waiver, WaiverScope } from '../../../shared/model/audits';
import type { Check, Policy } from './types';

/** One attachment at most this big (the contract's 14 MB of base64). */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
export const MAX_ATTACHMENTS = 8;
const MAX_NOTE_CHARS = 8192;
/** A waiver lasts at most this long: a failure is accepted for a while, not for ever. */
export const MAX_WAIVER_MS = 5 * 366 * 24 * 60 * 60 * 1000;

export interface AttachmentInput {
  name: string;
  content: Uint8Array;
}

export interface AttestationInput {
  runId: number | null;
  nodeId: string;
  checkId: string;
  status: Attestation['status'];
  note: string;
  attachments: readonly AttachmentInput[];
}

export interface WaiverInput {
  checkId: string;
  scope: WaiverScope;
  justification: string;
  approver: string;
  expiresAtMs: number;
}

interface AttestationRow {
  id: number;
  run_id: number | null;
  node_id: string;
  check_id: string;
  status: Attestation['status'];
  note: string;
  attachments: string;
  by: string;
  at_ms: number;
}

interface WaiverRow {
  id: number;
  check_id: string;
  scope_kind: WaiverScope['kind'];
  scope_value: string;
  justification: string;
  approver: string;
  by: string;
  created_ms: number;
  expires_ms: number;
  revoked_ms: number | null;
}

function attestationOf(row: AttestationRow): Attestation {
  return {
    id: row.id,
    runId: row.run_id,
    nodeId: row.node_id,
    checkId: row.check_id,
    status: row.status,
    note: row.note,
    attachments: JSON.parse(row.attachments) as Attestation['attachments'],
    by: row.by,
    atMs: row.at_ms,
  };
}

function scopeOf(row: WaiverRow): WaiverScope {
  if (row.scope_kind === 'node') return { kind: 'node', nodeId: row.scope_value };
  if (row.scope_kind === 'group') return { kind: 'group', group: row.scope_value };
  return { kind: 'fleet' };
}

function scopeValue(scope: WaiverScope): string {
  return scope.kind === 'node' ? scope.nodeId : scope.kind === 'group' ? scope.group : '';
}

/** A waiver as stored, `active` at `nowMs` (made, not revoked, not expired). */
function waiverOf(row: WaiverRow, nowMs: number): Waiver {
  const active = row.created_ms <= nowMs && (row.revoked_ms === null || row.revoked_ms > nowMs) && row.expires_ms > nowMs;
  return {
    id: row.id,
    checkId: row.check_id,
    scope: scopeOf(row),
    justification: row.justification,
    approver: row.approver,
    by: row.by,
    createdAtMs: row.created_ms,
    expiresAtMs: row.expires_ms,
    revokedAtMs: row.revoked_ms,
    active,
  };
}

/** What a report shows of a policy's check (the run's snapshot keeps these). */
export function checkSnapshot(check: Check): CheckInfo {
  return {
    id: check.id,
    title: check.title,
    description: check.description,
    rationale: check.rationale,
    remediation: check.remediation,
    severity: check.severity,
    references: { cis: [...check.references.cis], nist: [...check.references.nist], ssg: [...check.references.ssg] },
    manual: check.rule === null,
    note: check.note,
  };
}

export function policySnapshot(policy: Policy): CheckInfo[] {
  return policy.checks.map(checkSnapshot);
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

export class WorkflowStore {
  constructor(private readonly db: Database) {}

  /** Keeps an attachment's bytes once (by SHA-256); returns what an attestation records of it. */
  putAttachment(attachment: AttachmentInput, nowMs: number): { name: string; sha256: string; bytes: number } {
    if (attachment.content.byteLength > MAX_ATTACHMENT_BYTES) {
      throw new ContractError('bad-request', `attachment ${attachment.name} is over ${MAX_ATTACHMENT_BYTES} bytes`);
    }
    const sha256 = sha256Hex(attachment.content);
    this.db
      .prepare('INSERT OR IGNORE INTO attachments (sha256, bytes, content, created_ms) VALUES (?, ?, ?, ?)')
      .run(sha256, attachment.content.byteLength, Buffer.from(attachment.content), nowMs);
    return { name: attachment.name, sha256, bytes: attachment.content.byteLength };
  }

  /** An attachment's bytes, or null. */
  attachment(sha256: string): Uint8Array | null {
    const row = this.db.prepare('SELECT content FROM attachments WHERE sha256 = ?').get(sha256) as { content: Buffer } | undefined;
    return row ? new Uint8Array(row.content) : null;
  }

  attest(input: AttestationInput, by: string, nowMs: number, record?: (attestation: Attestation) => void): Attestation {
    if (input.attachments.length > MAX_ATTACHMENTS) throw new ContractError('bad-request', `at most ${MAX_ATTACHMENTS} attachments`);
    if (input.note.length > MAX_NOTE_CHARS) throw new ContractError('bad-request', `the note is over ${MAX_NOTE_CHARS} characters`);
    return this.db.transaction(() => {
      const attachments = input.attachments.map((a) => this.putAttachment(a, nowMs));
      const id = Number(
        this.db
          .prepare('INSERT INTO attestations (run_id, node_id, check_id, status, note, attachments, by, at_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
          .run(input.runId, input.nodeId, input.checkId, input.status, input.note, JSON.stringify(attachments), by, nowMs).lastInsertRowid,
      );
      const attestation = attestationOf(this.db.prepare('SELECT * FROM attestations WHERE id = ?').get(id) as AttestationRow);
      record?.(attestation);
      return attestation;
    })();
  }

  /** Attestations, oldest first (of some nodes only when given). */
  attestations(nodeIds?: readonly string[]): Attestation[] {
    const rows = this.db.prepare('SELECT * FROM attestations ORDER BY at_ms, id').all() as AttestationRow[];
    const wanted = nodeIds ? new Set(nodeIds) : null;
    return rows.filter((row) => !wanted || wanted.has(row.node_id)).map(attestationOf);
  }

  /** Records a waiver: an approver, a justification, and an expiry in the future (at most MAX_WAIVER_MS away). */
  waive(input: WaiverInput, by: string, nowMs: number, record?: (waiver: Waiver) => void): Waiver {
    if (input.approver.trim() === '') throw new ContractError('bad-request', 'a waiver needs an approver');
    if (input.justification.trim() === '') throw new ContractError('bad-request', 'a waiver needs a justification');
    if (input.expiresAtMs <= nowMs) throw new ContractError('bad-request', 'a waiver must expire in the future');
    if (input.expiresAtMs - nowMs > MAX_WAIVER_MS) throw new ContractError('bad-request', 'a waiver may last at most five years');
    return this.db.transaction(() => {
      const id = Number(
        this.db
          .prepare(
            'INSERT INTO waivers (check_id, scope_kind, scope_value, justification, approver, by, created_ms, expires_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          )
          .run(input.checkId, input.scope.kind, scopeValue(input.scope), input.justification, input.approver.trim(), by, nowMs, input.expiresAtMs)
          .lastInsertRowid,
      );
      const waiver = this.waiver(id, nowMs)!;
      record?.(waiver);
      return waiver;
    })();
  }

  waiver(id: number, nowMs: number): Waiver | null {
    const row = this.db.prepare('SELECT * FROM waivers WHERE id = ?').get(id) as WaiverRow | undefined;
    return row ? waiverOf(row, nowMs) : null;
  }

  /** Every waiver, newest first, `active` as of `nowMs`. */
  waivers(nowMs: number): Waiver[] {
    const rows = this.db.prepare('SELECT * FROM waivers ORDER BY created_ms DESC, id DESC').all() as WaiverRow[];
    return rows.map((row) => waiverOf(row, nowMs));
  }

  /** Ends a waiver now; one already revoked stays as it was. */
  revokeWaiver(id: number, nowMs: number, record?: (waiver: Waiver) => void): Waiver {
    return this.db.transaction(() => {
      const before = this.waiver(id, nowMs);
      if (!before) throw new ContractError('not-found', `no waiver ${id}`);
      if (before.revokedAtMs !== null) return before;
      this.db.prepare('UPDATE waivers SET revoked_ms = ? WHERE id = ?').run(nowMs, id);
      const waiver = this.waiver(id, nowMs)!;
      record?.(waiver);
      return waiver;
    })();
  }

  /** Keeps the checks a run used (written with the run by AuditStore.saveRun). */
  savePolicySnapshot(runId: number, checks: readonly CheckInfo[]): void {
    this.db.prepare('UPDATE audit_runs SET policy_snapshot = ? WHERE id = ?').run(JSON.stringify(checks), runId);
  }

  /** The checks a run used, or null for a run stored before snapshots. */
  policySnapshot(runId: number): CheckInfo[] | null {
    const row = this.db.prepare('SELECT policy_snapshot FROM audit_runs WHERE id = ?').get(runId) as { policy_snapshot: string | null } | undefined;
    return row?.policy_snapshot ? (JSON.parse(row.policy_snapshot) as CheckInfo[]) : null;
  }
}
