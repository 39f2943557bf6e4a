import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../../electron/core/store/db';
import { SeriesIndex } from '../../../../electron/core/store/tsdb/series-index';
import { tempDir } from '../../../helpers/tmp';

describe('series index', () => {
  it('creates a series once, finds it by key and by node and metric, and reads it back on open', () => {
    const path = join(tempDir(), 'index.db');
    const db = openDatabase(path);
    const index = new SeriesIndex(db);
    const b = index.seriesId('n1', 'gpu.util_pct', 'GPU-b');
    const a = index.seriesId('n1', 'gpu.util_pct', 'GPU-a');
    const cpu = index.seriesId('n1', 'cpu.util_pct', '');
    expect(index.seriesId('n1', 'gpu.util_pct', 'GPU-b')).toBe(b);
    expect(new Set([a, b, cpu]).size).toBe(3);
    expect(index.hasSeries('n1', 'gpu.util_pct', 'GPU-a')).toBe(true);
    expect(index.hasSeries('n2', 'gpu.util_pct', 'GPU-a')).toBe(false);
    expect(index.seriesOf('n1', 'gpu.util_pct')).toEqual([
      { id: a, device: 'GPU-a' },
      { id: b, device: 'GPU-b' },
    ]);
    db.close();

    const reopened = openDatabase(path);
    const again = new SeriesIndex(reopened);
    expect(again.hasSeries('n1', 'gpu.util_pct', 'GPU-a')).toBe(false);
    again.load();
    expect(again.seriesOf('n1', 'gpu.util_pct')).toEqual([
      { id: a, device: 'GPU-a' },
      { id: b, device: 'GPU-b' },
    ]);
    expect(again.states[cpu]?.key).toEqual({ nodeId: 'n1', metric: 'cpu.util_pct', device: '' });
    expect(again.seriesId('n1', 'cpu.util_pct', '')).toBe(cpu);
    reopened.close();
  });

  it('stores each series order once, and a different order (or length) as another layout', () => {
    const db = openDatabase(':memory:');
    const index = new SeriesIndex(db);
    const first = index.layoutId([1, 2, 3]);
    expect(index.layoutId(Int32Array.of(1, 2, 3))).toBe(first);
    const reversed = index.layoutId([3, 2, 1]);
    const shorter = index.layoutId([1, 2]);
    expect(new Set([first, reversed, shorter]).size).toBe(3);
    expect(Array.from(index.layoutOf(reversed)!)).toEqual([3, 2, 1]);
    expect(db.prepare('SELECT count(*) FROM layouts').pluck().get()).toBe(3);

    const again = new SeriesIndex(db);
    again.load();
    expect(again.layoutId([3, 2, 1])).toBe(reversed);
    expect(db.prepare('SELECT count(*) FROM layouts').pluck().get()).toBe(3);
    db.close();
  });

  it('gives a layout that cannot be written a provisional id, replaced by the stored one once saved', () => {
    const db = openDatabase(':memory:');
    const index = new SeriesIndex(db);
    db.pragma('query_only = ON');
    const provisional = index.layoutId([5, 6]);
    expect(provisional).toBeLessThan(0);
    expect(index.layoutId([5, 6])).toBe(provisional);
    expect(index.layoutId([6, 5])).toBe(provisional - 1);

    db.pragma('query_only = OFF');
    const saved = index.saveLayout(index.layoutOf(provisional)!);
    expect(saved).toBeGreaterThan(0);
    index.replaceLayoutId(provisional, saved);
    expect(index.layoutOf(provisional)).toBeUndefined();
    expect(index.layoutId([5, 6])).toBe(saved);
    expect(Array.from(index.layoutOf(saved)!)).toEqual([5, 6]);
    db.close();
  });
});
