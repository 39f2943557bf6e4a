/**
 * The telemetry store behind one interface, so the rest of the engine does not know the layout:
 * series values go to the time-series engine (tsdb/), node snapshots and device metadata to
 * plain tables.
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import type { LatestValue, LatestValuesQuery, MetricQuery, MetricQueryResult, SeriesPoints, StorageStats } from '../../../shared/contract';
import { gpuDeviceKey, METRICS, METRIC_NAMES, type MetricName } from '../../../shared/model/metrics';
import { MAX_NEW_SERIES_PER_NODE_PER_HOUR } from '../../../shared/model/limits';
import { NodeSnapshotSchema, type NodeSnapshot, type NodeSummary } from '../../../shared/model/node';
import { SeriesBudget } from './series-budget';
import { Tsdb, type StorageStatus, type TierRetention } from './tsdb/tsdb';

/** One value of one series, for sources whose metrics are not a NodeSnapshot's (Prometheus...). */
export interface Sample {
  nodeId: string;
  metric: string;
  /** '' for a node-wide series; a GPU UUID, mount point, interface... otherwise. */
  device: string;
  value: number;
}

/** Metric names a sample may carry: dotted lower-case words, like the built-in ones. */
const SAMPLE_METRIC = /^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+){0,7}$/;

export interface TelemetryStore {
  /** Writes every snapshot of one tick; durable when it returns unless status() says otherwise. */
  writeTick(snapshots: readonly NodeSnapshot[]): void;
  /** Writes values of any series at one time, without a snapshot (same durability and budget). */
  writeSamples(atMs: number, samples: readonly Sample[]): void;
  latestSnapshot(nodeId: string): NodeSnapshot | null;
  listNodes(): NodeSummary[];
  queryMetric(query: MetricQuery): MetricQueryResult;
  latestValues(query: LatestValuesQuery): LatestValue[];
  /** Retention, disk cap and space reclaiming, in one small step; call once per tick. */
  maintain(nowMs: number): void;
  /** New retention, disk cap and collection interval (Settings); the next maintain() follows them. */
  setOptions(limits: StoreLimits): void;
  status(): StorageStatus;
  stats(): StorageStats;
  /** Why some of a node's new series are not recorded this hour, or null. */
  seriesNote(nodeId: string): string | null;
  /** Seals everything in memory into chunks. */
  flush(): void;
  close(): void;
}

export interface SqliteStoreOptions {
  dbPath: string;
  intervalMs: number;
  retention: TierRetention;
  maxDiskBytes: number | null;
  /** Test hook: a shorter chunk span exercises sealing quickly. */
  rawChunkMs?: number;
  maxBufferedBytes?: number;
  /** New series one node may add in an hour (default MAX_NEW_SERIES_PER_NODE_PER_HOUR). */
  maxNewSeriesPerNodePerHour?: number;
}

/** What Settings may change in a running store. */
export type StoreLimits = Pick<SqliteStoreOptions, 'intervalMs' | 'retention' | 'maxDiskBytes'>;

/** Named parameters of a node row. */
interface NodeRowParams {
  id: string;
  hostname: string;
  t: number;
  snapshot: string;
}

const SNAPSHOT_PERSIST_MS = 60_000;
const DEVICE_REFRESH_MS = 3_600_000;

interface DeviceRecord {
  kind: string;
  key: string;
  label: string | null;
  details: string;
}

/** The devices a snapshot shows, for the devices table. GPUs are keyed by UUID. */
function devicesOf(snapshot: NodeSnapshot): DeviceRecord[] {
  const records: DeviceRecord[] = [];
  if (snapshot.cpu) records.push({ kind: 'cpu', key: '', label: snapshot.cpu.model, details: JSON.stringify({ cores: snapshot.cpu.cores }) });
  for (const gpu of snapshot.gpus) {
    records.push({
      kind: 'gpu',
      key: gpuDeviceKey(gpu),
      label: gpu.productName,
      details: JSON.stringify({ index: gpu.index, minorNumber: gpu.minorNumber, pciBusId: gpu.pciBusId, fbMemoryTotalMib: gpu.fbMemoryTotalMib }),
    });
  }
  for (const fs of snapshot.filesystems) {
    records.push({ kind: 'fs', key: fs.mount, label: fs.device, details: JSON.stringify({ fsType: fs.fsType, sizeBytes: fs.sizeBytes }) });
  }
  for (const net of snapshot.network) records.push({ kind: 'net', key: net.iface, label: net.iface, details: '{}' });
  return records;
}

