import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, type Config } from '../../../shared/config';
import type { AlertSeverity } from '../../../shared/model/alerts';
import type { Notification } from '../../../electron/core/alerts/types';
import { NoiseControl, inQuietWindow } from '../../../electron/core/alerts/noise';

const settings = (overrides: Partial<Config['notifications']> = {}): Config['notifications'] => ({ ...DEFAULT_CONFIG.notifications, ...overrides });

const T0 = Date.UTC(2026, 2, 10, 12, 0, 0);
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

let nextId = 1;
function alert(overrides: Partial<Notification> & { severity?: AlertSeverity } = {}): Notification {
  const id = nextId++;
  return {
    kind: 'alert',
    severity: 'warning',
    title: `Alert ${id}: gpu-${id}`,
    body: `decoded text ${id}`,
    nodeId: `gpu-${id}`,
    alertId: id,
    alertIds: [id],
    ruleId: `rule-${id}`,
    atMs: T0,
    ...overrides,
  };
}

/** Offers each at its time and releases after each; returns everything released, in order. */
function run(noise: NoiseControl, offers: Array<[number, Notification]>, releaseAt: number[] = []): Notification[] {
  const out: Notification[] = [];
  const events = [...offers.map(([at, n]) => ({ at, n })), ...releaseAt.map((at) => ({ at, n: null }))].sort((a, b) => a.at - b.at);
  for (const { at, n } of events) {
    if (n) noise.offer(n, at);
    out.push(...noise.release(at));
  }
  return out;
}

describe('NoiseControl: bursts', () => {
  it('sends 4 of a burst of 7 at once and the other 3 as one summary at the end of the window', () => {
    const noise = new NoiseControl(settings({ burstCount: 5, burstWindowMs: MINUTE }), { timeZone: 'UTC' });
    const burst = Array.from({ length: 7 }, (_, i) => alert({ severity: i === 6 ? 'critical' : 'warning' }));
    const early = run(
      noise,
      burst.map((n, i) => [T0 + i * 5 * SECOND, n]),
      [T0 + 59 * SECOND],
    );
    expect(early.map((n) => n.alertId)).toEqual(burst.slice(0, 4).map((n) => n.alertId));
    expect(early.every((n) => n.kind === 'alert')).toBe(true);
    expect(noise.pending().burst).toBe(3);

    const [summary, ...rest] = noise.release(T0 + MINUTE);
    expect(rest).toEqual([]);
    expect(summary!.kind).toBe('summary');
    expect(summary!.severity).toBe('critical');
    expect(summary!.alertIds).toEqual(burst.slice(4).map((n) => n.alertId));
    expect(summary!.alertId).toBe(burst[4]!.alertId);
    expect(summary!.title).toBe('Burst: 3 more notifications in 1 minute');
    expect(summary!.body.split('\n')).toEqual([`[warning] ${burst[4]!.title}`, `[warning] ${burst[5]!.title}`, `[critical] ${burst[6]!.title}`]);
    expect(summary!.atMs).toBe(T0 + MINUTE);
  });

  it('lets fewer than burstCount through one by one', () => {
    const noise = new NoiseControl(settings({ burstCount: 5 }), { timeZone: 'UTC' });
    const four = Array.from({ length: 4 }, () => alert());
    const out = run(
      noise,
      four.map((n, i) => [T0 + i * SECOND, n]),
      [T0 + 2 * MINUTE],
    );
    expect(out.map((n) => n.alertId)).toEqual(four.map((n) => n.alertId));
  });

  it('bounds a summary body and keeps every alert id', () => {
    const noise = new NoiseControl(settings({ burstCount: 2, perRulePerHour: 10_000 }), { timeZone: 'UTC' });
    const storm = Array.from({ length: 101 }, () => alert());
    const out = run(
      noise,
      storm.map((n) => [T0, n]),
      [T0 + MINUTE],
    );
    expect(out).toHaveLength(2);
    const summary = out[1]!;
    expect(summary.alertIds).toHaveLength(100);
    const lines = summary.body.split('\n');
    expect(lines).toHaveLength(21);
    expect(lines[20]).toBe('… and 80 more');
  });

  it('makes a storm that goes on one summary per window, and ends it after a calm window', () => {
    const noise = new NoiseControl(settings({ burstCount: 3, burstWindowMs: MINUTE, perRulePerHour: 10_000 }), { timeZone: 'UTC' });
    const out: Notification[] = [];
    // 3 minutes of one alert every 10 s.
    for (let t = 0; t < 3 * MINUTE; t += 10 * SECOND) {
      noise.offer(alert(), T0 + t);
      out.push(...noise.release(T0 + t));
    }
    out.push(...noise.release(T0 + 3 * MINUTE));
    // The first window: 2 at once + a summary of 4; then a summary per window.
    expect(out.map((n) => n.kind)).toEqual(['alert', 'alert', 'summary', 'summary', 'summary']);
    expect(out.slice(2).map((n) => n.alertIds.length)).toEqual([4, 6, 6]);
    // Nothing came in the window after the last summary: the next alert goes straight out.
    expect(noise.release(T0 + 4 * MINUTE)).toEqual([]);
    const calm = alert();
    noise.offer(calm, T0 + 4 * MINUTE + SECOND);
    expect(noise.release(T0 + 4 * MINUTE + SECOND).map((n) => n.alertId)).toEqual([calm.alertId]);
  });

  it('sends a single held notification as itself', () => {
    const noise = new NoiseControl(settings({ burstCount: 2 }), { timeZone: 'UTC' });
    const [a, b] = [alert(), alert()];
    const out = run(
      noise,
      [
        [T0, a],
        [T0 + SECOND, b],
      ],
      [T0 + MINUTE],
    );
    expect(out.map((n) => [n.kind, n.alertId])).toEqual([
      ['alert', a.alertId],
      ['alert', b.alertId],
    ]);
    expect(out[1]!.atMs).toBe(T0 + MINUTE);
  });
});

