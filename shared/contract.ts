/**
 * The one contract between the engine and every UI. Desktop IPC and HTTP both implement it, and
 * every request is validated against these schemas where it enters the engine.
 */
import { z } from 'zod';
import { NodeIdSchema as InventoryIdSchema, NodeStateSchema, SshConfigCandidateSchema, SshNodeSchema } from './model/inventory';
import { NodeSnapshotSchema, NodeSummarySchema } from './model/node';
import {
  AlertSchema,
  AlertSummarySchema,
  AlertTransitionSchema,
  AlertViewSchema,
  FailureEventSchema,
  RuleErrorSchema,
  RuleInfoSchema,
  SilenceMatcherSchema,
  SilenceSchema,
} from './model/alerts';
import { ConfigSchema, SettingsPatchSchema } from './config';
import {
  AttestationSchema,
  AuditLogEntrySchema,
  AuditResultSchema,
  AuditRunSummarySchema,
  CheckInfoSchema,
  FrameworkSchema,
  PolicySummarySchema,
  ProfileSchema,
  ReportFormatSchema,
  WaiverSchema,
  WaiverScopeSchema,
} from './model/audits';
import { SourceInfoSchema, SourceSaveRequestSchema, SourceTestResultSchema } from './model/sources';
import { AppInfoSchema, EngineStatusSchema, StorageStatsSchema } from './model/engine-status';
import { LatestValueSchema, LatestValuesQuerySchema, MetricQueryResultSchema, MetricQuerySchema } from './model/metric-query';

// The engine's state and the metric queries are payloads of this contract: importable from it too.
export * from './model/engine-status';
export * from './model/metric-query';

const NodeIdSchema = z.string().min(1).max(256);
const NoArgsSchema = z.object({}).strict();

export const SshConfigReadSchema = z.object({
  path: z.string(),
  candidates: z.array(SshConfigCandidateSchema),
  warnings: z.array(z.string()),
});

export const SshConfigImportResultSchema = z.object({
  added: z.array(z.string()),
  skipped: z.array(z.object({ alias: z.string(), reason: z.string() })),
});

const PathSchema = z.string().min(1).max(4096);

interface CallSpec<Req extends z.ZodType, Res extends z.ZodType> {
  doc: string;
  request: Req;
  response: Res;
}
const call = <Req extends z.ZodType, Res extends z.ZodType>(spec: CallSpec<Req, Res>) => spec;

