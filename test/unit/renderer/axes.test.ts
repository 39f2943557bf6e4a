import { describe, expect, it } from 'vitest';
import { axisLabel, axisTicks, localDayTicks } from '../../../renderer/src/charts/axes';
import { rangeById } from '../../../renderer/src/ranges';

const at = (y: number, m: number, d: number, h = 0, min = 0) => new Date(y, m - 1, d, h, min).getTime();

describe('x-axis ticks of the long ranges', () => {
  it('puts a week on local midnights, labelled by weekday', () => {
    const min = at(2026, 11, 22, 7, 13);
    const max = at(2026, 11, 29, 7, 13);
    const ticks = axisTicks(rangeById('7d').ticks, min, max).map((t) => t.value);
    expect(ticks).toEqual([23, 24, 25, 26, 27, 28, 29].map((d) => at(2026, 11, d)));
    expect(axisLabel(rangeById('7d').ticks, ticks[0]!)).toBe('Mon 23');
  });

  it('puts a month on Mondays, labelled by date', () => {
    const min = at(2026, 10, 30, 7, 13);
    const max = at(2026, 11, 29, 7, 13);
    const ticks = axisTicks(rangeById('30d').ticks, min, max).map((t) => t.value);
    expect(ticks).toEqual([at(2026, 11, 2), at(2026, 11, 9), at(2026, 11, 16), at(2026, 11, 23)]);
    expect(ticks.every((t) => new Date(t).getDay() === 1)).toBe(true);
    expect(axisLabel(rangeById('30d').ticks, ticks[0]!)).toBe('2 Nov');
  });

  it('keeps day ticks on midnight across a daylight-saving change', () => {
    const ticks = localDayTicks(at(2026, 3, 25), at(2026, 4, 2), 1);
    expect(ticks.every((t) => new Date(t.value).getHours() === 0)).toBe(true);
    expect(ticks[0]!.value).toBe(at(2026, 3, 25));
  });

  it('keeps clock ticks on the shorter ranges', () => {
    const ticks = axisTicks(rangeById('6h').ticks, at(2026, 11, 29, 1, 13), at(2026, 11, 29, 7, 13));
    expect(ticks.map((t) => new Date(t.value).getHours())).toEqual([2, 3, 4, 5, 6, 7]);
    expect(axisLabel(rangeById('6h').ticks, ticks[0]!.value)).toBe('02:00');
  });
});
