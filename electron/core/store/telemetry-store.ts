/**
 * The telemetry store behind one interface, so the rest of the engine does not know the table
 * layout. This implementation keeps one row per sample; queries over long ranges are bucketed
 * in SQL and return a min/max envelope.
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import type { MetricQuery, MetricQueryResult, SeriesPoints } from '../../../shared/contract';
import { METRICS, type MetricName } from '../../../shared/model/metrics';
import { NodeSnapshotSchema, type NodeSnapshot, type NodeSummary } from '../../../shared/model/node';

export interface TelemetryStore {
  /** Writes every snapshot of one tick in a single transaction. */
  writeTick(snapshots: readonly NodeSnapshot[]): void;
  latestSnapshot(nodeId: string): NodeSnapshot | null;
  listNodes(): NodeSummary[];
  queryMetric(query: MetricQuery): MetricQueryResult;
  /** Deletes samples past retention for a few series; call once per tick. */
  pruneStep(nowMs: number): void;
  close(): void;
}

export interface SqliteStoreOptions {
  intervalMs: number;
  retentionDays: number;
  /** How many series pruneStep visits per call. */
  pruneSeriesPerStep?: number;
}

export class SqliteTelemetryStore implements TelemetryStore {
  private readonly seriesIds = new Map<string, number>();
  private readonly stmt: {
    upsertNode: Statement;
    insertSeries: Statement;
    selectSeriesId: Statement;
    insertSample: Statement;
    latest: Statement;
    nodes: Statement;
    seriesOf: Statement;
    raw: Statement;
    bucketed: Statement;
    pruneSeries: Statement;
    nextSeries: Statement;
  };
  private pruneCursor = 0;

  constructor(
    private readonly db: Db,
    private readonly options: SqliteStoreOptions,
  ) {
    this.stmt = {
      upsertNode: db.prepare(
        `INSERT INTO nodes (id, hostname, first_seen_ms, last_seen_ms, last_snapshot) VALUES (@id, @hostname, @t, @t, @snapshot)
         ON CONFLICT (id) DO UPDATE SET hostname = excluded.hostname, last_seen_ms = excluded.last_seen_ms, last_snapshot = excluded.last_snapshot
         WHERE excluded.last_seen_ms >= nodes.last_seen_ms`,
      ),
      insertSeries: db.prepare(`INSERT OR IGNORE INTO series (node_id, metric, device) VALUES (?, ?, ?)`),
      selectSeriesId: db.prepare(`SELECT id FROM series WHERE node_id = ? AND metric = ? AND device = ?`).pluck(),
      insertSample: db.prepare(`INSERT OR REPLACE INTO samples (series_id, t, v) VALUES (?, ?, ?)`),
      latest: db.prepare(`SELECT last_snapshot FROM nodes WHERE id = ?`).pluck(),
      nodes: db.prepare(`SELECT id, hostname, last_seen_ms, last_snapshot FROM nodes ORDER BY hostname, id`),
      seriesOf: db.prepare(`SELECT id, device FROM series WHERE node_id = ? AND metric = ? ORDER BY device`),
      raw: db.prepare(`SELECT t, v FROM samples WHERE series_id = ? AND t >= ? AND t <= ? ORDER BY t`).raw(),
      bucketed: db
        .prepare(
          // better-sqlite3 binds JS numbers as REAL; the cast keeps the division an integer one.
          `SELECT (t / CAST(@bucket AS INTEGER)) * CAST(@bucket AS INTEGER) AS bt, avg(v), min(v), max(v) FROM samples
           WHERE series_id = @id AND t >= @from AND t <= @to GROUP BY bt ORDER BY bt`,
        )
        .raw(),
      pruneSeries: db.prepare(`DELETE FROM samples WHERE series_id = ? AND t < ?`),
      nextSeries: db.prepare(`SELECT id FROM series WHERE id > ? ORDER BY id LIMIT ?`).pluck(),
    };
  }

