/**
 * The fleet page's data, as pure functions: one compact record per node built from its newest
 * snapshot (or, before the first live tick, from 'metrics:latest'), joined with the node's state
 * into table rows, then filtered, sorted and counted. No DOM, no api: unit-tested directly.
 */
import type { LatestValue, NodeHealth } from '../../../shared/contract';
import type { GpuStatusState } from '../../../shared/model/gpu';
import type { HostKeyPrompt, NodeState, NodeStatus } from '../../../shared/model/inventory';
import { gpuDeviceKey } from '../../../shared/model/metrics';
import type { NodeSnapshot, NodeSummary } from '../../../shared/model/node';
import { isStale } from '../staleness';

/** One GPU's current readings, enough for a heatmap cell and its tooltip. */
export interface GpuReading {
  /** The stable series key (UUID, else PCI bus id, else index). */
  key: string;
  index: number | null;
  name: string | null;
  uuid: string | null;
  utilPct: number | null;
  tempC: number | null;
  memUsedMib: number | null;
  memTotalMib: number | null;
  powerW: number | null;
}

/** A node's current telemetry, reduced to what the fleet shows. */
export interface FleetNode {
  id: string;
  hostname: string;
  /** When these values were collected. */
  collectedAt: number;
  cpuPct: number | null;
  memPct: number | null;
  /** The fullest filesystem. */
  worstDisk: { mount: string; pct: number } | null;
  gpus: GpuReading[];
  /** Mean utilisation of the GPUs that report one. */
  gpuUtilMean: number | null;
  gpuState: GpuStatusState | null;
  /**
   * The GPUs come from an earlier reading: this one could not read them (nvidia-smi timed out,
   * the collection was cut short). They are kept, without values, so a node's GPUs never vanish.
   */
  gpusUnread: boolean;
  /** 'latest': rebuilt from stored values (no GPU names or indexes yet), replaced by the next snapshot. */
  source: 'snapshot' | 'latest';
}

const finite = (v: number | null | undefined): v is number => typeof v === 'number' && Number.isFinite(v);

/** The fullest filesystem (highest used %), ignoring ones that report no percentage. */
export function worstDisk(filesystems: ReadonlyArray<{ mount: string; usedPct: number | null }>): { mount: string; pct: number } | null {
  let worst: { mount: string; pct: number } | null = null;
  for (const fs of filesystems) {
    if (!finite(fs.usedPct)) continue;
    if (worst === null || fs.usedPct > worst.pct) worst = { mount: fs.mount, pct: fs.usedPct };
  }
  return worst;
}

/** Mean of the values that exist; null when none does (a node without GPUs is not "0 % busy"). */
export function meanOf(values: ReadonlyArray<number | null>): number | null {
  let sum = 0;
  let n = 0;
  for (const v of values) {
    if (!finite(v)) continue;
    sum += v;
    n += 1;
  }
  return n === 0 ? null : sum / n;
}

/** A GPU we know of, without a current reading. */
const unread = (gpu: GpuReading): GpuReading => ({ ...gpu, utilPct: null, tempC: null, memUsedMib: null, powerW: null });

/**
 * The fleet record of a snapshot. A snapshot that could not read the GPUs a node had (`previous`)
 * keeps them as "no reading": missing data is not shown as absence. A node that reports no GPU
 * ('no-gpu') really has none.
 */
export function summarizeSnapshot(snapshot: NodeSnapshot, previous: FleetNode | null = null): FleetNode {
  const read: GpuReading[] = snapshot.gpus.map((gpu) => ({
    key: gpuDeviceKey(gpu),
    index: gpu.index,
    name: gpu.productName,
    uuid: gpu.uuid,
    utilPct: gpu.gpuUtilPct,
    tempC: gpu.temperatureC,
    memUsedMib: gpu.fbMemoryUsedMib,
    memTotalMib: gpu.fbMemoryTotalMib,
    powerW: gpu.powerDrawW,
  }));
  const gpusUnread = read.length === 0 && snapshot.gpuStatus.state !== 'no-gpu' && previous !== null && previous.gpus.length > 0;
  const gpus = gpusUnread ? previous.gpus.map(unread) : read;
  return {
    id: snapshot.id,
    hostname: snapshot.hostname,
    collectedAt: snapshot.collectedAt,
    cpuPct: snapshot.cpu?.utilPct ?? null,
    memPct: snapshot.memory?.usedPct ?? null,
    worstDisk: worstDisk(snapshot.filesystems),
    gpus,
    gpuUtilMean: meanOf(gpus.map((g) => g.utilPct)),
    gpuState: snapshot.gpuStatus.state,
    gpusUnread,
    source: 'snapshot',
  };
}