describe('NoiseControl: severity and rate limits', () => {
  it('drops what is below minSeverity, resolutions included', () => {
    const noise = new NoiseControl(settings({ minSeverity: 'warning' }), { timeZone: 'UTC' });
    const info = alert({ severity: 'info' });
    const resolvedInfo = alert({ severity: 'info', kind: 'resolved' });
    const warning = alert({ kind: 'resolved' });
    expect(
      run(noise, [
        [T0, info],
        [T0, resolvedInfo],
        [T0, warning],
      ]).map((n) => n.alertId),
    ).toEqual([warning.alertId]);
    expect(noise.pending()).toEqual({ quiet: 0, burst: 0, rateLimited: 0 });
  });

  it('holds what passes a rule limit and names it in a summary an hour later', () => {
    const noise = new NoiseControl(settings({ perRulePerHour: 3, burstCount: 1000 }), { timeZone: 'UTC' });
    const same = Array.from({ length: 5 }, (_, i) => alert({ ruleId: 'gpu-hot', kind: i === 4 ? 'resolved' : 'alert' }));
    const other = alert({ ruleId: 'disk-full' });
    const out = run(noise, [...same.map((n, i): [number, Notification] => [T0 + i * MINUTE, n]), [T0 + 10 * MINUTE, other]], [T0 + HOUR + 3 * MINUTE]);
    expect(out.slice(0, 4).map((n) => n.alertId)).toEqual([...same.slice(0, 3), other].map((n) => n.alertId));
    expect(noise.pending().rateLimited).toBe(0);
    const summary = out[4]!;
    expect(out).toHaveLength(5);
    expect(summary.kind).toBe('summary');
    expect(summary.ruleId).toBe('gpu-hot');
    expect(summary.title).toBe('Rate limit: 2 more notifications from gpu-hot');
    expect(summary.alertIds).toEqual([same[3]!.alertId, same[4]!.alertId]);
    expect(summary.body).toContain('limit of 3 notifications per hour');
    expect(summary.body).toContain(`[resolved] ${same[4]!.title}`);
  });

  it('lets a rule notify again once its sends are older than an hour', () => {
    const noise = new NoiseControl(settings({ perRulePerHour: 1 }), { timeZone: 'UTC' });
    const [a, b, c] = [alert({ ruleId: 'r' }), alert({ ruleId: 'r' }), alert({ ruleId: 'r' })];
    const out = run(noise, [
      [T0, a],
      [T0 + 30 * MINUTE, b],
      [T0 + HOUR + SECOND, c],
    ]);
    // b was held (its summary is due at T0 + 90 min); c goes out, the first send being an hour old.
    expect(out.map((n) => n.alertId)).toEqual([a.alertId, c.alertId]);
    expect(noise.pending().rateLimited).toBe(1);
  });
});

