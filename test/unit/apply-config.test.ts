import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { applyConfigToParts, changedSections, LiveConfig, storeLimits, type ConfigurableParts } from '../../electron/core/apply-config';
import { Scheduler } from '../../electron/core/scheduler';
import { openDatabase } from '../../electron/core/store/db';
import { SqliteTelemetryStore } from '../../electron/core/store/telemetry-store';
import { ConfigSchema, DEFAULT_CONFIG, type Config } from '../../shared/config';
import { tempDir } from '../helpers/tmp';

afterEach(() => {
  vi.useRealTimers();
});

const withPatch = (patch: object): Config => ConfigSchema.parse(patch);

/** Parts that write down what they were told. */
function recordingParts() {
  const calls: string[] = [];
  const parts: ConfigurableParts = {
    loop: { setIntervalMs: (ms) => calls.push(`loop ${ms}`) },
    fleet: { setDeadlineMs: (ms) => calls.push(`fleet ${ms}`) },
    store: { setOptions: (limits) => calls.push(`store ${limits.intervalMs} ${limits.maxDiskBytes}`) },
    onAlertsChanged: (alerts) => calls.push(`alerts ${alerts.kernelLogIntervalMs}`),
    onNotificationsChanged: (notifications) => calls.push(`notifications ${notifications.minSeverity}`),
  };
  return { calls, parts };
}

describe('applyConfigToParts', () => {
  it('a new interval reaches the loop, the tick deadline (80 %) and the store', () => {
    const { calls, parts } = recordingParts();
    expect(applyConfigToParts(parts, DEFAULT_CONFIG, withPatch({ collection: { intervalMs: 10_000 } }))).toEqual(['collection']);
    expect(calls).toEqual(['loop 10000', 'fleet 8000', 'store 10000 null']);
  });

  it('storage reaches only the store; alerts and notifications only their callbacks', () => {
    const { calls, parts } = recordingParts();
    const next = withPatch({ storage: { maxDiskMb: 100 }, alerts: { kernelLogIntervalMs: 60_000 }, notifications: { minSeverity: 'critical' } });
    expect(applyConfigToParts(parts, DEFAULT_CONFIG, next)).toEqual(['storage', 'alerts', 'notifications']);
    expect(calls).toEqual(['store 5000 104857600', 'alerts 60000', 'notifications critical']);
  });

  it('the same config changes nothing', () => {
    const { calls, parts } = recordingParts();
    expect(changedSections(DEFAULT_CONFIG, withPatch({}))).toEqual([]);
    expect(applyConfigToParts(parts, DEFAULT_CONFIG, withPatch({}))).toEqual([]);
    expect(calls).toEqual([]);
  });

  it('LiveConfig holds the config in force once applied', () => {
    const { parts } = recordingParts();
    const live = new LiveConfig(DEFAULT_CONFIG, parts);
    const next = withPatch({ collection: { intervalMs: 2000 } });
    live.apply(next);
    expect(live.current()).toBe(next);
  });
});

describe('the parts a config change reaches', () => {
  it('the scheduler ticks on the new grid from the tick after the change', async () => {
    vi.useFakeTimers({ now: 0 });
    const times: number[] = [];
    const scheduler = new Scheduler(1000, async (t) => void times.push(t), { now: () => Date.now() });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(2_500);
    scheduler.setIntervalMs(3000);
    await vi.advanceTimersByTimeAsync(7_000);
    scheduler.stop();
    // 3000 was due on the old grid; it is also on the new one. Then every 3 s.
    expect(times).toEqual([0, 1000, 2000, 3000, 6000, 9000]);
  });

  it('the store reports and maintains with the new retention and disk cap', () => {
    const dbPath = join(tempDir(), 'limits.db');
    const store = new SqliteTelemetryStore(openDatabase(dbPath), { dbPath, ...storeLimits(DEFAULT_CONFIG) });
    try {
      store.setOptions(storeLimits(withPatch({ storage: { rawRetentionDays: 2, maxDiskMb: 32 }, collection: { intervalMs: 15_000 } })));
      const stats = store.stats();
      expect(stats.maxDiskBytes).toBe(32 * 1024 * 1024);
      expect(stats.retentionMs.raw).toBe(2 * 86_400_000);
      // With no data the raw tier's step is the collection interval.
      expect(store.queryMetric({ nodeId: 'n', metric: 'cpu.util_pct', fromMs: 0, toMs: 60_000, maxPoints: 100 }).stepMs).toBe(15_000);
    } finally {
      store.close();
    }
  });
});
