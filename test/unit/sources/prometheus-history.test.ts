// A chart's history from a source (prometheus-history.ts) takes only the points it asked for: a
// source answering points outside the range, or more of them than the step allows, cannot make a
// chart (or the history cache) hold more than the range's own points.
import { describe, expect, it } from 'vitest';
import type { QueryResult } from '../../../electron/core/sources/prometheus-api';
import { historyCache, sourceHistory, type RangeQuerier } from '../../../electron/core/sources/prometheus-history';

describe('source history', () => {
  it('keeps the points inside the aligned range, at most one a step', async () => {
    const asked: Array<[number, number, number]> = [];
    const client: RangeQuerier = {
      url: 'http://prom.example/',
      async queryRange(_expr, startMs, endMs, stepMs): Promise<QueryResult> {
        asked.push([startMs, endMs, stepMs]);
        // Points from long before to long after, ten a step.
        const timesMs: number[] = [];
        for (let t = startMs - 100 * stepMs; t <= endMs + 100 * stepMs; t += stepMs / 10) timesMs.push(t);
        return { resultType: 'matrix', series: [{ labels: { instance: 'n1:9100' }, timesMs, values: timesMs.map(() => 0.5) }] };
      },
    };
    const now = 1_700_000_000_000;
    const result = await sourceHistory(
      { sourceId: 's', client, nodeLabel: 'instance', minStepMs: 15_000, cache: historyCache(() => now), now: () => now },
      { nodeId: 'n1', metric: 'cpu.load1', fromMs: now - 3_600_000, toMs: now, maxPoints: 100 },
    );
    const [[startMs, endMs, stepMs]] = asked as [[number, number, number]];
    const [series] = result.series;
    expect(series!.t.length).toBeLessThanOrEqual((endMs - startMs) / stepMs + 1);
    expect(Math.min(...series!.t)).toBeGreaterThanOrEqual(startMs);
    expect(Math.max(...series!.t)).toBeLessThanOrEqual(endMs);
  });
});
