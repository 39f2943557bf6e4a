import { describe, expect, it } from 'vitest';
import type { StorageStatus } from '../../../shared/contract';
import { capUsePct, describeTier, orderTiers, storageProblem, storageWarning, type TierStats } from '../../../renderer/src/storage';

const ok: StorageStatus = { state: 'ok', message: null, since: null, bufferedTicks: 0, droppedSamples: 0, outOfOrderSamples: 0, corruptChunks: 0 };
const FULL = 'cannot write telemetry: the disk (or the database size limit) is full; keeping new data in memory and retrying';

describe('storage health in words', () => {
  it('says nothing while writes succeed', () => {
    expect(storageWarning(ok)).toBeNull();
    expect(storageWarning({ ...ok, outOfOrderSamples: 4 })).toBeNull();
  });

  it('names the problem and the ticks held in memory while buffering', () => {
    const warning = storageWarning({ ...ok, state: 'buffering', message: FULL, since: 1, bufferedTicks: 12 });
    expect(warning).toMatchObject({
      text: 'Storage: disk full — 12 ticks buffered in memory',
      summary: 'Disk full — 12 ticks buffered in memory',
      tone: 'warn',
    });
    expect(warning!.title).toContain(FULL);
    expect(storageWarning({ ...ok, state: 'buffering', message: FULL, bufferedTicks: 1 })!.text).toBe('Storage: disk full — 1 tick buffered in memory');
  });

  it('warns louder once the buffer is full and new data is not stored', () => {
    const warning = storageWarning({
      ...ok,
      state: 'dropping',
      message: 'cannot write telemetry: the database is read-only; …',
      bufferedTicks: 9000,
      droppedSamples: 123_456,
    });
    expect(warning).toMatchObject({ text: 'Storage: database read-only — memory buffer full, new data not stored', tone: 'error' });
    expect(warning!.title).toContain('123,456 samples lost so far.');
  });

  it('reads the reason from the engine message, with a plain fallback', () => {
    expect(storageProblem('cannot write telemetry: the disk reported an I/O error (SQLITE_IOERR_WRITE); …')).toBe('disk I/O error');
    expect(storageProblem('something else')).toBe('cannot write');
    expect(storageProblem(null)).toBe('cannot write');
  });
});

describe('storage tiers', () => {
  const tier = (name: TierStats['tier']): TierStats => ({ tier: name, bytes: 0, chunks: 0, samples: 0, oldestMs: null, newestMs: null, retentionMs: null });

  it('lists tiers finest first and the unsealed head last', () => {
    expect(orderTiers([tier('head'), tier('1h'), tier('raw'), tier('1m')]).map((t) => t.tier)).toEqual(['raw', '1m', '1h', 'head']);
  });

  it('describes each tier', () => {
    expect(describeTier('raw', 5000)).toEqual({ name: 'Raw samples', resolution: 'every 5 s' });
    expect(describeTier('raw', null).resolution).toBe('every collection');
    expect(describeTier('1m', 5000).name).toBe('1-minute rollups');
    expect(describeTier('1h', 5000).name).toBe('1-hour rollups');
    expect(describeTier('head', 5000).name).toBe('Unsealed head');
  });

  it('measures the file against the disk cap, when there is one', () => {
    expect(capUsePct({ fileBytes: 256, maxDiskBytes: 1024 })).toBe(25);
    expect(capUsePct({ fileBytes: 256, maxDiskBytes: null })).toBeNull();
  });
});
