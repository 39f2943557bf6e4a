/**
 * GET /metrics of `clusterdeck serve`: the newest value of every series Clusterdeck holds, node
 * status and alert states, in the exposition format a Prometheus scrapes (OpenMetrics 1.0.0, or
 * the older text format 0.0.4 when the Accept header prefers it). Read through the caller's
 * handlers, so it sees what the API sees and is authorised like it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { CallHandlers, LatestValue } from '../../shared/contract';
import type { Alert, AlertSeverity } from '../../shared/model/alerts';
import type { NodeState } from '../../shared/model/inventory';
import { METRICS, METRIC_NAMES, type MetricUnit } from '../../shared/model/metrics';

export type ExpositionFormat = 'openmetrics' | 'text';

export const OPENMETRICS_CONTENT_TYPE = 'application/openmetrics-text; version=1.0.0; charset=utf-8';
export const TEXT_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Series written at most per scrape; the rest are counted in clusterdeck_metrics_omitted_series. */
export const MAX_EXPORTED_SERIES = 100_000;
/** Open alerts listed one by one at most (alerts:list's own bound); the counts stay exact beyond it. */
export const MAX_LISTED_ALERTS = 5000;

const SEVERITIES: readonly AlertSeverity[] = ['critical', 'warning', 'info'];
const OPEN_STATES = ['firing', 'pending'] as const;
type OpenState = (typeof OPEN_STATES)[number];

export interface AlertCount {
  severity: AlertSeverity;
  state: OpenState;
  count: number;
}

/** What one scrape shows, read from the engine. */
export interface ExpositionInput {
  values: readonly LatestValue[];
  nodes: readonly Pick<NodeState, 'id' | 'status'>[];
  alertCounts: readonly AlertCount[];
  openAlerts: readonly Pick<Alert, 'ruleId' | 'nodeId' | 'subject' | 'severity' | 'state'>[];
}

/** A Clusterdeck metric as a Prometheus family: its name, its OpenMetrics unit, and the factor to base units. */
export interface PrometheusMetric {
  name: string;
  unit: string;
  scale: number;
}

/** Each unit's suffix in Clusterdeck's names, and the Prometheus base unit it becomes. */
const UNIT_NAMING: Record<MetricUnit, { strip: RegExp; unit: string; scale: number }> = {
  pct: { strip: /_pct$/, unit: 'percent', scale: 1 },
  bytes: { strip: /_bytes$/, unit: 'bytes', scale: 1 },
  bytesPerSec: { strip: /_bytes_per_sec$/, unit: 'bytes_per_second', scale: 1 },
  mib: { strip: /_mib$/, unit: 'bytes', scale: 1024 * 1024 },
  celsius: { strip: /_(?:c|celsius)$/, unit: 'celsius', scale: 1 },
  watts: { strip: /_(?:w|watts)$/, unit: 'watts', scale: 1 },
  load: { strip: /$^/, unit: '', scale: 1 },
};

/** gpu.temperature_c -> clusterdeck_gpu_temperature_celsius; gpu.memory_used_mib -> ..._bytes (x 2^20). */
export function prometheusMetric(metric: string, unit: MetricUnit | null): PrometheusMetric {
  const naming = unit === null ? null : UNIT_NAMING[unit];
  const base = `clusterdeck_${metric.replace(/[^a-zA-Z0-9_]/g, '_')}`.replace(naming?.strip ?? /$^/, '');
  if (!naming || naming.unit === '') return { name: base, unit: '', scale: 1 };
  return { name: `${base}_${naming.unit}`, unit: naming.unit, scale: naming.scale };
}

