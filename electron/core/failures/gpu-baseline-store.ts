/**
 * The GPUs each node is known to have (gpu_baseline, migration 0006): what a missing GPU is
 * measured against. Kept in SQLite so a GPU that fell off the bus while the app was down is still
 * missed after a restart.
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import type { BaselineGpu } from './detectors/gpu-presence';

interface Row {
  node_id: string;
  gpu_key: string;
  pci_bus_id: string | null;
  gpu_index: number | null;
  name: string | null;
  first_seen_ms: number;
  last_seen_ms: number;
}

/** A node has at most 64 GPUs (NODE_LIMITS.gpus); twice that leaves room for replacements. */
export const MAX_BASELINE_GPUS_PER_NODE = 128;
const MAX_TEXT = 256;

const toGpu = (row: Row): BaselineGpu => ({
  nodeId: row.node_id,
  key: row.gpu_key,
  pciBusId: row.pci_bus_id,
  index: row.gpu_index,
  name: row.name,
  firstSeenMs: row.first_seen_ms,
  lastSeenMs: row.last_seen_ms,
});

export class GpuBaselineStore {
  private readonly byNode: Statement<[string, number], Row>;
  private readonly upsert: Statement<[string, string, string | null, number | null, string | null, number, number], never>;
  private readonly deleteOne: Statement<[string, string], never>;
  private readonly deleteNode: Statement<[string], never>;

  constructor(private readonly db: Db) {
    this.byNode = db.prepare(
      `SELECT node_id, gpu_key, pci_bus_id, gpu_index, name, first_seen_ms, last_seen_ms FROM gpu_baseline
       WHERE node_id = ? ORDER BY last_seen_ms DESC, gpu_key LIMIT ?`,
    );
    this.upsert = db.prepare(
      `INSERT INTO gpu_baseline (node_id, gpu_key, pci_bus_id, gpu_index, name, first_seen_ms, last_seen_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (node_id, gpu_key) DO UPDATE SET pci_bus_id = excluded.pci_bus_id, gpu_index = excluded.gpu_index, name = excluded.name,
         last_seen_ms = max(last_seen_ms, excluded.last_seen_ms)`,
    );
    this.deleteOne = db.prepare('DELETE FROM gpu_baseline WHERE node_id = ? AND gpu_key = ?');
    this.deleteNode = db.prepare('DELETE FROM gpu_baseline WHERE node_id = ?');
  }

  /** A node's known GPUs, most recently seen first (bounded). */
  list(nodeId: string): BaselineGpu[] {
    return this.byNode.all(nodeId, MAX_BASELINE_GPUS_PER_NODE).map(toGpu);
  }

  /** Adds GPUs or updates what is known of them (first seen is kept). */
  save(gpus: readonly BaselineGpu[]): void {
    if (gpus.length === 0) return;
    this.db.transaction(() => {
      for (const g of gpus)
        this.upsert.run(g.nodeId, g.key, g.pciBusId, g.index, g.name === null ? null : g.name.slice(0, MAX_TEXT), g.firstSeenMs, g.lastSeenMs);
    })();
  }

  /** Forgets GPUs: replaced in their slot, or removed by the user. */
  remove(nodeId: string, keys: readonly string[]): void {
    if (keys.length === 0) return;
    this.db.transaction(() => {
      for (const key of keys) this.deleteOne.run(nodeId, key);
    })();
  }

  /** Forgets a node's GPUs (the node left the inventory). */
  removeNode(nodeId: string): void {
    this.deleteNode.run(nodeId);
  }
}