/** Every request/response call. Names are `area:verb`. */
export const CALLS = {
  'app:info': call({ doc: 'Version, mode, data paths and config state.', request: NoArgsSchema, response: AppInfoSchema }),
  'engine:status': call({ doc: 'Health of the collection loop.', request: NoArgsSchema, response: EngineStatusSchema }),
  'nodes:list': call({ doc: 'Every known node with its latest GPU status.', request: NoArgsSchema, response: z.array(NodeSummarySchema) }),
  'nodes:latest': call({
    doc: "A node's most recent snapshot, or null before its first collection.",
    request: z.object({ nodeId: NodeIdSchema }).strict(),
    response: NodeSnapshotSchema.nullable(),
  }),
  'metrics:query': call({
    doc: "One metric's series for a node over a time range, at most maxPoints per series.",
    request: MetricQuerySchema,
    response: MetricQueryResultSchema,
  }),
  'metrics:latest': call({
    doc: 'The newest value of the given metrics on every device of the given (or all) nodes.',
    request: LatestValuesQuerySchema,
    response: z.array(LatestValueSchema),
  }),
  'nodes:states': call({
    doc: 'Status of every collected node (up, degraded, unreachable, auth-failed, host-key-...), with the last error.',
    request: NoArgsSchema,
    response: z.array(NodeStateSchema),
  }),
  'nodes:add': call({
    doc: 'Adds an SSH node to the inventory and starts collecting it.',
    request: z.object({ node: SshNodeSchema }).strict(),
    response: NodeStateSchema,
  }),
  'nodes:update': call({
    doc: "Replaces a node's labels (groups).",
    request: z.object({ nodeId: InventoryIdSchema, labels: SshNodeSchema.shape.labels }).strict(),
    response: NodeStateSchema,
  }),
  'nodes:edit': call({
    doc: 'Changes how a node is reached (host, port, user, identity files, agent, ProxyJump, exporters); its id, labels and history stay.',
    request: z.object({ node: SshNodeSchema }).strict(),
    response: NodeStateSchema,
  }),
  'nodes:remove': call({
    doc: 'Removes an SSH node from the inventory; its history stays until retention takes it.',
    request: z.object({ nodeId: InventoryIdSchema }).strict(),
    response: z.object({ removed: z.literal(true) }),
  }),
  'nodes:retry': call({
    doc: 'Connects to a node now instead of waiting for its back-off.',
    request: z.object({ nodeId: InventoryIdSchema }).strict(),
    response: NodeStateSchema,
  }),
  'sshConfig:read': call({
    doc: 'The Host entries of an OpenSSH client config (default ~/.ssh/config), resolved, for the import picker.',
    request: z.object({ path: PathSchema.optional() }).strict(),
    response: SshConfigReadSchema,
  }),
  'sshConfig:pick': call({
    doc: 'Asks the user to choose an ssh config file with the desktop file picker (desktop only; serve answers unavailable).',
    request: z.object({}).strict(),
    response: z.object({ path: PathSchema.nullable() }),
  }),
  'sshConfig:import': call({
    doc: 'Adds the chosen Host entries of an ssh config to the inventory.',
    request: z.object({ path: PathSchema.optional(), aliases: z.array(z.string().min(1).max(128)).min(1).max(5000) }).strict(),
    response: SshConfigImportResultSchema,
  }),
  'hostKeys:trust': call({
    doc: 'Trusts the host key a node presents, if its fingerprint is the one the user confirmed (re-trusts a changed key).',
    request: z.object({ nodeId: InventoryIdSchema, fingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/) }).strict(),
    response: NodeStateSchema,
  }),
  'keys:passphrase': call({
    doc: "Keeps a private key's passphrase in the OS keychain (desktop only) and reconnects the nodes using it.",
    request: z.object({ keyPath: PathSchema, passphrase: z.string().min(1).max(1024) }).strict(),
    response: z.object({ stored: z.literal(true) }),
  }),
  'storage:stats': call({
    doc: 'Database size per tier, retention and write status.',
    request: NoArgsSchema,
    response: StorageStatsSchema,
  }),
  'alerts:list': call({
    doc: 'Alerts, newest first: by default every open one (pending, firing) and the last resolved ones.',
    request: z
      .object({
        views: z.array(AlertViewSchema).max(5).optional(),
        nodeId: NodeIdSchema.optional(),
        gpu: z.string().max(256).optional(),
        severities: z
          .array(z.enum(['info', 'warning', 'critical']))
          .max(3)
          .optional(),
        limit: z.number().int().min(1).max(5000).default(500),
      })
      .strict(),
    response: z.object({ alerts: z.array(AlertSchema), total: z.number().int() }),
  }),
  'alerts:get': call({
    doc: 'One alert with every transition it went through and its rule (rationale, runbook).',
    request: z.object({ id: z.number().int().positive() }).strict(),
    response: z.object({ alert: AlertSchema, transitions: z.array(AlertTransitionSchema), rule: RuleInfoSchema.nullable() }),
  }),
  'alerts:summary': call({ doc: 'Active alerts by severity, node and GPU.', request: NoArgsSchema, response: AlertSummarySchema }),
  'alerts:ack': call({
    doc: 'Acknowledges an alert (who, when, an optional comment); it stays listed until it resolves.',
    request: z.object({ id: z.number().int().positive(), by: z.string().min(1).max(256).optional(), comment: z.string().max(2048).optional() }).strict(),
    response: AlertSchema,
  }),
  'alerts:snooze': call({
    doc: 'Snoozes an alert: no notification for it for this long (it still shows).',
    request: z
      .object({
        id: z.number().int().positive(),
        durationMs: z
          .number()
          .int()
          .min(60_000)
          .max(30 * 86_400_000),
      })
      .strict(),
    response: AlertSchema,
  }),
  'silences:list': call({ doc: 'Every silence, active and expired ones of the last week.', request: NoArgsSchema, response: z.array(SilenceSchema) }),
  'silences:create': call({
    doc: 'Silences every alert matching all matchers until it expires.',
    request: z
      .object({
        matchers: z.array(SilenceMatcherSchema).min(1).max(16),
        durationMs: z
          .number()
          .int()
          .min(60_000)
          .max(365 * 86_400_000),
        comment: z.string().max(2048).default(''),
        by: z.string().min(1).max(256).optional(),
      })
      .strict(),
    response: SilenceSchema,
  }),
  'silences:expire': call({
    doc: 'Ends a silence now.',
    request: z.object({ id: z.number().int().positive() }).strict(),
    response: SilenceSchema,
  }),
  'rules:list': call({
    doc: 'The alert rules in force (default file and user folder) and the ones refused, with file and line.',
    request: NoArgsSchema,
    response: z.object({ rules: z.array(RuleInfoSchema), errors: z.array(RuleErrorSchema), userRulesDir: z.string() }),
  }),
  'failures:timeline': call({
    doc: "A node's failures (Xid, ECC, fallen off the bus, throttling, unreachable spans...) overlapping [fromMs, toMs), oldest first.",
    request: z
      .object({
        nodeId: NodeIdSchema,
        gpu: z.string().max(256).optional(),
        fromMs: z.number().int().nonnegative(),
        toMs: z.number().int().nonnegative(),
      })
      .strict()
      .refine((q) => q.fromMs < q.toMs, { message: 'fromMs must be before toMs', path: ['fromMs'] }),
    response: z.object({ events: z.array(FailureEventSchema), truncated: z.boolean() }),
  }),
  'settings:get': call({
    doc: 'The settings in force (the config file with defaults filled in) and the file they are written to.',
    request: NoArgsSchema,
    response: z.object({ config: ConfigSchema, configPath: z.string(), writable: z.boolean() }),
  }),
  'settings:update': call({
    doc: "Changes settings: validated, written to config.yaml keeping the user's comments, applied without a restart.",
    request: z.object({ patch: SettingsPatchSchema }).strict(),
    response: z.object({ config: ConfigSchema }),
  }),
  'sources:list': call({
    doc: 'The Prometheus-compatible sources with their health; secrets are never returned, only where they are kept.',
    request: NoArgsSchema,
    response: z.array(SourceInfoSchema),
  }),
  'sources:save': call({
    doc: 'Adds a source or replaces the one with the same id: written to config.yaml, the secret to the OS keychain, applied without a restart.',
    request: SourceSaveRequestSchema,
    response: SourceInfoSchema,
  }),
  'sources:remove': call({
    doc: 'Removes a source, its kept secret and its nodes from the fleet (their history stays until retention takes it).',
    request: z.object({ id: z.string().min(1).max(64) }).strict(),
    response: z.object({ removed: z.literal(true) }),
  }),
  'sources:test': call({
    doc: 'Tries a source without saving it: reachable, credentials accepted, a Prometheus API, how many nodes it would bring.',
    request: SourceSaveRequestSchema,
    response: SourceTestResultSchema,
  }),
  'profile:get': call({ doc: 'Who is using this window or session: name and role (admin or auditor).', request: NoArgsSchema, response: ProfileSchema }),
  'profile:set': call({
    doc: 'Switches this window or session to a profile; an auditor may run audits, attest, waive and export, not change nodes, keys or settings.',
    request: z.object({ profile: ProfileSchema }).strict(),
    response: ProfileSchema,
  }),
  'audits:policies': call({
    doc: 'The compliance policies: built in, and those the user imported.',
    request: NoArgsSchema,
    response: z.array(PolicySummarySchema),
  }),
  'audits:run': call({
    doc: 'Starts an audit of the chosen nodes (default all) with a policy; progress comes as audit:progress events.',
    request: z.object({ policyId: z.string().min(1).max(128), nodeIds: z.array(NodeIdSchema).max(10_000).optional() }).strict(),
    response: z.object({ runId: z.number().int().positive() }),
  }),
  'audits:runs': call({
    doc: 'Stored audit runs, newest first.',
    request: z.object({ policyId: z.string().max(128).optional(), limit: z.number().int().min(1).max(1000).default(50) }).strict(),
    response: z.array(AuditRunSummarySchema),
  }),
  'audits:results': call({
    doc: "A run's results (node x check) with the checks' texts, attestations and waivers applied.",
    request: z.object({ runId: z.number().int().positive(), nodeIds: z.array(NodeIdSchema).max(10_000).optional() }).strict(),
    response: z.object({ run: AuditRunSummarySchema, checks: z.array(CheckInfoSchema), results: z.array(AuditResultSchema) }),
  }),
  'audits:drift': call({
    doc: 'What changed between two runs of a policy: newly failing, fixed, other changes.',
    request: z.object({ fromRunId: z.number().int().positive(), toRunId: z.number().int().positive() }).strict(),
    response: z.object({
      newlyFailing: z.array(z.object({ nodeId: z.string(), checkId: z.string() })),
      fixed: z.array(z.object({ nodeId: z.string(), checkId: z.string() })),
      changed: z.array(z.object({ nodeId: z.string(), checkId: z.string(), from: z.string(), to: z.string() })),
    }),
  }),
  'audits:attest': call({
    doc: 'Records an attestation: the status of a manual check (or a note), attachments stored by hash, who and when.',
    request: z
      .object({
        runId: z.number().int().positive().optional(),
        nodeId: NodeIdSchema,
        checkId: z.string().min(1).max(128),
        status: z.enum(['pass', 'fail', 'not-applicable']),
        note: z.string().max(8192),
        attachments: z
          .array(z.object({ name: z.string().min(1).max(255), contentBase64: z.string().max(14_000_000) }).strict())
          .max(8)
          .default([]),
      })
      .strict(),
    response: AttestationSchema,
  }),
  'audits:waive': call({
    doc: 'Waives a failing check for a node, a group or the fleet until it expires; waived results show as waived, never passed.',
    request: z
      .object({
        checkId: z.string().min(1).max(128),
        scope: WaiverScopeSchema,
        justification: z.string().min(1).max(8192),
        approver: z.string().min(1).max(256),
        expiresAtMs: z.number().int().positive(),
      })
      .strict(),
    response: WaiverSchema,
  }),
  'audits:waivers': call({ doc: 'Every waiver, active and expired or revoked.', request: NoArgsSchema, response: z.array(WaiverSchema) }),
  'audits:revokeWaiver': call({ doc: 'Ends a waiver now.', request: z.object({ id: z.number().int().positive() }).strict(), response: WaiverSchema }),
  'auditLog:list': call({
    doc: 'The audit log (every action), newest first.',
    request: z.object({ limit: z.number().int().min(1).max(5000).default(200), beforeSeq: z.number().int().positive().optional() }).strict(),
    response: z.array(AuditLogEntrySchema),
  }),
  'auditLog:verify': call({
    doc: 'Checks the audit log hash chain; names the first edited, inserted or deleted row.',
    request: NoArgsSchema,
    response: z.object({ ok: z.boolean(), rows: z.number().int(), problem: z.object({ seq: z.number().int(), message: z.string() }).nullable() }),
  }),
  'reports:export': call({
    doc: "A report of a run in one format, scoped to nodes and frameworks: the file's bytes (base64) for the UI to save.",
    request: z
      .object({
        runId: z.number().int().positive(),
        format: ReportFormatSchema,
        nodeIds: z.array(NodeIdSchema).max(10_000).optional(),
        frameworks: z.array(FrameworkSchema).max(3).optional(),
      })
      .strict(),
    response: z.object({ fileName: z.string(), mime: z.string(), bytes: z.number().int(), contentBase64: z.string() }),
  }),
} as const;

