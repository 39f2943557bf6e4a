import { describe, expect, it } from 'vitest';
import type { MetricQueryResult } from '../../../shared/contract';
import { describeResolution, expectedStepMs, resolutionOf } from '../../../renderer/src/charts/resolution';

const result = (tier: MetricQueryResult['tier'], stepMs: number, withEnvelope: boolean, t: number[] = [0]): MetricQueryResult => ({
  metric: 'cpu.util_pct',
  unit: 'pct',
  tier,
  stepMs,
  series: [{ device: '', t, v: t.map(() => 1), min: withEnvelope ? t.map(() => 0) : null, max: withEnvelope ? t.map(() => 2) : null }],
});

describe('what a chart draws', () => {
  it('labels raw samples with the collection interval', () => {
    const drawn = resolutionOf([result('raw', 5000, false)], 5000, 500);
    expect(drawn).toEqual({ tier: 'raw', stepMs: 5000, bucketed: false, intervalMs: 5000 });
    expect(describeResolution(drawn).text).toBe('raw 5 s');
  });

  it('labels rollups with their bucket width and the band', () => {
    expect(describeResolution(resolutionOf([result('1m', 60_000, true)], 5000, 60_000)).text).toBe('1-min avg · min/max band');
    expect(describeResolution(resolutionOf([result('1h', 3_600_000, true)], 5000, 3_600_000)).text).toBe('1-h avg · min/max band');
    expect(describeResolution(resolutionOf([result('1m', 900_000, true)], 5000, 900_000)).text).toBe('15-min avg · min/max band');
    expect(describeResolution(resolutionOf([result('1h', 7_200_000, true)], 5000, 7_200_000)).detail).toMatch(/2 h of 1-hour rollups/);
  });

  it('labels raw samples the store averaged into buckets', () => {
    const drawn = resolutionOf([result('raw', 30_000, true)], 5000, 30_000);
    expect(drawn.bucketed).toBe(true);
    expect(describeResolution(drawn)).toEqual({
      text: '30-s avg · min/max band',
      detail: 'Each point averages 30 s of raw samples; the shaded band spans the lowest to the highest value in it.',
    });
  });

  it('takes the resolution from a result with points, not from an empty one', () => {
    const empty = { ...result('raw', 5000, false), series: [] };
    expect(resolutionOf([empty, result('1m', 120_000, true)], 5000, 120_000)).toMatchObject({ tier: '1m', stepMs: 120_000, bucketed: true });
  });

  it('without any points, expects the buckets a reload would show, so live values fold into them', () => {
    const empty = (tier: MetricQueryResult['tier']) => ({ ...result(tier, 5000, false), series: [] });
    expect(resolutionOf([empty('raw')], 5000, 500)).toMatchObject({ stepMs: 5000, bucketed: false });
    expect(resolutionOf([empty('raw')], 5000, 30_000)).toMatchObject({ stepMs: 30_000, bucketed: true });
    expect(resolutionOf([empty('1m')], 5000, 900_000)).toMatchObject({ tier: '1m', stepMs: 900_000, bucketed: true });
    expect(resolutionOf([], 5000, 500)).toMatchObject({ tier: 'raw', stepMs: 5000, bucketed: false });
  });

  it('mirrors the store: whole intervals for raw buckets, whole rollup points for rollups', () => {
    expect(expectedStepMs('raw', 30_000, 7000)).toBe(35_000);
    expect(expectedStepMs('raw', 500, 5000)).toBe(5000);
    expect(expectedStepMs('1m', 150_000, 5000)).toBe(180_000);
    expect(expectedStepMs('1h', 60_000, 5000)).toBe(3_600_000);
  });
});