/** Metrics asked of 'metrics:latest' for the first fill. */
export const LATEST_METRICS = ['cpu.util_pct', 'memory.used_pct', 'fs.used_pct', 'gpu.util_pct', 'gpu.temperature_c', 'gpu.memory_used_mib', 'gpu.power_w'] as const;

/**
 * Fleet records from stored latest values, one per node that has any. GPUs are the devices of
 * the GPU metrics, in the order of their keys; names and indexes come with the next snapshot.
 */
export function fromLatestValues(values: readonly LatestValue[], summaries: ReadonlyMap<string, NodeSummary> = new Map()): Map<string, FleetNode> {
  interface Acc {
    t: number;
    cpu: number | null;
    mem: number | null;
    disks: Array<{ mount: string; usedPct: number }>;
    gpus: Map<string, GpuReading>;
  }
  const byNode = new Map<string, Acc>();
  for (const value of values) {
    let acc = byNode.get(value.nodeId);
    if (!acc) byNode.set(value.nodeId, (acc = { t: 0, cpu: null, mem: null, disks: [], gpus: new Map() }));
    acc.t = Math.max(acc.t, value.t);
    const gpu = () => {
      let reading = acc.gpus.get(value.device);
      if (!reading) {
        reading = { key: value.device, index: null, name: null, uuid: value.device.startsWith('GPU-') ? value.device : null, utilPct: null, tempC: null, memUsedMib: null, memTotalMib: null, powerW: null };
        acc.gpus.set(value.device, reading);
      }
      return reading;
    };
    switch (value.metric) {
      case 'cpu.util_pct':
        acc.cpu = value.v;
        break;
      case 'memory.used_pct':
        acc.mem = value.v;
        break;
      case 'fs.used_pct':
        acc.disks.push({ mount: value.device, usedPct: value.v });
        break;
      case 'gpu.util_pct':
        gpu().utilPct = value.v;
        break;
      case 'gpu.temperature_c':
        gpu().tempC = value.v;
        break;
      case 'gpu.memory_used_mib':
        gpu().memUsedMib = value.v;
        break;
      case 'gpu.power_w':
        gpu().powerW = value.v;
        break;
      default:
        break;
    }
  }
  const out = new Map<string, FleetNode>();
  for (const [id, acc] of byNode) {
    const gpus = [...acc.gpus.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
    out.set(id, {
      id,
      hostname: summaries.get(id)?.hostname ?? id,
      collectedAt: acc.t,
      cpuPct: acc.cpu,
      memPct: acc.mem,
      worstDisk: worstDisk(acc.disks),
      gpus,
      gpuUtilMean: meanOf(gpus.map((g) => g.utilPct)),
      gpuState: summaries.get(id)?.gpuStatus?.state ?? null,
      gpusUnread: false,
      source: 'latest',
    });
  }
  return out;
}

// ---- rows ----

/** A node with history but no longer collected (removed from the inventory, or seen under another config). */
export type RowStatus = NodeStatus | 'not-collected';

export interface FleetRow {
  id: string;
  kind: NodeState['kind'] | null;
  status: RowStatus;
  since: number | null;
  lastError: string | null;
  address: string | null;
  labels: string[];
  missing: string[];
  /** What was cut from the node's readings at the node bounds (too many filesystems...). */
  notes: string[];
  hostKey: HostKeyPrompt | null;
  /** What the node calls itself; its id until the first snapshot. */
  hostname: string;
  data: FleetNode | null;
}

/** Every node the engine collects, plus nodes with stored data only; states first, in their order. */
export function buildRows(states: readonly NodeState[], nodes: ReadonlyMap<string, FleetNode>, summaries: ReadonlyMap<string, NodeSummary>): FleetRow[] {
  const rows: FleetRow[] = [];
  const seen = new Set<string>();
  for (const state of states) {
    seen.add(state.id);
    const data = nodes.get(state.id) ?? null;
    rows.push({
      id: state.id,
      kind: state.kind,
      status: state.status,
      since: state.since,
      lastError: state.lastError,
      address: state.address,
      labels: state.labels,
      missing: state.missing,
      notes: state.notes ?? [],
      hostKey: state.hostKey,
      hostname: data?.hostname ?? summaries.get(state.id)?.hostname ?? state.id,
      data,
    });
  }
  const extra = new Set<string>([...nodes.keys(), ...summaries.keys()]);
  for (const id of extra) {
    if (seen.has(id)) continue;
    const data = nodes.get(id) ?? null;
    rows.push({
      id,
      kind: null,
      status: 'not-collected',
      since: null,
      lastError: null,
      address: null,
      labels: [],
      missing: [],
      notes: [],
      hostKey: null,
      hostname: data?.hostname ?? summaries.get(id)?.hostname ?? id,
      data,
    });
  }
  return rows;
}

/** The row's values are older than two intervals at `now` (engine time): drawn stale, whatever its status. */
export function rowStale(row: Pick<FleetRow, 'data'>, now: number, intervalMs: number): boolean {
  return row.data !== null && isStale(row.data.collectedAt, now, intervalMs);
}

// ---- status words and tones ----

export type StatusTone = 'ok' | 'neutral' | 'warn' | 'error';

const STATUS_WORDS: Record<RowStatus, string> = {
  up: 'up',
  degraded: 'degraded',
  connecting: 'connecting',
  unreachable: 'unreachable',
  'auth-failed': 'auth failed',
  'host-key-unknown': 'host key unknown',
  'host-key-mismatch': 'host key changed',
  'not-collected': 'not collected',
};

const STATUS_TONES: Record<RowStatus, StatusTone> = {
  up: 'ok',
  degraded: 'warn',
  connecting: 'neutral',
  unreachable: 'error',
  'auth-failed': 'error',
  'host-key-unknown': 'warn',
  'host-key-mismatch': 'error',
  'not-collected': 'neutral',
};

/** Worst first: what needs the user comes to the top of a status sort. */
const STATUS_SEVERITY: Record<RowStatus, number> = {
  'host-key-mismatch': 0,
  'auth-failed': 1,
  unreachable: 2,
  'host-key-unknown': 3,
  degraded: 4,
  connecting: 5,
  up: 6,
  'not-collected': 7,
};

export const statusWord = (status: RowStatus): string => STATUS_WORDS[status];
export const statusTone = (status: RowStatus): StatusTone => STATUS_TONES[status];

/** Statuses that need someone to act (or at least look). */
export function isProblem(status: RowStatus): boolean {
  return status !== 'up' && status !== 'connecting' && status !== 'not-collected';
}

/** Why nothing was collected from a node yet, in words, for a node whose status is a problem. */
export function noDataReason(state: Pick<NodeState, 'status'>): string {
  switch (state.status) {
    case 'unreachable':
      return 'it could not be reached';
    case 'auth-failed':
      return 'it refused the login';
    case 'host-key-unknown':
      return 'its host key has not been confirmed yet';
    case 'host-key-mismatch':
      return 'its host key has changed and must be confirmed again';
    default:
      return 'its collection failed';
  }
}

/** The node's key is encrypted and no passphrase is available: the engine's message says so. */
export function needsPassphrase(row: Pick<FleetRow, 'status' | 'lastError'>): boolean {
  return row.status === 'auth-failed' && row.lastError !== null && /\bencrypted\b/i.test(row.lastError);
}

/** The key file named in an "encrypted key" message, when the message names one. */
export function keyPathFromError(lastError: string | null): string | null {
  if (!lastError) return null;
  const match = /private key (\/\S+|~\/\S+) is encrypted/.exec(lastError);
  return match ? match[1]! : null;
}

// ---- filter and sort ----

export type StatusFilter = 'all' | 'problems' | RowStatus;

export interface FleetFilter {
  /** Matched, case-insensitively, against id, hostname, address and labels; words must all match. */
  text: string;
  status: StatusFilter;
  /** Only nodes with this label; null: any. */
  label: string | null;
  /** Also show nodes no longer collected. */
  showRetired: boolean;
}

export const DEFAULT_FILTER: FleetFilter = { text: '', status: 'all', label: null, showRetired: false };

export function matchesFilter(row: FleetRow, filter: FleetFilter): boolean {
  if (row.status === 'not-collected' && !filter.showRetired && filter.status !== 'not-collected') return false;
  if (filter.status === 'problems' ? !isProblem(row.status) : filter.status !== 'all' && row.status !== filter.status) return false;
  if (filter.label !== null && !row.labels.includes(filter.label)) return false;
  const words = filter.text.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return true;
  const haystack = [row.id, row.hostname, row.address ?? '', ...row.labels, statusWord(row.status)].join('\n').toLowerCase();
  return words.every((word) => haystack.includes(word));
}

export function filterRows(rows: readonly FleetRow[], filter: FleetFilter): FleetRow[] {
  return rows.filter((row) => matchesFilter(row, filter));
}

export type SortKey = 'status' | 'name' | 'address' | 'labels' | 'cpu' | 'memory' | 'disk' | 'gpus' | 'gpuUtil';
export interface FleetSort {
  key: SortKey;
  dir: 'asc' | 'desc';
}

export const DEFAULT_SORT: FleetSort = { key: 'name', dir: 'asc' };

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Names in human order: node2 before node10. */
export const compareNames = (a: string, b: string): number => collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0);