  private seriesId(nodeId: string, metric: string, device: string): number {
    const key = `${nodeId}\u0000${metric}\u0000${device}`;
    let id = this.seriesIds.get(key);
    if (id === undefined) {
      this.stmt.insertSeries.run(nodeId, metric, device);
      id = this.stmt.selectSeriesId.get(nodeId, metric, device) as number;
      this.seriesIds.set(key, id);
    }
    return id;
  }

  writeTick(snapshots: readonly NodeSnapshot[]): void {
    const write = this.db.transaction(() => {
      for (const snapshot of snapshots) {
        this.stmt.upsertNode.run({ id: snapshot.id, hostname: snapshot.hostname, t: snapshot.collectedAt, snapshot: JSON.stringify(snapshot) });
        for (const [metric, definition] of Object.entries(METRICS)) {
          for (const { device, value } of definition.extract(snapshot)) {
            this.stmt.insertSample.run(this.seriesId(snapshot.id, metric, device), snapshot.collectedAt, value);
          }
        }
      }
    });
    try {
      write();
    } catch (error) {
      // A rolled-back transaction may have rolled back series rows we cached.
      this.seriesIds.clear();
      throw error;
    }
  }

  private parseSnapshot(json: string | undefined): NodeSnapshot | null {
    if (json === undefined) return null;
    const parsed = NodeSnapshotSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : null;
  }

  latestSnapshot(nodeId: string): NodeSnapshot | null {
    return this.parseSnapshot(this.stmt.latest.get(nodeId) as string | undefined);
  }

  listNodes(): NodeSummary[] {
    const rows = this.stmt.nodes.all() as Array<{ id: string; hostname: string; last_seen_ms: number; last_snapshot: string }>;
    return rows.map((row) => {
      const snapshot = this.parseSnapshot(row.last_snapshot);
      return {
        id: row.id,
        hostname: row.hostname,
        lastSeenAt: row.last_seen_ms,
        gpuCount: snapshot?.gpus.length ?? 0,
        gpuStatus: snapshot?.gpuStatus ?? null,
      };
    });
  }

  queryMetric(query: MetricQuery): MetricQueryResult {
    const { intervalMs } = this.options;
    const metric: MetricName = query.metric;
    const span = query.toMs - query.fromMs;
    const rawPoints = Math.ceil(span / intervalMs);
    const bucketMs = rawPoints <= query.maxPoints ? 0 : Math.ceil(span / query.maxPoints / intervalMs) * intervalMs;
    const seriesRows = this.stmt.seriesOf.all(query.nodeId, metric) as Array<{ id: number; device: string }>;
    const series: SeriesPoints[] = seriesRows.map(({ id, device }) => {
      if (bucketMs === 0) {
        const rows = this.stmt.raw.all(id, query.fromMs, query.toMs) as Array<[number, number]>;
        return { device, t: rows.map((r) => r[0]), v: rows.map((r) => r[1]), min: null, max: null };
      }
      const rows = this.stmt.bucketed.all({ bucket: bucketMs, id, from: query.fromMs, to: query.toMs }) as Array<[number, number, number, number]>;
      return { device, t: rows.map((r) => r[0]), v: rows.map((r) => r[1]), min: rows.map((r) => r[2]), max: rows.map((r) => r[3]) };
    });
    return { metric, unit: METRICS[metric].unit, stepMs: bucketMs || intervalMs, series };
  }

  pruneStep(nowMs: number): void {
    const cutoff = nowMs - this.options.retentionDays * 86_400_000;
    const ids = this.stmt.nextSeries.all(this.pruneCursor, this.options.pruneSeriesPerStep ?? 8) as number[];
    if (ids.length === 0) {
      this.pruneCursor = 0;
      return;
    }
    this.db.transaction(() => {
      for (const id of ids) this.stmt.pruneSeries.run(id, cutoff);
    })();
    this.pruneCursor = ids[ids.length - 1]!;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
