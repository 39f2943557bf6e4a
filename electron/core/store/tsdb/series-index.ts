/**
 * The series index: every series' id and in-memory state, looked up by key or by node and metric,
 * and the tick layouts (a tick's series order, stored once in `layouts` and referenced by id from
 * each head row).
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import type { SeriesKey, SeriesState } from './common';
import { OpenBuffer } from './open-buffer';

interface SeriesRow {
  id: number;
  node_id: string;
  metric: string;
  device: string;
}

interface LayoutRow {
  id: number;
  series_ids: Buffer;
}

function hashIds(ids: ArrayLike<number>): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < ids.length; i += 1) hash = Math.imul(hash ^ ids[i]!, 0x01000193);
  return hash >>> 0;
}

export class SeriesIndex {
  /** Series state by id; ids are dense from 1, gaps only where a row was deleted by hand. */
  readonly states: Array<SeriesState | undefined> = [];
  /**
   * Ids by node, metric and device. Nested maps rather than one map of joined keys: a tick looks up
   * every sample of every node (130,000 for 1,000 GPU nodes), and joining three strings per lookup
   * was the store's largest cost (the strings' hashes are cached on them, a joined key's is not).
   */
  private readonly idsByNode = new Map<string, Map<string, Map<string, number>>>();
  /** Layout hash -> ids of the layouts with that hash; a tick's series order is stored once. */
  private readonly layoutsByHash = new Map<number, number[]>();
  private readonly layouts = new Map<number, Int32Array>();
  private nextProvisionalLayout = -1;
  private readonly insertSeries: Statement<[nodeId: string, metric: string, device: string]>;
  private readonly selectSeries: Statement<[nodeId: string, metric: string, device: string], number>;
  private readonly allSeries: Statement<[], SeriesRow>;
  private readonly insertLayout: Statement<[seriesIds: Buffer]>;
  private readonly selectLayout: Statement<[seriesIds: Buffer], number>;
  private readonly allLayouts: Statement<[], LayoutRow>;

  constructor(private readonly db: Db) {
    this.insertSeries = db.prepare('INSERT INTO series (node_id, metric, device) VALUES (?, ?, ?) ON CONFLICT DO NOTHING');
    this.selectSeries = db.prepare<[string, string, string], number>('SELECT id FROM series WHERE node_id = ? AND metric = ? AND device = ?').pluck();
    this.allSeries = db.prepare('SELECT id, node_id, metric, device FROM series');
    this.insertLayout = db.prepare('INSERT INTO layouts (series_ids) VALUES (?) ON CONFLICT DO NOTHING');
    this.selectLayout = db.prepare<[Buffer], number>('SELECT id FROM layouts WHERE series_ids = ?').pluck();
    this.allLayouts = db.prepare('SELECT id, series_ids FROM layouts');
  }

  /** Reads every stored series and layout (on open). */
  load(): void {
    for (const row of this.allSeries.all()) {
      this.register(row.id, { nodeId: row.node_id, metric: row.metric, device: row.device });
    }
    for (const row of this.allLayouts.all()) {
      const ids = new Int32Array(row.series_ids.buffer.slice(row.series_ids.byteOffset, row.series_ids.byteOffset + row.series_ids.byteLength));
      this.rememberLayout(row.id, ids);
    }
  }

  private register(id: number, key: SeriesKey): SeriesState {
    const state: SeriesState = {
      id,
      key,
      buffer: new OpenBuffer(),
      lastT: -Infinity,
      lastV: Number.NaN,
      openWeekFirstT: null,
      sealing: [],
    };
    this.states[id] = state;
    let metrics = this.idsByNode.get(key.nodeId);
    if (!metrics) this.idsByNode.set(key.nodeId, (metrics = new Map()));
    let devices = metrics.get(key.metric);
    if (!devices) metrics.set(key.metric, (devices = new Map()));
    devices.set(key.device, id);
    return state;
  }

  /** The id of a series that exists, else undefined (nothing is created). */
  knownId(nodeId: string, metric: string, device: string): number | undefined {
    return this.idsByNode.get(nodeId)?.get(metric)?.get(device);
  }

  /** The id of a series, created on first use. */
  seriesId(nodeId: string, metric: string, device: string): number {
    const known = this.knownId(nodeId, metric, device);
    if (known !== undefined) return known;
    this.insertSeries.run(nodeId, metric, device);
    const id = this.selectSeries.get(nodeId, metric, device)!;
    this.register(id, { nodeId, metric, device });
    return id;
  }

  /**
   * The ids of many series, created where new in one transaction (a tick that brings a fleet's
   * series: 38,000 single inserts took seconds). They are known to the index only once the
   * transaction committed; a failure throws and leaves the index as it was.
   */
  seriesIds(keys: readonly SeriesKey[]): number[] {
    const fresh: Array<{ key: SeriesKey; id: number }> = [];
    const created = this.db.transaction(() => {
      for (const key of keys) {
        if (this.knownId(key.nodeId, key.metric, key.device) !== undefined) continue;
        this.insertSeries.run(key.nodeId, key.metric, key.device);
        fresh.push({ key, id: this.selectSeries.get(key.nodeId, key.metric, key.device)! });
      }
    });
    created();
    for (const { key, id } of fresh) if (this.knownId(key.nodeId, key.metric, key.device) === undefined) this.register(id, key);
    return keys.map((key) => this.knownId(key.nodeId, key.metric, key.device)!);
  }

  /** Whether the series exists already (seriesId would not create it). */
  hasSeries(nodeId: string, metric: string, device: string): boolean {
    return this.knownId(nodeId, metric, device) !== undefined;
  }

  /** Every series of one metric on one node, ordered by device. */
  seriesOf(nodeId: string, metric: string): Array<{ id: number; device: string }> {
    return [...(this.idsByNode.get(nodeId)?.get(metric) ?? new Map<string, number>())]
      .map(([device, id]) => ({ id, device }))
      .sort((a, b) => a.device.localeCompare(b.device));
  }

  // ---------------------------------------------------------------- layouts

  /** The series ids of a layout (stored, or provisional: negative, not saved yet). */
  layoutOf(id: number): Int32Array | undefined {
    return this.layouts.get(id);
  }

  private rememberLayout(id: number, ids: Int32Array): void {
    this.layouts.set(id, ids);
    const hash = hashIds(ids);
    const list = this.layoutsByHash.get(hash);
    if (list) list.push(id);
    else this.layoutsByHash.set(hash, [id]);
  }

  /** Once a provisional layout is saved: its stored id replaces the provisional one. */
  replaceLayoutId(provisional: number, saved: number): void {
    const ids = this.layouts.get(provisional);
    if (!ids) return;
    this.layouts.delete(provisional);
    const list = this.layoutsByHash.get(hashIds(ids));
    if (list) list.splice(list.indexOf(provisional), 1);
    if (!this.layouts.has(saved)) this.rememberLayout(saved, ids);
  }

  /** The stored id of this series order (hash lookup, then an exact comparison). */
  layoutId(ids: ArrayLike<number>): number {
    for (const id of this.layoutsByHash.get(hashIds(ids)) ?? []) {
      const known = this.layouts.get(id)!;
      if (known.length !== ids.length) continue;
      let same = true;
      for (let i = 0; i < known.length && same; i += 1) same = known[i] === ids[i];
      if (same) return id;
    }
    const copy = Int32Array.from(ids);
    let id: number;
    try {
      id = this.saveLayout(copy);
    } catch {
      // Cannot write now (disk full): a provisional id, saved with the tick's head row later.
      id = this.nextProvisionalLayout--;
    }
    this.rememberLayout(id, copy);
    return id;
  }

  /** Writes a layout (or finds it written) and returns its stored id. */
  saveLayout(ids: Int32Array): number {
    const blob = Buffer.from(ids.buffer, ids.byteOffset, ids.byteLength);
    this.insertLayout.run(blob);
    return this.selectLayout.get(blob)!;
  }
}
