/**
 * The compliance page's data layer: the node x check matrix and its filters, score texts, the
 * audit progress bar, waiver expiry dates, export scopes and the `#/compliance...` hash. Pure:
 * unit-tested without a DOM.
 */
import type {
  AuditResultView,
  AuditRunSummary,
  CheckInfo,
  EffectiveStatus,
  FrameworkName,
  ReportFormat,
  ScoreView,
  Waiver,
  WaiverScope,
} from '../../../shared/model/audits';

export const EFFECTIVE_STATUSES: readonly EffectiveStatus[] = ['fail', 'error', 'waived', 'manual', 'pass', 'not-applicable'];
export const SEVERITIES: readonly CheckInfo['severity'][] = ['critical', 'high', 'medium', 'low'];
export const FRAMEWORKS: readonly FrameworkName[] = ['cis', 'nist', 'ssg'];
export const REPORT_FORMATS: readonly ReportFormat[] = ['html', 'pdf', 'csv', 'json', 'oscal', 'junit'];

export const STATUS_LABELS: Readonly<Record<EffectiveStatus, string>> = {
  pass: 'Pass',
  fail: 'Fail',
  error: 'Error',
  'not-applicable': 'N/A',
  manual: 'Manual',
  waived: 'Waived',
};

export const FRAMEWORK_LABELS: Readonly<Record<FrameworkName, string>> = { cis: 'CIS', nist: 'NIST 800-53', ssg: 'SSG' };

export const FORMAT_LABELS: Readonly<Record<ReportFormat, string>> = {
  html: 'HTML (printable page)',
  pdf: 'PDF',
  csv: 'CSV (one row per node x check)',
  json: 'JSON (audit results)',
  oscal: 'OSCAL Assessment Results (JSON)',
  junit: 'JUnit XML (CI)',
};

/** Only `pass` is green: a waived failure has its own colour so it is never mistaken for a pass. */
export function statusClass(status: EffectiveStatus | null): string {
  return `cstatus cstatus--${status ?? 'missing'}`;
}

export interface ComplianceFilter {
  /** Empty: every status. A check row stays when one of its cells has a chosen status. */
  statuses: readonly EffectiveStatus[];
  severities: readonly CheckInfo['severity'][];
  /** Empty: every check. Else checks with a reference in one of these frameworks. */
  frameworks: readonly FrameworkName[];
  /** Case-insensitive, over the check's id and title. */
  text: string;
}

export const DEFAULT_COMPLIANCE_FILTER: ComplianceFilter = { statuses: [], severities: [], frameworks: [], text: '' };

export interface MatrixRow {
  check: CheckInfo;
  /** One per matrix node, in the matrix's node order; null where the node has no result for the check. */
  cells: Array<AuditResultView | null>;
}

export interface Matrix {
  nodes: string[];
  rows: MatrixRow[];
}

const key = (nodeId: string, checkId: string) => `${nodeId}\u0000${checkId}`;

/** Rows are checks (policy order), columns nodes (sorted); the filter keeps rows. */
export function buildMatrix(checks: readonly CheckInfo[], results: readonly AuditResultView[], filter: ComplianceFilter = DEFAULT_COMPLIANCE_FILTER): Matrix {
  const byKey = new Map<string, AuditResultView>();
  const nodeSet = new Set<string>();
  for (const r of results) {
    byKey.set(key(r.nodeId, r.checkId), r);
    nodeSet.add(r.nodeId);
  }
  const nodes = [...nodeSet].sort((a, b) => a.localeCompare(b));
  const needle = filter.text.trim().toLowerCase();
  const rows: MatrixRow[] = [];
  for (const check of checks) {
    if (filter.severities.length > 0 && !filter.severities.includes(check.severity)) continue;
    if (filter.frameworks.length > 0 && !filter.frameworks.some((f) => check.references[f].length > 0)) continue;
    if (needle !== '' && !check.id.toLowerCase().includes(needle) && !check.title.toLowerCase().includes(needle)) continue;
    const cells = nodes.map((n) => byKey.get(key(n, check.id)) ?? null);
    if (filter.statuses.length > 0 && !cells.some((c) => c !== null && filter.statuses.includes(c.effective))) continue;
    rows.push({ check, cells });
  }
  return { nodes, rows };
}

/** How many results have each effective status. */
export function countByStatus(results: readonly AuditResultView[]): Record<EffectiveStatus, number> {
  const counts: Record<EffectiveStatus, number> = { pass: 0, fail: 0, error: 0, 'not-applicable': 0, manual: 0, waived: 0 };
  for (const r of results) counts[r.effective] += 1;
  return counts;
}

/** "87 % · 26 pass, 4 fail, 2 waived", or "no score" when nothing passed or failed. */
export function scoreText(score: ScoreView): string {
  const parts = [`${score.pass} pass`, `${score.fail} fail`];
  if (score.waived > 0) parts.push(`${score.waived} waived`);
  if (score.error > 0) parts.push(`${score.error} error`);
  if (score.manual > 0) parts.push(`${score.manual} manual`);
  const head = score.score === null ? 'no score' : `${Math.round(score.score * 100)} %`;
  return `${head} · ${parts.join(', ')}`;
}

