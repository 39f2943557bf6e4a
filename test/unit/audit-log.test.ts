import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AuditLog, canonicalJson, GENESIS_HASH, rowHash } from '../../electron/core/audit-log';
import type { Database as Db } from 'better-sqlite3';
import { openDatabase } from '../../electron/core/store/db';

const admin = { name: 'alice', role: 'admin' };
const auditor = { name: 'bob', role: 'auditor' };

describe('audit log (hash chain)', () => {
  let dir: string;
  let db: Db;
  let log: AuditLog;
  let now: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'audit-log-'));
    db = openDatabase(join(dir, 'clusterdeck.db'));
    now = 1_700_000_000_000;
    log = new AuditLog(db, () => now++);
    log.append(admin, 'nodes:add', 'gpu-01', { host: 'gpu-01.lab', port: 22 });
    log.append(admin, 'hostKeys:trust', 'gpu-01.lab:22', { fingerprint: 'SHA256:abc' });
    log.append(auditor, 'audits:run', 'gpu-node-baseline', { nodes: ['gpu-01'] });
    log.append(auditor, 'audits:attest', 'gpu-01/gnb-manual-001', { status: 'pass' });
    log.append(auditor, 'reports:export', 'run 1', { format: 'pdf' });
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const rows = () => db.prepare('SELECT * FROM audit_log ORDER BY seq').all() as Array<Record<string, string | number>>;

  it('chains each row to the one before and verifies an untouched log', () => {
    const all = rows();
    expect(all.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(all[0]!.prev_hash).toBe(GENESIS_HASH);
    for (let i = 1; i < all.length; i++) expect(all[i]!.prev_hash).toBe(all[i - 1]!.hash);
    expect(all[2]).toMatchObject({ actor: 'bob', role: 'auditor', action: 'audits:run', details: '{"nodes":["gpu-01"]}' });
    expect(log.verify()).toEqual({ ok: true, rows: 5, problem: null });
  });

  it('lists newest first, paged by seq', () => {
    expect(log.list({ limit: 2 }).map((e) => e.seq)).toEqual([5, 4]);
    expect(log.list({ limit: 2, beforeSeq: 4 }).map((e) => e.action)).toEqual(['audits:run', 'hostKeys:trust']);
  });

  it('names a row whose details were edited', () => {
    db.prepare(`UPDATE audit_log SET details = '{"status":"fail"}' WHERE seq = 4`).run();
    expect(log.verify()).toMatchObject({ ok: false, problem: { seq: 4, message: expect.stringMatching(/row 4 was edited/) } });
  });

  it('names a row whose actor was edited', () => {
    db.prepare(`UPDATE audit_log SET actor = 'mallory' WHERE seq = 2`).run();
    expect(log.verify().problem).toEqual({ seq: 2, message: expect.stringMatching(/row 2 was edited/) });
  });

  it('names a deleted middle row', () => {
    db.prepare('DELETE FROM audit_log WHERE seq = 3').run();
    expect(log.verify().problem).toEqual({ seq: 3, message: expect.stringMatching(/row 3 was deleted/) });
  });

  it('names a deleted first row', () => {
    db.prepare('DELETE FROM audit_log WHERE seq = 1').run();
    expect(log.verify().problem).toMatchObject({ seq: 1, message: expect.stringMatching(/row 1 was deleted/) });
  });

  it('names a forged row slipped in the middle with a hash of its own that fits its place', () => {
    // Make room at seq 3, then forge a row chained to row 2 as the real code would.
    for (const seq of [5, 4, 3]) db.prepare('UPDATE audit_log SET seq = seq + 1 WHERE seq = ?').run(seq);
    const prev = (db.prepare('SELECT hash FROM audit_log WHERE seq = 2').get() as { hash: string }).hash;
    const forged = { at_ms: now, actor: 'alice', role: 'admin', action: 'audits:waive', subject: 'gpu-01', details: '{}' };
    db.prepare('INSERT INTO audit_log (seq, at_ms, actor, role, action, subject, details, prev_hash, hash) VALUES (3, ?, ?, ?, ?, ?, ?, ?, ?)').run(
      forged.at_ms,
      forged.actor,
      forged.role,
      forged.action,
      forged.subject,
      forged.details,
      prev,
      rowHash(prev, forged),
    );
    expect(log.verify().problem).toEqual({ seq: 3, message: expect.stringMatching(/row 3 was inserted/) });
  });

  it('names a forged row appended at the end with a made-up chain', () => {
    db.prepare(
      `INSERT INTO audit_log (seq, at_ms, actor, role, action, subject, details, prev_hash, hash) VALUES (6, 1, 'eve', 'admin', 'nodes:remove', 'gpu-01', '{}', ?, ?)`,
    ).run('f'.repeat(64), 'e'.repeat(64));
    expect(log.verify().problem).toEqual({ seq: 6, message: expect.stringMatching(/row 6 was inserted/) });
  });

  it('rolls back with the action when appended inside its transaction', () => {
    expect(() =>
      db.transaction(() => {
        log.append(admin, 'settings:update', 'config.yaml', {});
        throw new Error('the action failed');
      })(),
    ).toThrow('the action failed');
    expect(log.list().length).toBe(5);
    expect(log.verify().ok).toBe(true);
  });

  it('writes details as canonical JSON (sorted keys), bounded', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"y":2,"z":1}]},"b":1}');
    const entry = log.append(admin, 'nodes:update', 'x'.repeat(2000), { note: 'y'.repeat(20_000) });
    expect(entry.subject.length).toBeLessThanOrEqual(512);
    expect(entry.details.length).toBeLessThanOrEqual(8192);
    expect(log.verify().ok).toBe(true);
  });
});
