/**
 * The inventory in the database: one row per node the user added, with its source ('ssh' today,
 * room for 'prometheus') and its settings as validated JSON. Every row is validated when read: a
 * row damaged by hand, or of a source this version does not know, is reported and skipped, never
 * a crash. Removing a node keeps its history (series and chunks) until retention takes it.
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import { ContractError } from '../../../shared/dispatch';
import { SshNodeSchema, type SshNode } from '../../../shared/model/inventory';

/** A node of the inventory, by source. New sources add a member here. */
export type InventoryEntry = { source: 'ssh'; node: SshNode };

interface Row {
  id: string;
  source: string;
  spec: string;
}

function parseEntry(row: Row): InventoryEntry | null {
  if (row.source !== 'ssh') return null;
  let parsed: ReturnType<typeof SshNodeSchema.safeParse>;
  try {
    parsed = SshNodeSchema.safeParse(JSON.parse(row.spec));
  } catch {
    return null;
  }
  return parsed.success && parsed.data.id === row.id ? { source: 'ssh', node: parsed.data } : null;
}

export class InventoryStore {
  readonly warnings: string[] = [];
  private readonly selectAll: Statement<[], Row>;
  private readonly selectOne: Statement<[string], Row>;
  private readonly insert: Statement<[string, string, string, number, number]>;
  private readonly updateSpec: Statement<[string, number, string]>;
  private readonly deleteOne: Statement<[string]>;

  constructor(db: Db) {
    this.selectAll = db.prepare('SELECT id, source, spec FROM inventory ORDER BY id');
    this.selectOne = db.prepare('SELECT id, source, spec FROM inventory WHERE id = ?');
    this.insert = db.prepare('INSERT INTO inventory (id, source, spec, added_ms, updated_ms) VALUES (?, ?, ?, ?, ?)');
    this.updateSpec = db.prepare('UPDATE inventory SET spec = ?, updated_ms = ? WHERE id = ?');
    this.deleteOne = db.prepare('DELETE FROM inventory WHERE id = ?');
  }

  /** Every readable entry; the others are named in `warnings` (those of the latest read). */
  entries(): InventoryEntry[] {
    const entries: InventoryEntry[] = [];
    this.warnings.length = 0;
    for (const row of this.selectAll.all()) {
      const entry = parseEntry(row);
      if (entry) entries.push(entry);
      else if (row.source !== 'ssh')
        this.warnings.push(
          `inventory entry ${JSON.stringify(row.id)} has the source ${JSON.stringify(row.source)}, which this version cannot read; it was skipped`,
        );
      else this.warnings.push(`inventory entry ${JSON.stringify(row.id)} is damaged and was skipped`);
    }
    return entries;
  }

  /** The SSH nodes of the inventory. */
  list(): SshNode[] {
    return this.entries().flatMap((entry) => (entry.source === 'ssh' ? [entry.node] : []));
  }

  get(id: string): SshNode | null {
    const row = this.selectOne.get(id);
    const entry = row ? parseEntry(row) : null;
    return entry?.source === 'ssh' ? entry.node : null;
  }

  add(node: SshNode, nowMs: number): void {
    const checked = SshNodeSchema.parse(node);
    if (this.selectOne.get(checked.id)) throw new ContractError('bad-request', `a node called ${checked.id} is already in the inventory`);
    this.insert.run(checked.id, 'ssh', JSON.stringify(checked), nowMs, nowMs);
  }

  update(node: SshNode, nowMs: number): void {
    const checked = SshNodeSchema.parse(node);
    if (this.updateSpec.run(JSON.stringify(checked), nowMs, checked.id).changes === 0) {
      throw new ContractError('not-found', `no node called ${checked.id}`);
    }
  }

  remove(id: string): void {
    if (this.deleteOne.run(id).changes === 0) throw new ContractError('not-found', `no node called ${id}`);
  }
}
