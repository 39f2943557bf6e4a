import { describe, expect, it } from 'vitest';
import { MetricQuerySchema } from '../../../shared/contract';
import {
  backToLive,
  canPanForward,
  customWindow,
  followsLive,
  MIN_CUSTOM_SPAN_MS,
  panWindow,
  parseCustomRange,
  parseLocalDateTime,
  toLocalDateTimeInput,
  windowDefinition,
  windowFor,
  windowRangeId,
  zoomWindow,
} from '../../../renderer/src/ranges';

const NOW = Date.UTC(2026, 11, 2, 12, 0, 0);
const MIN = 60_000;
const HOUR = 3_600_000;

describe('custom windows', () => {
  it('a preset follows live ticks, a custom window does not and names its preset', () => {
    expect(followsLive(windowFor('1h', NOW))).toBe(true);
    const custom = customWindow(NOW - HOUR, NOW - 30 * MIN, '1h');
    expect(followsLive(custom)).toBe(false);
    expect(windowRangeId(custom)).toBe('custom');
    expect(windowRangeId(windowFor('6h', NOW))).toBe('6h');
  });

  it('derives point width and ticks from the span, within what the contract accepts', () => {
    for (const spanMs of [MIN_CUSTOM_SPAN_MS, 17 * MIN, 5 * HOUR, 3 * 86_400_000, 40 * 86_400_000, 92 * 86_400_000]) {
      const def = windowDefinition(customWindow(NOW - spanMs, NOW, '5m'));
      expect(def.spanMs).toBe(spanMs);
      expect(def.maxPoints * def.pointMs).toBeGreaterThanOrEqual(spanMs);
      expect(def.maxPoints).toBeLessThanOrEqual(720);
      const query = { nodeId: 'n', metric: 'cpu.util_pct', fromMs: NOW - spanMs, toMs: NOW, maxPoints: def.maxPoints };
      expect(MetricQuerySchema.safeParse(query).success).toBe(true);
    }
    expect(windowDefinition(customWindow(NOW - 17 * MIN, NOW, '5m')).ticks).toEqual({ unit: 'clock', stepMs: 5 * MIN });
    expect(windowDefinition(customWindow(NOW - 40 * 86_400_000, NOW, '5m')).ticks.unit).toBe('day');
    // A preset's definition is the preset's own.
    expect(windowDefinition(windowFor('24h', NOW)).pointMs).toBe(120_000);
  });
});

describe('drag to zoom', () => {
  const hour = windowFor('1h', NOW);

  it('zooms to the dragged span in either direction, as a custom window', () => {
    const zoomed = zoomWindow(hour, NOW - 10 * MIN, NOW - 40 * MIN);
    expect(zoomed).toEqual({ range: '1h', fromMs: NOW - 40 * MIN, toMs: NOW - 10 * MIN, custom: true });
  });

  it('stays inside the window and widens a tiny drag to the shortest span', () => {
    expect(zoomWindow(hour, NOW - 2 * HOUR, NOW + HOUR)).toMatchObject({ fromMs: hour.fromMs, toMs: hour.toMs });
    const tiny = zoomWindow(hour, NOW - 30 * MIN, NOW - 30 * MIN + 1000);
    expect(tiny.toMs - tiny.fromMs).toBe(MIN_CUSTOM_SPAN_MS);
    expect(tiny.fromMs).toBeLessThan(NOW - 30 * MIN);
    const atEnd = zoomWindow(hour, NOW - 1000, NOW);
    expect(atEnd).toMatchObject({ fromMs: NOW - MIN_CUSTOM_SPAN_MS, toMs: NOW });
  });
});