/** One time's values, by series id. */
interface Batch {
  ids: number[];
  values: number[];
}

/** A value whose series does not exist yet. */
interface FreshSample {
  batch: Batch;
  key: { nodeId: string; metric: string; device: string };
  value: number;
}

export class SqliteTelemetryStore implements TelemetryStore {
  readonly tsdb: Tsdb;
  private readonly upsertNode: Statement<[NodeRowParams]>;
  private readonly selectNodes: Statement<[], { id: string; last_snapshot: string }>;
  private readonly upsertDevice: Statement<
    [nodeId: string, kind: string, key: string, label: string | null, details: string, firstSeenMs: number, lastSeenMs: number]
  >;
  private readonly upsertMetric: Statement<[name: string, unit: string, label: string]>;
  private readonly snapshots = new Map<string, NodeSnapshot>();
  private readonly snapshotSavedAt = new Map<string, number>();
  private readonly deviceSeen = new Map<string, { details: string; savedAt: number }>();
  private readonly newSeries: SeriesBudget;

  constructor(
    private readonly db: Db,
    private options: SqliteStoreOptions,
  ) {
    this.newSeries = new SeriesBudget(options.maxNewSeriesPerNodePerHour ?? MAX_NEW_SERIES_PER_NODE_PER_HOUR);
    this.tsdb = new Tsdb(db, {
      intervalMs: options.intervalMs,
      retention: options.retention,
      maxDiskBytes: options.maxDiskBytes,
      rawChunkMs: options.rawChunkMs,
      maxBufferedBytes: options.maxBufferedBytes,
    });
    this.upsertNode = db.prepare(
      `INSERT INTO nodes (id, hostname, first_seen_ms, last_seen_ms, last_snapshot) VALUES (@id, @hostname, @t, @t, @snapshot)
       ON CONFLICT (id) DO UPDATE SET hostname = excluded.hostname, last_seen_ms = excluded.last_seen_ms, last_snapshot = excluded.last_snapshot
       WHERE excluded.last_seen_ms >= nodes.last_seen_ms`,
    );
    this.selectNodes = db.prepare('SELECT id, hostname, last_seen_ms, last_snapshot FROM nodes ORDER BY hostname, id');
    this.upsertDevice = db.prepare(
      `INSERT INTO devices (node_id, kind, key, label, details, first_seen_ms, last_seen_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (node_id, kind, key) DO UPDATE SET label = excluded.label, details = excluded.details, last_seen_ms = excluded.last_seen_ms`,
    );
    this.upsertMetric = db.prepare('INSERT OR REPLACE INTO metrics (name, unit, label) VALUES (?, ?, ?)');
    for (const row of this.selectNodes.all()) {
      const snapshot = parseSnapshot(row.last_snapshot);
      if (snapshot) this.snapshots.set(row.id, snapshot);
    }
    try {
      db.transaction(() => {
        for (const name of METRIC_NAMES) this.upsertMetric.run(name, METRICS[name].unit, METRICS[name].label);
      })();
    } catch {
      // A read-only or full database still opens; metric metadata is written next time.
    }
  }

  writeTick(snapshots: readonly NodeSnapshot[]): void {
    const byTime = new Map<number, Batch>();
    const fresh: FreshSample[] = [];
    for (const snapshot of snapshots) {
      let batch = byTime.get(snapshot.collectedAt);
      if (!batch) byTime.set(snapshot.collectedAt, (batch = { ids: [], values: [] }));
      for (const metric of METRIC_NAMES) {
        for (const { device, value } of METRICS[metric].extract(snapshot)) this.stage(batch, fresh, snapshot.id, metric, device, value, snapshot.collectedAt);
      }
    }
    this.stageFresh(fresh);
    this.ingestBatches(byTime);
    this.saveNodes(snapshots);
  }