/** Every event pushed from the engine to UIs. */
export const EVENTS = {
  /** A node was collected; carries the whole snapshot so views need not re-fetch. */
  'snapshot:collected': NodeSnapshotSchema,
  /** The collection loop's status changed (after every tick). */
  'engine:statusChanged': EngineStatusSchema,
  /** Some node's status changed, or the inventory did: every node's state. */
  'nodes:changed': z.array(NodeStateSchema),
  /** Some alert changed state (or was acknowledged, silenced...): the new summary. */
  'alerts:changed': AlertSummarySchema,
  /** An audit started from the UI moved on: nodes done of total; `finished` with its run id at the end. */
  'audit:progress': z.object({
    runId: z.number().int().nullable(),
    policyId: z.string(),
    done: z.number().int(),
    total: z.number().int(),
    nodeId: z.string().nullable(),
    finished: z.boolean(),
    error: z.string().nullable(),
  }),
} as const;

/** Calls an auditor profile may not make (nodes, keys, settings, silences are the administrator's). */
export const ADMIN_ONLY_CALLS: readonly CallName[] = [
  'nodes:add',
  'nodes:update',
  'nodes:edit',
  'nodes:remove',
  'sources:save',
  'sources:remove',
  'sources:test',
  'sshConfig:import',
  'hostKeys:trust',
  'keys:passphrase',
  'settings:update',
];