describe('pan', () => {
  it('moves half a window back, and forward until now, where a preset span is live again', () => {
    const back = panWindow(windowFor('1h', NOW), -1, NOW);
    expect(back).toEqual({ range: '1h', fromMs: NOW - 90 * MIN, toMs: NOW - 30 * MIN, custom: true });
    expect(canPanForward(back, NOW)).toBe(true);
    // Time went on: half a window later still ends in the past.
    expect(panWindow(back, 1, NOW + 5 * MIN)).toEqual({ range: '1h', fromMs: NOW - 60 * MIN, toMs: NOW, custom: true });
    const forward = panWindow(back, 1, NOW);
    expect(forward).toEqual(windowFor('1h', NOW));
    expect(canPanForward(forward, NOW)).toBe(false);
  });

  it('a zoomed window pans by half its own span and stops at now', () => {
    const zoomed = customWindow(NOW - 40 * MIN, NOW - 20 * MIN, '6h');
    expect(panWindow(zoomed, -1, NOW)).toMatchObject({ fromMs: NOW - 50 * MIN, toMs: NOW - 30 * MIN, custom: true });
    expect(panWindow(zoomed, 1, NOW)).toMatchObject({ fromMs: NOW - 30 * MIN, toMs: NOW - 10 * MIN });
    expect(panWindow(customWindow(NOW - 20 * MIN, NOW - 5 * MIN, '6h'), 1, NOW)).toMatchObject({ fromMs: NOW - 15 * MIN, toMs: NOW, custom: true });
  });

  it('back to live returns to the preset the window came from', () => {
    expect(backToLive(customWindow(NOW - 40 * MIN, NOW - 20 * MIN, '6h'), NOW)).toEqual(windowFor('6h', NOW));
  });
});

describe('custom range picker', () => {
  const local = (ms: number) => toLocalDateTimeInput(ms);

  it('reads datetime-local values as local time and refuses impossible dates', () => {
    const at = new Date(2026, 2, 14, 9, 30).getTime();
    expect(parseLocalDateTime('2026-03-14T09:30')).toBe(at);
    expect(parseLocalDateTime('2026-03-14T09:30:15')).toBe(at + 15_000);
    expect(local(at)).toBe('2026-03-14T09:30');
    expect(parseLocalDateTime('2026-02-31T09:30')).toBeNull();
    expect(parseLocalDateTime('yesterday')).toBeNull();
    expect(parseLocalDateTime('')).toBeNull();
  });

  it('accepts a past span and clips an end in the future to now', () => {
    const ok = parseCustomRange(local(NOW - 3 * HOUR), local(NOW - HOUR), NOW, '1h');
    expect(ok).toEqual({ ok: true, window: customWindow(parseLocalDateTime(local(NOW - 3 * HOUR))!, parseLocalDateTime(local(NOW - HOUR))!, '1h') });
    const clipped = parseCustomRange(local(NOW - HOUR), local(NOW + HOUR), NOW, '1h');
    expect(clipped.ok && clipped.window.toMs).toBe(NOW);
  });

  it('names the field that is wrong', () => {
    expect(parseCustomRange('', local(NOW - HOUR), NOW, '1h')).toMatchObject({ ok: false, field: 'from' });
    expect(parseCustomRange(local(NOW - HOUR), 'x', NOW, '1h')).toMatchObject({ ok: false, field: 'to' });
    expect(parseCustomRange(local(NOW - HOUR), local(NOW - 2 * HOUR), NOW, '1h')).toMatchObject({ ok: false, field: 'to', message: /after the start/ });
    expect(parseCustomRange(local(NOW - HOUR), local(NOW - HOUR + MIN), NOW, '1h')).toMatchObject({ ok: false, field: 'to', message: /2 minutes/ });
    expect(parseCustomRange(local(NOW + HOUR), local(NOW + 2 * HOUR), NOW, '1h')).toMatchObject({ ok: false, field: 'from', message: /past/ });
    expect(parseCustomRange(local(NOW - 100 * 86_400_000), local(NOW - HOUR), NOW, '1h')).toMatchObject({ ok: false, field: 'from', message: /92 days/ });
  });
});