  writeSamples(atMs: number, samples: readonly Sample[]): void {
    const batch: Batch = { ids: [], values: [] };
    const fresh: FreshSample[] = [];
    for (const { nodeId, metric, device, value } of samples) {
      if (!SAMPLE_METRIC.test(metric) || !Number.isFinite(value)) continue;
      this.stage(batch, fresh, nodeId, metric, device, value, atMs);
    }
    this.stageFresh(fresh);
    this.ingestBatches(new Map([[atMs, batch]]));
  }

  /** One value into a batch when its series exists; else into `fresh`, within the node's series budget. */
  private stage(batch: Batch, fresh: FreshSample[], nodeId: string, metric: string, device: string, value: number, atMs: number): void {
    const id = this.tsdb.knownId(nodeId, metric, device);
    if (id !== undefined) {
      batch.ids.push(id);
      batch.values.push(value);
      return;
    }
    // A node that invents devices every tick must not grow the store without bound.
    if (this.newSeries.take(nodeId, atMs)) fresh.push({ batch, key: { nodeId, metric, device }, value });
  }

  /** The values of new series, their series created together (one transaction for a whole fleet's). */
  private stageFresh(fresh: readonly FreshSample[]): void {
    if (fresh.length === 0) return;
    let ids: number[];
    try {
      ids = this.tsdb.seriesIds(fresh.map((f) => f.key));
    } catch {
      return; // new series while the database cannot be written: skipped this tick
    }
    fresh.forEach(({ batch, value }, i) => {
      batch.ids.push(ids[i]!);
      batch.values.push(value);
    });
  }

  private ingestBatches(byTime: Map<number, Batch>): void {
    for (const [t, batch] of [...byTime].sort((a, b) => a[0] - b[0])) if (batch.ids.length > 0) this.tsdb.ingest(t, batch.ids, batch.values);
  }

  /** Node snapshots live in memory; the table gets them on first sight, then once a minute. */
  private saveNodes(snapshots: readonly NodeSnapshot[]): void {
    const due: NodeSnapshot[] = [];
    for (const snapshot of snapshots) {
      const previous = this.snapshots.get(snapshot.id);
      if (previous && previous.collectedAt > snapshot.collectedAt) continue;
      this.snapshots.set(snapshot.id, snapshot);
      const savedAt = this.snapshotSavedAt.get(snapshot.id);
      if (savedAt === undefined || snapshot.collectedAt - savedAt >= SNAPSHOT_PERSIST_MS) due.push(snapshot);
    }
    const devices: Array<[string, DeviceRecord, number]> = [];
    for (const snapshot of snapshots) {
      for (const device of devicesOf(snapshot)) {
        const key = `${snapshot.id}\u0000${device.kind}\u0000${device.key}`;
        const seen = this.deviceSeen.get(key);
        if (!seen || seen.details !== device.details || snapshot.collectedAt - seen.savedAt >= DEVICE_REFRESH_MS) {
          devices.push([snapshot.id, device, snapshot.collectedAt]);
        }
      }
    }
    if (due.length === 0 && devices.length === 0) return;
    try {
      this.db.transaction(() => {
        for (const s of due) this.upsertNode.run({ id: s.id, hostname: s.hostname, t: s.collectedAt, snapshot: JSON.stringify(s) });
        for (const [nodeId, d, t] of devices) this.upsertDevice.run(nodeId, d.kind, d.key, d.label, d.details, t, t);
      })();
      for (const s of due) this.snapshotSavedAt.set(s.id, s.collectedAt);
      for (const [nodeId, d, t] of devices) this.deviceSeen.set(`${nodeId}\u0000${d.kind}\u0000${d.key}`, { details: d.details, savedAt: t });
    } catch {
      // The series data has its own buffer and status; snapshots are retried next tick.
    }
  }

