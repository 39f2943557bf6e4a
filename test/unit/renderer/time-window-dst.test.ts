// The time zone charts and the time navigation name, and local date-times typed in the range
// selector, across daylight-saving changes: the zone is fixed here (process.env.TZ, which Node
// applies to Date and Intl at once) so the test does not depend on the machine's zone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { timeZoneLabel, utcOffsetLabel } from '../../../renderer/src/charts/timeZone';
import { parseLocalDateTime, toLocalDateTimeInput } from '../../../renderer/src/ranges';

let saved: string | undefined;
function useZone(zone: string): void {
  process.env.TZ = zone;
}

beforeAll(() => {
  saved = process.env.TZ;
});
afterAll(() => {
  if (saved === undefined) delete process.env.TZ;
  else process.env.TZ = saved;
});

describe('time zone labels across DST (Europe/Berlin)', () => {
  it('names the offset in force at each time, and the zone', () => {
    useZone('Europe/Berlin');
    // 2026-03-29 01:00 UTC: clocks go from 02:00 CET to 03:00 CEST.
    const beforeSpring = Date.UTC(2026, 2, 29, 0, 59);
    const afterSpring = Date.UTC(2026, 2, 29, 1, 0);
    expect(utcOffsetLabel(beforeSpring)).toBe('UTC+01:00');
    expect(utcOffsetLabel(afterSpring)).toBe('UTC+02:00');
    // 2026-10-25 01:00 UTC: back from 03:00 CEST to 02:00 CET.
    expect(utcOffsetLabel(Date.UTC(2026, 9, 25, 0, 59))).toBe('UTC+02:00');
    expect(utcOffsetLabel(Date.UTC(2026, 9, 25, 1, 0))).toBe('UTC+01:00');
    expect(timeZoneLabel(afterSpring)).toBe('UTC+02:00 Europe/Berlin');
  });

  it('refuses a local time the spring change skips, and round-trips the times around it', () => {
    useZone('Europe/Berlin');
    expect(parseLocalDateTime('2026-03-29T02:30')).toBeNull();
    expect(parseLocalDateTime('2026-03-29T01:59')).toBe(Date.UTC(2026, 2, 29, 0, 59));
    expect(parseLocalDateTime('2026-03-29T03:00')).toBe(Date.UTC(2026, 2, 29, 1, 0));
    for (const ms of [Date.UTC(2026, 2, 29, 0, 59), Date.UTC(2026, 2, 29, 1, 0), Date.UTC(2026, 9, 25, 2, 0)]) {
      expect(parseLocalDateTime(toLocalDateTimeInput(ms))).toBe(ms);
    }
  });

  it('reads the hour the autumn change repeats as its first occurrence (a datetime-local value has no offset)', () => {
    useZone('Europe/Berlin');
    // 02:30 happens at 00:30 UTC (CEST) and again at 01:30 UTC (CET).
    expect(toLocalDateTimeInput(Date.UTC(2026, 9, 25, 0, 30))).toBe('2026-10-25T02:30');
    expect(toLocalDateTimeInput(Date.UTC(2026, 9, 25, 1, 30))).toBe('2026-10-25T02:30');
    expect(parseLocalDateTime('2026-10-25T02:30')).toBe(Date.UTC(2026, 9, 25, 0, 30));
  });
});

describe('time zone labels elsewhere', () => {
  it('writes negative and half-hour offsets (America/St_Johns) and a plain UTC', () => {
    useZone('America/St_Johns');
    expect(utcOffsetLabel(Date.UTC(2026, 0, 15))).toBe('UTC-03:30');
    expect(utcOffsetLabel(Date.UTC(2026, 6, 15))).toBe('UTC-02:30');
    useZone('UTC');
    expect(timeZoneLabel(Date.UTC(2026, 6, 15))).toBe('UTC+00:00');
  });
});