export type CallName = keyof typeof CALLS;
export type EventName = keyof typeof EVENTS;
export type CallRequest<C extends CallName> = z.input<(typeof CALLS)[C]['request']>;
export type CallResponse<C extends CallName> = z.output<(typeof CALLS)[C]['response']>;
export type EventPayload<E extends EventName> = z.output<(typeof EVENTS)[E]>;

export const CALL_NAMES = Object.keys(CALLS) as CallName[];
export const EVENT_NAMES = Object.keys(EVENTS) as EventName[];

/** Errors that cross the boundary: a code and a sentence, never a stack trace. */
export const ErrorCodeSchema = z.enum(['unknown-call', 'bad-request', 'not-found', 'forbidden', 'unavailable', 'internal']);
export type ErrorCode = z.infer<typeof ErrorCodeSchema>;
export interface CallError {
  code: ErrorCode;
  message: string;
}
export type CallResult<T> = { ok: true; value: T } | { ok: false; error: CallError };

/** The engine side of the contract: one async handler per call. */
export type CallHandlers = { [C in CallName]: (request: z.output<(typeof CALLS)[C]['request']>) => Promise<CallResponse<C>> };

/** The UI side of the contract, whatever the transport. */
export interface ClusterdeckApi {
  call<C extends CallName>(name: C, request: CallRequest<C>): Promise<CallResponse<C>>;
  on<E extends EventName>(name: E, listener: (payload: EventPayload<E>) => void): () => void;
}

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(CALLS, name);
}