  latestSnapshot(nodeId: string): NodeSnapshot | null {
    return this.snapshots.get(nodeId) ?? null;
  }

  listNodes(): NodeSummary[] {
    return [...this.snapshots.values()]
      .sort((a, b) => a.hostname.localeCompare(b.hostname) || a.id.localeCompare(b.id))
      .map((s) => ({ id: s.id, hostname: s.hostname, lastSeenAt: s.collectedAt, gpuCount: s.gpus.length, gpuStatus: s.gpuStatus }));
  }

  queryMetric(query: MetricQuery): MetricQueryResult {
    const metric: MetricName = query.metric;
    let tier: MetricQueryResult['tier'] = this.tsdb.pickTier(query.fromMs, (query.toMs - query.fromMs) / query.maxPoints);
    let stepMs = this.options.intervalMs;
    const series: SeriesPoints[] = this.tsdb.seriesOf(query.nodeId, metric).map(({ id, device }) => {
      const result = this.tsdb.range(id, query.fromMs, query.toMs, query.maxPoints);
      tier = result.tier;
      stepMs = result.stepMs;
      return { device, t: result.t, v: result.v, min: result.min, max: result.max };
    });
    return { metric, unit: METRICS[metric].unit, tier, stepMs, series };
  }

  latestValues(query: LatestValuesQuery): LatestValue[] {
    const nodeIds = query.nodeIds ?? [...this.snapshots.keys()];
    const out: LatestValue[] = [];
    for (const nodeId of nodeIds) {
      for (const metric of query.metrics) {
        const series = this.tsdb.seriesOf(nodeId, metric);
        const values = this.tsdb.latest(series.map((s) => s.id));
        series.forEach((s, i) => {
          const value = values[i];
          if (value) out.push({ nodeId, metric, device: s.device, t: value.t, v: value.v });
        });
      }
    }
    return out;
  }

  maintain(nowMs: number): void {
    this.tsdb.maintain(nowMs);
  }

  setOptions(limits: StoreLimits): void {
    this.options = { ...this.options, intervalMs: limits.intervalMs, retention: { ...limits.retention }, maxDiskBytes: limits.maxDiskBytes };
    this.tsdb.setLimits(this.options);
  }

  status(): StorageStatus {
    return this.tsdb.status();
  }

  stats(): StorageStats {
    const pageSize = this.db.pragma('page_size', { simple: true }) as number;
    const pages = this.db.pragma('page_count', { simple: true }) as number;
    const { rawMs, minuteMs, hourMs } = this.options.retention;
    return {
      dbPath: this.options.dbPath,
      fileBytes: pages * pageSize,
      maxDiskBytes: this.options.maxDiskBytes,
      retentionMs: { raw: rawMs, minute: minuteMs, hour: hourMs },
      tiers: this.tsdb.tierStats(),
      status: this.tsdb.status(),
    };
  }

  seriesNote(nodeId: string): string | null {
    return this.newSeries.note(nodeId, this.snapshots.get(nodeId)?.collectedAt ?? 0);
  }

  flush(): void {
    this.tsdb.flush();
  }

  close(): void {
    if (!this.db.open) return;
    // Snapshots are kept in memory between saves: write the newest before closing.
    try {
      this.db.transaction(() => {
        for (const s of this.snapshots.values()) {
          if (this.snapshotSavedAt.get(s.id) !== s.collectedAt) {
            this.upsertNode.run({ id: s.id, hostname: s.hostname, t: s.collectedAt, snapshot: JSON.stringify(s) });
          }
        }
      })();
      this.db.pragma('wal_checkpoint(TRUNCATE)');
    } catch {
      // closing must not fail; the head rows hold every written tick anyway
    }
    this.tsdb.close();
    this.db.close();
  }
}

function parseSnapshot(json: string): NodeSnapshot | null {
  try {
    const parsed = NodeSnapshotSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