function sortValue(row: FleetRow, key: SortKey): number | string | null {
  switch (key) {
    case 'status':
      return STATUS_SEVERITY[row.status];
    case 'name':
      return row.hostname;
    case 'address':
      return row.address;
    case 'labels':
      return row.labels.length ? row.labels.join(',') : null;
    case 'cpu':
      return row.data?.cpuPct ?? null;
    case 'memory':
      return row.data?.memPct ?? null;
    case 'disk':
      return row.data?.worstDisk?.pct ?? null;
    case 'gpus':
      return row.data ? row.data.gpus.length : null;
    case 'gpuUtil':
      return row.data?.gpuUtilMean ?? null;
  }
}

/** Sorted copy; missing values last whichever the direction, ties by name then id. */
export function sortRows(rows: readonly FleetRow[], sort: FleetSort): FleetRow[] {
  const sign = sort.dir === 'asc' ? 1 : -1;
  return [...rows].sort((a, b) => {
    const va = sortValue(a, sort.key);
    const vb = sortValue(b, sort.key);
    if (va === null || vb === null) {
      if (va !== vb) return va === null ? 1 : -1;
    } else {
      const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : compareNames(String(va), String(vb));
      if (c !== 0) return c * sign;
    }
    return compareNames(a.hostname, b.hostname) || compareNames(a.id, b.id);
  });
}

