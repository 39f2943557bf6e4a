import { describe, expect, it } from 'vitest';
import { MetricQuerySchema } from '../../../shared/contract';
import { RANGES, rangeById, windowFor } from '../../../renderer/src/ranges';

describe('range definitions', () => {
  it('offers 5 min to 30 days, shortest first, each with its own test id', () => {
    expect(RANGES.map((r) => r.id)).toEqual(['5m', '1h', '6h', '24h', '7d', '30d']);
    expect(RANGES.map((r) => r.label)).toEqual(['5 min', '1 h', '6 h', '24 h', '7 d', '30 d']);
    const spans = RANGES.map((r) => r.spanMs);
    expect([...spans].sort((a, b) => a - b)).toEqual(spans);
    expect(rangeById('30d').spanMs).toBe(30 * 86_400_000);
  });

  it('asks for whole points of a round width, within what the contract accepts', () => {
    for (const range of RANGES) {
      expect(Number.isInteger(range.maxPoints)).toBe(true);
      expect(range.maxPoints * range.pointMs).toBe(range.spanMs);
      const window = windowFor(range.id, 1_700_000_000_000);
      const query = { nodeId: 'n', metric: 'cpu.util_pct', fromMs: window.fromMs, toMs: window.toMs, maxPoints: range.maxPoints };
      expect(MetricQuerySchema.safeParse(query).success).toBe(true);
    }
    // Round buckets on the long ranges: 2 min a day, 15 min a week, 1 h a month.
    expect(rangeById('24h').pointMs).toBe(120_000);
    expect(rangeById('7d').pointMs).toBe(900_000);
    expect(rangeById('30d').pointMs).toBe(3_600_000);
  });

  it('ends the window now and spans the range', () => {
    expect(windowFor('6h', 100_000_000)).toEqual({ range: '6h', fromMs: 100_000_000 - 6 * 3_600_000, toMs: 100_000_000 });
  });
});
