import { z } from 'zod';

/**
 * Compliance audits as the UI, the CLI and the reports see them: policies, stored runs and their
 * results, the auditor's attestations and waivers, the audit log, report formats. The engine's
 * compliance code (electron/core/compliance/, reports/) is their only writer.
 */

export const CheckStatusSchema = z.enum(['pass', 'fail', 'error', 'not-applicable', 'manual']);
export type CheckStatusName = z.infer<typeof CheckStatusSchema>;

/** What a result shows once attestations and waivers are applied: a waived failure is `waived`, never `pass`. */
export const EffectiveStatusSchema = z.enum(['pass', 'fail', 'error', 'not-applicable', 'manual', 'waived']);
export type EffectiveStatus = z.infer<typeof EffectiveStatusSchema>;

export const CheckSeveritySchema = z.enum(['low', 'medium', 'high', 'critical']);
export const FrameworkSchema = z.enum(['cis', 'nist', 'ssg']);
export type FrameworkName = z.infer<typeof FrameworkSchema>;

export const ReferencesSchema = z.object({ cis: z.array(z.string()), nist: z.array(z.string()), ssg: z.array(z.string()) });

export const PolicySummarySchema = z.object({
  id: z.string(),
  title: z.string(),
  version: z.string(),
  description: z.string(),
  checks: z.number().int(),
  builtIn: z.boolean(),
  sha256: z.string(),
  source: z.string(),
});
export type PolicySummary = z.infer<typeof PolicySummarySchema>;

export const ScoreSchema = z.object({
  pass: z.number().int(),
  fail: z.number().int(),
  error: z.number().int(),
  notApplicable: z.number().int(),
  manual: z.number().int(),
  waived: z.number().int().default(0),
  /** pass / (pass + fail), 0..1; null when nothing passed or failed. Waived failures count in neither. */
  score: z.number().nullable(),
});
export type ScoreView = z.infer<typeof ScoreSchema>;

export const AuditRunSummarySchema = z.object({
  runId: z.number().int().positive(),
  policyId: z.string(),
  policyVersion: z.string(),
  policySha256: z.string(),
  startedAt: z.number().int(),
  endedAt: z.number().int(),
  nodes: z.array(z.object({ nodeId: z.string(), audited: z.boolean(), error: z.string().nullable(), hostKey: z.string().nullable() })),
  score: ScoreSchema,
  frameworks: z.record(FrameworkSchema, ScoreSchema),
});
export type AuditRunSummary = z.infer<typeof AuditRunSummarySchema>;

export const EvidenceSchema = z.object({
  probe: z.string(),
  source: z.string(),
  exitCode: z.number().int().nullable(),
  excerpt: z.string(),
  sha256: z.string(),
  startedAt: z.number(),
  endedAt: z.number(),
  problem: z.string().nullable(),
});

export const CheckInfoSchema = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  rationale: z.string(),
  remediation: z.string(),
  severity: CheckSeveritySchema,
  references: ReferencesSchema,
  manual: z.boolean(),
  note: z.string().nullable(),
});
export type CheckInfo = z.infer<typeof CheckInfoSchema>;

/** One node x check of a run, with what the auditor did about it. */
export const AuditResultSchema = z.object({
  runId: z.number().int(),
  nodeId: z.string(),
  checkId: z.string(),
  /** What the probes found. */
  status: CheckStatusSchema,
  /** After attestations (manual checks) and waivers in force at `asOf`. */
  effective: EffectiveStatusSchema,
  detail: z.string(),
  evidence: z.array(EvidenceSchema),
  evidenceSha256: z.string(),
  hostKey: z.string().nullable(),
  attestationId: z.number().int().nullable(),
  waiverId: z.number().int().nullable(),
});
export type AuditResultView = z.infer<typeof AuditResultSchema>;

/** An auditor's answer to a manual check (or a note on any result), with attachments stored by hash. */
export const AttestationSchema = z.object({
  id: z.number().int().positive(),
  runId: z.number().int().nullable(),
  nodeId: z.string(),
  checkId: z.string(),
  status: z.enum(['pass', 'fail', 'not-applicable']),
  note: z.string(),
  attachments: z.array(z.object({ name: z.string(), sha256: z.string(), bytes: z.number().int() })),
  by: z.string(),
  atMs: z.number().int(),
});
export type Attestation = z.infer<typeof AttestationSchema>;

export const WaiverScopeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('node'), nodeId: z.string().min(1).max(256) }),
  z.object({ kind: z.literal('group'), group: z.string().min(1).max(256) }),
  z.object({ kind: z.literal('fleet') }),
]);
export type WaiverScope = z.infer<typeof WaiverScopeSchema>;

/** A failure accepted for a while: justification, approver, scope, expiry. Expired: the failure is back. */
export const WaiverSchema = z.object({
  id: z.number().int().positive(),
  checkId: z.string(),
  scope: WaiverScopeSchema,
  justification: z.string(),
  approver: z.string(),
  by: z.string(),
  createdAtMs: z.number().int(),
  expiresAtMs: z.number().int(),
  revokedAtMs: z.number().int().nullable(),
  active: z.boolean(),
});
export type Waiver = z.infer<typeof WaiverSchema>;

/** One row of the hash-chained audit log. */
export const AuditLogEntrySchema = z.object({
  seq: z.number().int().positive(),
  atMs: z.number().int(),
  actor: z.string(),
  role: z.string(),
  action: z.string(),
  subject: z.string(),
  details: z.string(),
  hash: z.string(),
});
export type AuditLogEntry = z.infer<typeof AuditLogEntrySchema>;

export const ReportFormatSchema = z.enum(['json', 'csv', 'html', 'pdf', 'oscal', 'junit']);
export type ReportFormat = z.infer<typeof ReportFormatSchema>;

/** Who is using the app: an administrator, or an auditor (runs audits, attests, waives, exports; no node or key changes). */
export const RoleSchema = z.enum(['admin', 'auditor']);
export type Role = z.infer<typeof RoleSchema>;
export const ProfileSchema = z.object({ name: z.string().min(1).max(128), role: RoleSchema });
export type Profile = z.infer<typeof ProfileSchema>;