/** The tone of a score: 90 % and more ok, 70 % and more warn, less error; no score neutral. */
export function scoreTone(score: ScoreView): 'ok' | 'warn' | 'error' | 'neutral' {
  if (score.score === null) return 'neutral';
  return score.score >= 0.9 ? 'ok' : score.score >= 0.7 ? 'warn' : 'error';
}

/** "CIS 5.2.4, 5.2.5 · NIST AC-17 · SSG sshd_…": the check's references, framework by framework. */
export function referencesText(references: CheckInfo['references']): string {
  return FRAMEWORKS.filter((f) => references[f].length > 0)
    .map((f) => `${f.toUpperCase()} ${references[f].join(', ')}`)
    .join(' · ');
}

// ---- progress ----

export interface AuditProgress {
  runId: number | null;
  policyId: string;
  done: number;
  total: number;
  nodeId: string | null;
  finished: boolean;
  error: string | null;
}

/** 0..100 for the progress bar; a finished audit is 100 whatever it counted. */
export function progressPercent(progress: AuditProgress): number {
  if (progress.finished) return 100;
  if (progress.total <= 0) return 0;
  return Math.max(0, Math.min(100, Math.round((progress.done / progress.total) * 100)));
}

export function progressText(progress: AuditProgress): string {
  if (progress.error) return `Audit failed: ${progress.error}`;
  if (progress.finished) return `Audit finished: ${progress.total} node${progress.total === 1 ? '' : 's'}${progress.runId ? ` (run ${progress.runId})` : ''}`;
  return `Auditing ${progress.done} of ${progress.total} node${progress.total === 1 ? '' : 's'}${progress.nodeId ? ` (${progress.nodeId} done)` : ''}…`;
}

// ---- runs ----

export function runLabel(run: AuditRunSummary): string {
  return `#${run.runId} · ${run.policyId} ${run.policyVersion} · ${new Date(run.startedAt).toLocaleString()} · ${run.nodes.length} node${run.nodes.length === 1 ? '' : 's'}`;
}

/** The run before `runId` of the same policy in a newest-first list, for a default drift comparison. */
export function previousRunOf(runs: readonly AuditRunSummary[], runId: number): AuditRunSummary | null {
  const index = runs.findIndex((r) => r.runId === runId);
  if (index < 0) return null;
  const policy = runs[index]!.policyId;
  return runs.slice(index + 1).find((r) => r.policyId === policy) ?? null;
}

// ---- waivers ----

/** The last millisecond of a YYYY-MM-DD day in local time, or null when the text is no date. */
export function expiryFromDate(text: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text.trim());
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const date = new Date(year, month - 1, day, 23, 59, 59, 999);
  if (date.getFullYear() !== year || date.getMonth() !== month - 1 || date.getDate() !== day) return null;
  return date.getTime();
}

/** YYYY-MM-DD (local) of a time: the date input's value. */
export function dateInputValue(ms: number): string {
  const d = new Date(ms);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
}

export function scopeText(scope: WaiverScope): string {
  return scope.kind === 'fleet' ? 'the whole fleet' : scope.kind === 'group' ? `group ${scope.group}` : `node ${scope.nodeId}`;
}

/** Why a waiver is not in force, or 'active'. */
export function waiverState(waiver: Waiver, now: number): 'active' | 'revoked' | 'expired' {
  if (waiver.revokedAtMs !== null) return 'revoked';
  if (waiver.expiresAtMs <= now) return 'expired';
  return waiver.active ? 'active' : 'expired';
}

/** The waivers that concern a check on a node (its node, any group, or the fleet). */
export function waiversFor(waivers: readonly Waiver[], checkId: string, nodeId: string): Waiver[] {
  return waivers.filter((w) => w.checkId === checkId && (w.scope.kind !== 'node' || w.scope.nodeId === nodeId));
}

// ---- export ----

/** The export's request: undefined where everything is chosen, so the report says "all". */
export function exportScope(chosen: readonly string[], all: readonly string[]): string[] | undefined {
  if (chosen.length === 0 || all.every((id) => chosen.includes(id))) return undefined;
  return [...chosen];
}

/** The bytes of a base64 text (the export's content). */
export function base64ToBytes(base64: string): Uint8Array<ArrayBuffer> {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** A file name safe to save: no folders, no control characters. */
export function safeFileName(name: string, fallback: string): string {
  const cleaned = name
    .replace(/[/\\\u0000-\u001f\u007f]/g, '_')
    .replace(/^\.+/, '')
    .slice(0, 200);
  return cleaned === '' ? fallback : cleaned;
}

// ---- hash routes ----

export interface ComplianceRoute {
  runId: number | null;
}

/** `#/compliance` or `#/compliance/run/ID`; null when the hash is not a compliance route. */
export function parseComplianceHash(hash: string): ComplianceRoute | null {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  if (text.length > 256) return null;
  const match = /^\/?compliance(?:\/run\/(\d{1,15}))?\/?$/.exec(text);
  if (!match) return null;
  const id = match[1] === undefined ? null : Number(match[1]);
  return { runId: id !== null && id > 0 ? id : null };
}

export function complianceHash(route: Partial<ComplianceRoute> = {}): string {
  return `#/compliance${route.runId ? `/run/${route.runId}` : ''}`;
}
