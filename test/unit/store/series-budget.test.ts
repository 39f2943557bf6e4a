import { describe, expect, it } from 'vitest';
import { SeriesBudget } from '../../../electron/core/store/series-budget';

const HOUR = 3_600_000;
const T0 = 1_767_225_600_000; // 2026-01-01T00:00Z

describe('SeriesBudget', () => {
  it('lets a node add so many new series an hour, then refuses until the next hour, and says so meanwhile', () => {
    const budget = new SeriesBudget(3);
    expect([1, 2, 3, 4, 5].map(() => budget.take('a', T0 + 10))).toEqual([true, true, true, false, false]);
    // Other nodes have their own budget.
    expect(budget.take('b', T0 + 10)).toBe(true);
    expect(budget.note('b', T0 + 10)).toBeNull();
    expect(budget.note('a', T0 + 20)).toBe('series: more than 3 new series in an hour; new devices are not recorded until 01:00 UTC');
    // The next hour starts afresh, and the note goes even if the node adds nothing new.
    expect(budget.note('a', T0 + HOUR)).toBeNull();
    expect(budget.take('a', T0 + HOUR + 1)).toBe(true);
  });
});
