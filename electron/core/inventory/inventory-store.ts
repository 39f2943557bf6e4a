/**
 * The SSH inventory in the database. Every row is validated when read: a row damaged by hand is
 * reported and skipped, never a crash. Removing a node keeps its history (series and chunks)
 * until retention takes it.
 */
import type { Database as Db, Statement } from 'better-sqlite3';
import { ContractError } from '../../../shared/dispatch';
import { SshNodeSchema, type SshNode } from '../../../shared/model/inventory';

export class InventoryStore {
  private readonly stmt: Record<string, Statement>;
  readonly warnings: string[] = [];

  constructor(db: Db) {
    this.stmt = {
      all: db.prepare('SELECT id, spec FROM ssh_nodes ORDER BY id'),
      insert: db.prepare('INSERT INTO ssh_nodes (id, spec, added_ms, updated_ms) VALUES (?, ?, ?, ?)'),
      update: db.prepare('UPDATE ssh_nodes SET spec = ?, updated_ms = ? WHERE id = ?'),
      remove: db.prepare('DELETE FROM ssh_nodes WHERE id = ?'),
      get: db.prepare('SELECT spec FROM ssh_nodes WHERE id = ?').pluck(),
    };
  }

  list(): SshNode[] {
    const nodes: SshNode[] = [];
    for (const row of this.stmt.all!.all() as Array<{ id: string; spec: string }>) {
      let parsed: ReturnType<typeof SshNodeSchema.safeParse>;
      try {
        parsed = SshNodeSchema.safeParse(JSON.parse(row.spec));
      } catch {
        parsed = SshNodeSchema.safeParse(null);
      }
      if (parsed.success && parsed.data.id === row.id) nodes.push(parsed.data);
      else this.warnings.push(`inventory entry ${JSON.stringify(row.id)} is damaged and was skipped`);
    }
    return nodes;
  }

  get(id: string): SshNode | null {
    const spec = this.stmt.get!.get(id) as string | undefined;
    if (spec === undefined) return null;
    const parsed = SshNodeSchema.safeParse(JSON.parse(spec));
    return parsed.success ? parsed.data : null;
  }

  add(node: SshNode, nowMs: number): void {
    const checked = SshNodeSchema.parse(node);
    if (this.get(checked.id)) throw new ContractError('bad-request', `a node called ${checked.id} is already in the inventory`);
    this.stmt.insert!.run(checked.id, JSON.stringify(checked), nowMs, nowMs);
  }

  update(node: SshNode, nowMs: number): void {
    const checked = SshNodeSchema.parse(node);
    if (this.stmt.update!.run(JSON.stringify(checked), nowMs, checked.id).changes === 0) {
      throw new ContractError('not-found', `no node called ${checked.id}`);
    }
  }

  remove(id: string): void {
    if (this.stmt.remove!.run(id).changes === 0) throw new ContractError('not-found', `no node called ${id}`);
  }
}