/** Clicking a column: the same one flips direction; a new one starts ascending for text and descending for numbers. */
export function nextSort(current: FleetSort, key: SortKey): FleetSort {
  if (current.key === key) return { key, dir: current.dir === 'asc' ? 'desc' : 'asc' };
  return { key, dir: key === 'name' || key === 'address' || key === 'labels' || key === 'status' ? 'asc' : 'desc' };
}

/** Every label in use, sorted, for the label filter. */
export function allLabels(rows: readonly FleetRow[]): string[] {
  const labels = new Set<string>();
  for (const row of rows) for (const label of row.labels) labels.add(label);
  return [...labels].sort(compareNames);
}

// ---- connection progress ----

export interface FleetCounts {
  total: number;
  byStatus: Record<NodeStatus, number>;
}

export function countStatuses(states: readonly Pick<NodeState, 'status'>[]): FleetCounts {
  const byStatus: Record<NodeStatus, number> = {
    up: 0,
    degraded: 0,
    connecting: 0,
    unreachable: 0,
    'auth-failed': 0,
    'host-key-unknown': 0,
    'host-key-mismatch': 0,
  };
  for (const state of states) byStatus[state.status] += 1;
  return { total: states.length, byStatus };
}

/**
 * The status bar line: "connecting 37 of 500 · 460 up · 3 unreachable", or "500 nodes · 500 up"
 * once settled; "· 2 not current" when `stale` nodes' values are older than two intervals.
 */