describe('NoiseControl: quiet hours', () => {
  const at = (hhmm: string, day = 10) => {
    const [h, m] = hhmm.split(':').map(Number);
    return Date.UTC(2026, 2, day, h!, m!);
  };

  it('knows windows within a day and across midnight', () => {
    const minute = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));
    const night = { start: '22:00', end: '07:00' };
    expect(['22:00', '23:59', '00:00', '06:59'].map((t) => inQuietWindow(minute(t), night))).toEqual([true, true, true, true]);
    expect(['07:00', '12:00', '21:59'].map((t) => inQuietWindow(minute(t), night))).toEqual([false, false, false]);
    const lunch = { start: '12:00', end: '13:30' };
    expect(['11:59', '12:00', '13:29', '13:30'].map((t) => inQuietWindow(minute(t), lunch))).toEqual([false, true, true, false]);
    expect(inQuietWindow(minute('12:00'), { start: '12:00', end: '12:00' })).toBe(false);
  });

  it('holds non-critical alerts across midnight, lets critical through, and summarizes at the end', () => {
    const noise = new NoiseControl(settings({ quietHours: { start: '22:00', end: '07:00' } }), { timeZone: 'UTC' });
    const evening = alert({ severity: 'warning' });
    const critical = alert({ severity: 'critical' });
    const night = alert({ severity: 'warning', kind: 'resolved' });
    const out = run(
      noise,
      [
        [at('23:00'), evening],
        [at('23:30'), critical],
        [at('02:00', 11), night],
      ],
      [at('06:59', 11)],
    );
    expect(out.map((n) => n.alertId)).toEqual([critical.alertId]);
    expect(noise.pending().quiet).toBe(2);

    const [summary, ...rest] = noise.release(at('07:00', 11));
    expect(rest).toEqual([]);
    expect(summary!.kind).toBe('summary');
    expect(summary!.title).toBe('Quiet hours: 2 notifications held');
    expect(summary!.alertIds).toEqual([evening.alertId, night.alertId]);
    expect(summary!.body.split('\n')).toEqual([`[warning] ${evening.title}`, `[resolved] ${night.title}`]);
    expect(noise.release(at('07:01', 11))).toEqual([]);
  });

  it('reads quiet hours in the given time zone', () => {
    // 23:00 UTC is 08:00 in Tokyo: not quiet there.
    const noise = new NoiseControl(settings({ quietHours: { start: '22:00', end: '07:00' } }), { timeZone: 'Asia/Tokyo' });
    const n = alert();
    expect(run(noise, [[at('23:00'), n]]).map((x) => x.alertId)).toEqual([n.alertId]);
  });

  it('releases what it held when quiet hours are switched off', () => {
    const noise = new NoiseControl(settings({ quietHours: { start: '00:00', end: '23:59' } }), { timeZone: 'UTC' });
    noise.offer(alert(), at('10:00'));
    expect(noise.release(at('10:00'))).toEqual([]);
    noise.setSettings(settings({ quietHours: null }));
    expect(noise.release(at('10:01')).map((n) => n.kind)).toEqual(['summary']);
  });
});

describe('NoiseControl: across a restart', () => {
  it('counts the history against the rule limit', () => {
    const sent = [alert({ ruleId: 'r', atMs: T0 - 50 * MINUTE }), alert({ ruleId: 'r', atMs: T0 - 40 * MINUTE }), alert({ ruleId: 'r', atMs: T0 - 2 * HOUR })];
    const noise = new NoiseControl(settings({ perRulePerHour: 2 }), { history: sent, timeZone: 'UTC' });
    const held = alert({ ruleId: 'r' });
    const free = alert({ ruleId: 'other' });
    expect(
      run(noise, [
        [T0, held],
        [T0, free],
      ]).map((n) => n.alertId),
    ).toEqual([free.alertId]);
    expect(noise.pending().rateLimited).toBe(1);
    // Without the history, both go out.
    const fresh = new NoiseControl(settings({ perRulePerHour: 2 }), { timeZone: 'UTC' });
    expect(run(fresh, [[T0, alert({ ruleId: 'r' })]])).toHaveLength(1);
  });

  it('keeps a burst window that was open before the restart', () => {
    const sent = Array.from({ length: 4 }, (_, i) => alert({ atMs: T0 - 30 * SECOND + i * SECOND }));
    const noise = new NoiseControl(settings({ burstCount: 5, burstWindowMs: MINUTE }), { history: sent, timeZone: 'UTC' });
    const [a, b] = [alert(), alert()];
    const out = run(
      noise,
      [
        [T0, a],
        [T0 + SECOND, b],
      ],
      [T0 + 29 * SECOND],
    );
    expect(out).toEqual([]);
    expect(noise.release(T0 + 30 * SECOND).map((n) => [n.kind, n.alertIds])).toEqual([['summary', [a.alertId, b.alertId]]]);
  });
});