/** A label value as both formats write it: backslash, double quote and newline escaped; valid UTF-8. */
export function escapeLabelValue(value: string): string {
  return value
    .replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')
    .replace(/\\/g, '\\\\')
    .replace(/"/g, '\\"')
    .replace(/\n/g, '\\n');
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

/** OpenMetrics writes seconds, the text format integer milliseconds. */
function formatTimestamp(ms: number, format: ExpositionFormat): string {
  const whole = Math.round(ms);
  if (format === 'text') return String(whole);
  const seconds = Math.floor(whole / 1000);
  const millis = whole - seconds * 1000;
  return millis === 0 ? String(seconds) : `${seconds}.${String(millis).padStart(3, '0')}`;
}

function labels(pairs: ReadonlyArray<[string, string]>): string {
  const present = pairs.filter(([, value]) => value !== '');
  return present.length === 0 ? '' : `{${present.map(([name, value]) => `${name}="${escapeLabelValue(value)}"`).join(',')}}`;
}

/** Writes families one after the other, each with its HELP, TYPE (and UNIT) lines. */
class FamilyWriter {
  readonly lines: string[] = [];
  constructor(private readonly format: ExpositionFormat) {}

  family(name: string, help: string, unit = ''): void {
    this.lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} gauge`);
    if (unit !== '' && this.format === 'openmetrics') this.lines.push(`# UNIT ${name} ${unit}`);
  }

  sample(name: string, pairs: ReadonlyArray<[string, string]>, value: number, atMs?: number): void {
    const time = atMs === undefined ? '' : ` ${formatTimestamp(atMs, this.format)}`;
    this.lines.push(`${name}${labels(pairs)} ${formatValue(value)}${time}`);
  }

  text(): string {
    if (this.format === 'openmetrics') this.lines.push('# EOF');
    return `${this.lines.join('\n')}\n`;
  }
}

function isKnownMetric(metric: string): metric is keyof typeof METRICS {
  return Object.hasOwn(METRICS, metric);
}

/** The exposition text: one family per metric (newest value per series, its timestamp), node up, alerts. */
export function renderExposition(input: ExpositionInput, format: ExpositionFormat): string {
  const out = new FamilyWriter(format);
  const byMetric = new Map<string, LatestValue[]>();
  let written = 0;
  for (const value of input.values) {
    if (written >= MAX_EXPORTED_SERIES) break;
    let group = byMetric.get(value.metric);
    if (!group) byMetric.set(value.metric, (group = []));
    group.push(value);
    written++;
  }
  for (const [metric, values] of byMetric) {
    const known = isKnownMetric(metric) ? METRICS[metric] : null;
    const family = prometheusMetric(metric, known?.unit ?? null);
    out.family(family.name, `${known?.label ?? metric} (Clusterdeck ${metric})`, family.unit);
    for (const value of values)
      out.sample(
        family.name,
        [
          ['node', value.nodeId],
          ['device', value.device],
        ],
        value.v * family.scale,
        value.t,
      );
  }
  out.family('clusterdeck_metrics_omitted_series', `Series left out of this scrape (over ${MAX_EXPORTED_SERIES})`);
  out.sample('clusterdeck_metrics_omitted_series', [], input.values.length - written);

  out.family('clusterdeck_node_up', 'Whether Clusterdeck reaches the node (1: up or degraded, 0: any other status)');
  for (const node of input.nodes) out.sample('clusterdeck_node_up', [['node', node.id]], node.status === 'up' || node.status === 'degraded' ? 1 : 0);

  out.family('clusterdeck_alerts', 'Open alerts by severity and state');
  for (const { severity, state, count } of input.alertCounts)
    out.sample(
      'clusterdeck_alerts',
      [
        ['severity', severity],
        ['state', state],
      ],
      count,
    );

  out.family('clusterdeck_alert', 'Each open alert (1), like Prometheus ALERTS');
  const seen = new Set<string>();
  for (const alert of input.openAlerts) {
    const pairs: Array<[string, string]> = [
      ['rule', alert.ruleId],
      ['node', alert.nodeId],
      ['subject', alert.subject],
      ['severity', alert.severity],
      ['state', alert.state],
    ];
    // A scrape with one series twice is refused whole.
    const key = labels(pairs);
    if (seen.has(key)) continue;
    seen.add(key);
    out.sample('clusterdeck_alert', pairs, 1);
  }
  return out.text();
}

/** OpenMetrics unless the Accept header ranks the 0.0.4 text format higher. */
export function negotiateFormat(accept: string | undefined): ExpositionFormat {
  let openMetrics = -1;
  let text = -1;
  for (const range of (accept ?? '').slice(0, 4096).split(',')) {
    const [type = '', ...params] = range.split(';').map((part) => part.trim().toLowerCase());
    const qParam = params.find((param) => param.startsWith('q='));
    const q = qParam === undefined ? 1 : Number(qParam.slice(2));
    if (!Number.isFinite(q)) continue;
    if (type === 'application/openmetrics-text') openMetrics = Math.max(openMetrics, q);
    else if (type === 'text/plain') text = Math.max(text, q);
  }
  return text > 0 && text > openMetrics ? 'text' : 'openmetrics';
}

/** Counts of open alerts by severity and state, and the open alerts themselves (at most MAX_LISTED_ALERTS). */
async function readAlerts(handlers: CallHandlers): Promise<Pick<ExpositionInput, 'alertCounts' | 'openAlerts'>> {
  const open = await handlers['alerts:list']({ views: ['firing', 'acknowledged', 'silenced', 'pending'], limit: MAX_LISTED_ALERTS });
  const openAlerts = open.alerts.filter((alert): alert is Alert & { state: OpenState } => alert.state !== 'resolved');
  const alertCounts: AlertCount[] = [];
  for (const severity of SEVERITIES) {
    for (const state of OPEN_STATES) {
      let count = openAlerts.filter((alert) => alert.severity === severity && alert.state === state).length;
      if (open.total > open.alerts.length) {
        // More than were listed: count them in the database instead (a pending alert's view is 'pending').
        const views = state === 'pending' ? (['pending'] as const) : (['firing', 'acknowledged', 'silenced'] as const);
        count = (await handlers['alerts:list']({ views: [...views], severities: [severity], limit: 1 })).total;
      }
      alertCounts.push({ severity, state, count });
    }
  }
  return { alertCounts, openAlerts };
}

/** Everything one scrape shows, read through the handlers. */
export async function readExposition(handlers: CallHandlers): Promise<ExpositionInput> {
  const [values, nodes, alerts] = await Promise.all([
    handlers['metrics:latest']({ metrics: [...METRIC_NAMES] }),
    handlers['nodes:states']({}),
    readAlerts(handlers),
  ]);
  return { values, nodes, ...alerts };
}

/** Answers GET (and HEAD) /metrics for an authorised caller. */
export async function serveMetrics(req: IncomingMessage, res: ServerResponse, handlers: CallHandlers): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
    res.end('/metrics takes GET\n');
    return;
  }
  const format = negotiateFormat(req.headers.accept);
  const body = Buffer.from(renderExposition(await readExposition(handlers), format), 'utf8');
  res.writeHead(200, {
    'Content-Type': format === 'openmetrics' ? OPENMETRICS_CONTENT_TYPE : TEXT_CONTENT_TYPE,
    'Content-Length': String(body.length),
    'Cache-Control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}