export function progressText(counts: FleetCounts, stale = 0): string {
  const { total, byStatus } = counts;
  if (total === 0) return 'no nodes';
  const head = byStatus.connecting > 0 ? `connecting ${byStatus.connecting} of ${total}` : `${total} node${total === 1 ? '' : 's'}`;
  const parts = [head];
  const order: NodeStatus[] = ['up', 'degraded', 'unreachable', 'auth-failed', 'host-key-unknown', 'host-key-mismatch'];
  for (const status of order) {
    const n = byStatus[status];
    if (n > 0 || status === 'up') parts.push(`${n} ${STATUS_WORDS[status]}`);
  }
  if (stale > 0) parts.push(`${stale} not current`);
  return parts.join(' · ');
}

/** The worst tone among the counts, for the summary's dot; never green while some values are stale. */
export function progressTone(counts: FleetCounts, stale = 0): StatusTone {
  const { byStatus } = counts;
  if (stale > 0 && byStatus.unreachable + byStatus['auth-failed'] + byStatus['host-key-mismatch'] === 0) return 'warn';
  if (byStatus.unreachable + byStatus['auth-failed'] + byStatus['host-key-mismatch'] > 0) return 'error';
  if (byStatus.degraded + byStatus['host-key-unknown'] > 0) return 'warn';
  if (byStatus.connecting > 0) return 'neutral';
  return 'ok';
}

// ---- troubled nodes (the status bar) ----

const DOWN: ReadonlySet<NodeStatus> = new Set<NodeStatus>(['unreachable', 'auth-failed', 'host-key-unknown', 'host-key-mismatch']);

/**
 * The status bar's line on troubled nodes, null when none is: "3 nodes down: a (unreachable),
 * b (auth failed), c (host key changed)", naming at most `named` and counting the rest.
 */
export function troubleText(health: NodeHealth | undefined, named = 3): string | null {
  if (!health || health.troubled === 0) return null;
  const listed = health.nodes;
  const down = listed.filter((n) => DOWN.has(n.status)).length;
  // What the listed nodes are; when some are not listed, their kind is unknown.
  const kind = down === listed.length && listed.length === health.troubled ? 'down' : down === 0 && listed.length === health.troubled ? 'degraded' : 'in trouble';
  const head = `${health.troubled} node${health.troubled === 1 ? '' : 's'} ${kind}`;
  // Among degraded nodes only, the reason says more than the word "degraded" again.
  const names = listed.slice(0, named).map((n) => `${n.id} (${kind === 'degraded' && n.lastError ? shorten(n.lastError, 48) : statusWord(n.status)})`);
  const rest = health.troubled - names.length;
  return `${head}: ${names.join(', ')}${rest > 0 ? `, and ${rest} more` : ''}`;
}

const shorten = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** Every listed troubled node with its error, one per line (the status bar's tooltip). */
export function troubleDetails(health: NodeHealth | undefined): string {
  if (!health) return '';
  const lines = health.nodes.map((n) => `${n.id}: ${statusWord(n.status)}${n.lastError ? ` (${n.lastError})` : ''}`);
  const unlisted = health.troubled - health.nodes.length;
  if (unlisted > 0) lines.push(`and ${unlisted} more: see the fleet page`);
  return lines.join('\n');
}
