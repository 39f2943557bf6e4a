import { describe, expect, it } from 'vitest';
import { runAlertsBench, type AlertsBenchResult } from '../../../bench/alerts-bench';
import { buildScenario, spikeTicks } from '../../../bench/alerts-scenario';
import { fleetNodeIds, fleetPciId } from '../../../bench/alerts-fleet';

const HOUR_MS = 3_600_000;

/** One short replay (2 h, 5 nodes x 8 GPUs), shared by the ground-truth checks below. */
let replay: Promise<AlertsBenchResult> | null = null;
const shortReplay = () => (replay ??= runAlertsBench({ nodes: 5, gpusPerNode: 8, intervalMs: 5000, durationMs: 2 * HOUR_MS }));

describe('alerts benchmark scenario', () => {
  it('injects every failure kind, with spikes shorter than their rule', () => {
    const scenario = buildScenario({
      nodeIds: fleetNodeIds(5),
      gpusPerNode: 8,
      startMs: 0,
      durationMs: 2 * HOUR_MS,
      intervalMs: 5000,
      seed: 't',
      pciOf: (_n, gpu) => fleetPciId(gpu),
    });
    const kinds = new Set(scenario.failures.map((f) => f.kind.split(' ')[0]));
    for (const kind of [
      'xid-48',
      'xid-63',
      'xid-94',
      'xid-13',
      'xid-43',
      'xid-119',
      'fallen-off-bus',
      'ecc-uncorrected',
      'retired-pages-pending',
      'row-remap-pending',
      'row-remap-failure',
      'driver-not-loaded',
      'node-unreachable',
      'filesystem-full',
      'throttle-sustained',
    ]) {
      expect(kinds).toContain(kind);
    }
    // Real captures: the Xid events carry the kernel's own lines, moved onto a fleet GPU.
    const xid = scenario.kernel[0]!;
    expect(xid.events[0]!.raw[0]).toMatch(/NVRM: Xid/);
    expect(xid.events[0]!.pciId).toMatch(/^00000000:[0-9A-F]{2}:00\.0$/);
    expect(scenario.spikes.length).toBeGreaterThan(5);
  });

  it('keeps a spike shorter than for in evaluated time, at any interval', () => {
    for (const interval of [1000, 5000, 30_000, 60_000, 300_000]) {
      for (const forMs of [30_000, 60_000, 120_000, 600_000]) expect((spikeTicks(forMs, interval) - 1) * interval).toBeLessThan(forMs);
    }
  });
});

describe('alerts benchmark replay (2 h, 40 GPUs)', () => {
  it('alerts every injected failure exactly once', async () => {
    const result = await shortReplay();
    expect(result.failures.length).toBeGreaterThanOrEqual(15);
    const misses = result.failuresMissed.map((f) => `${f.kind}: ${f.alerts.map((a) => a.rule).join(', ') || 'none'}`);
    expect(misses).toEqual([]);
  }, 120_000);

  it('notifies nothing for spikes shorter than for, and nothing unexplained', async () => {
    const result = await shortReplay();
    expect(result.setup.spikes).toBeGreaterThan(5);
    expect(result.spikeAlerts).toEqual([]);
    expect(result.unexpected).toEqual([]);
    expect(result.notifications.alerts).toBeGreaterThan(0);
  }, 120_000);
});
