import { z } from 'zod';

/**
 * Alerts, silences, rules and failure events as the UI, the CLI and the HTTP stream see them.
 * The engine's alert code (electron/core/alerts/) keeps these in SQLite and is their only writer.
 */

export const AlertSeveritySchema = z.enum(['info', 'warning', 'critical']);
export type AlertSeverity = z.infer<typeof AlertSeveritySchema>;

/** Worst first, for sorting and for the tray. */
export const SEVERITY_RANK: Readonly<Record<AlertSeverity, number>> = { critical: 3, warning: 2, info: 1 };

/** pending: the condition holds but not yet for the rule's `for`; firing: notified; resolved: over. */
export const AlertStateSchema = z.enum(['pending', 'firing', 'resolved']);
export type AlertState = z.infer<typeof AlertStateSchema>;

/** How the alerts page files an alert (derived from state, ack, snooze, silence, suppression). */
export const AlertViewSchema = z.enum(['firing', 'pending', 'acknowledged', 'silenced', 'resolved']);
export type AlertView = z.infer<typeof AlertViewSchema>;

const label = () => z.string().max(1024);

export const AlertAckSchema = z.object({ by: z.string().max(256), atMs: z.number().int(), comment: z.string().max(2048).nullable() });

export const AlertSchema = z.object({
  id: z.number().int().positive(),
  /** rule + node + subject: one alert per failure, never three for one failure. */
  fingerprint: z.string(),
  ruleId: z.string(),
  nodeId: z.string(),
  /** '' for the node itself; a GPU key (UUID), a mount point, an interface... */
  subject: z.string(),
  /** The GPU's key (UUID) when the alert is about a GPU, else null. */
  gpu: z.string().nullable(),
  severity: AlertSeveritySchema,
  state: AlertStateSchema,
  /** The rule's name, e.g. "GPU fallen off the bus". */
  title: z.string().max(512),
  /** The rendered message template, with the decoded failure text (e.g. Xid name and action). */
  message: z.string().max(8192),
  labels: z.record(z.string(), label()),
  /** The watched value when it last held (metric rules), else null. */
  value: z.number().nullable(),
  pendingSinceMs: z.number().int(),
  firedAtMs: z.number().int().nullable(),
  resolvedAtMs: z.number().int().nullable(),
  lastActiveAtMs: z.number().int(),
  /** When the alert was notified (once; a restart does not notify it again). */
  notifiedAtMs: z.number().int().nullable(),
  ack: AlertAckSchema.nullable(),
  snoozedUntilMs: z.number().int().nullable(),
  /** The silence that matches it, if any. */
  silencedBy: z.number().int().nullable(),
  /** e.g. "suppressed by node gpu-07 unreachable" (inhibition); shown, never hidden. */
  suppressedBy: z.string().max(1024).nullable(),
  flapping: z.boolean(),
  view: AlertViewSchema,
});
export type Alert = z.infer<typeof AlertSchema>;

export const AlertTransitionSchema = z.object({
  atMs: z.number().int(),
  from: z.string().nullable(),
  /** A state, or an action: acknowledged, snoozed, silenced, unsilenced, suppressed, flapping, escalated, de-escalated, notified. */
  to: z.string(),
  actor: z.string().nullable(),
  note: z.string().nullable(),
});
export type AlertTransition = z.infer<typeof AlertTransitionSchema>;

/** A silence matcher on an alert label (node, gpu, rule, severity, subject or a rule's own label). */
export const SilenceMatcherSchema = z
  .object({
    label: z.string().min(1).max(128),
    value: z.string().max(1024),
    /** The value is a regular expression matched against the whole label. */
    regex: z.boolean().default(false),
  })
  .strict();
export type SilenceMatcher = z.infer<typeof SilenceMatcherSchema>;

export const SilenceSchema = z.object({
  id: z.number().int().positive(),
  matchers: z.array(SilenceMatcherSchema),
  createdBy: z.string(),
  comment: z.string(),
  startsAtMs: z.number().int(),
  endsAtMs: z.number().int(),
  active: z.boolean(),
});
export type Silence = z.infer<typeof SilenceSchema>;

/** A rule as loaded, for the alerts page (rationale and runbook beside each alert). */
export const RuleInfoSchema = z.object({
  id: z.string(),
  name: z.string(),
  severity: AlertSeveritySchema,
  /** "metric gpu.temperature_c > 85 (recovers < 80) for 2m" or "detector gpu-fallen-off-bus". */
  watches: z.string(),
  rationale: z.string(),
  runbook: z.string(),
  /** The file it came from and its line. */
  source: z.string(),
});
export type RuleInfo = z.infer<typeof RuleInfoSchema>;

/** A rule that could not be loaded: file, line, what is wrong. The other rules keep working. */
export const RuleErrorSchema = z.object({ file: z.string(), line: z.number().int().nullable(), message: z.string() });
export type RuleError = z.infer<typeof RuleErrorSchema>;

/** What goes on a node's failures timeline. */
export const FailureKindSchema = z.enum([
  'xid',
  'fallen-off-bus',
  'ecc',
  'retired-pages',
  'row-remap',
  'driver',
  'throttle',
  'unreachable',
  'auth-failed',
  'host-key-changed',
  'gpu-lost',
  'host',
]);
export type FailureKind = z.infer<typeof FailureKindSchema>;

export const FailureEventSchema = z.object({
  kind: FailureKindSchema,
  nodeId: z.string(),
  /** The GPU's key (UUID, or PCI id as nvidia-smi writes it when only the kernel named it), or null. */
  gpu: z.string().nullable(),
  startMs: z.number().int(),
  /** Spans (unreachable, throttling, an alert's firing time) end here; null: still going, or a point event. */
  endMs: z.number().int().nullable(),
  severity: AlertSeveritySchema,
  title: z.string().max(512),
  /** Decoded text: an Xid's name, meaning and recommended action; the driver's message. */
  detail: z.string().max(8192),
  /** The kernel lines, for Xid and fallen-off-bus events. */
  raw: z.array(z.string().max(4096)).max(20),
  /** The alert this event raised, if any. */
  alertId: z.number().int().nullable(),
});
export type FailureEvent = z.infer<typeof FailureEventSchema>;

/** Active alerts by severity, for badges, the tray and the status bar. */
export const AlertSummarySchema = z.object({
  firing: z.object({ critical: z.number().int(), warning: z.number().int(), info: z.number().int() }),
  pending: z.number().int(),
  /** The worst severity of a firing alert that is neither acknowledged, silenced, snoozed nor suppressed. */
  worst: AlertSeveritySchema.nullable(),
  /** Per node: its worst firing severity and count; per GPU key likewise (for the heatmap). */
  nodes: z.record(z.string(), z.object({ worst: AlertSeveritySchema, count: z.number().int() })),
  gpus: z.record(z.string(), z.object({ worst: AlertSeveritySchema, count: z.number().int(), title: z.string() })),
});
export type AlertSummary = z.infer<typeof AlertSummarySchema>;
