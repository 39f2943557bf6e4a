import { describe, expect, it } from 'vitest';
import { compileMatcher, formatDuration, parseDuration, unsafeRegexReason } from '../../../electron/core/alerts/rule-schema';

describe('durations', () => {
  it('reads Prometheus-style durations and writes them back', () => {
    expect(['30s', '2m', '1h', '1h30m', '0s', '0', '250ms', '1d'].map(parseDuration)).toEqual([30_000, 120_000, 3600_000, 5400_000, 0, 0, 250, 86_400_000]);
    expect(['30', '2 m', '1.5h', '-1s', '', 'h', '1y'].map(parseDuration)).toEqual([null, null, null, null, null, null, null]);
    expect([90_000, 3600_000, 0, 5400_000, 1500].map(formatDuration)).toEqual(['1m30s', '1h', '0s', '1h30m', '1s500ms']);
  });
});

describe('selectors', () => {
  it('compiles "~regex" anchored and keeps plain strings as equality', () => {
    expect(compileMatcher('/data')).toEqual({ value: '/data', regex: null });
    const m = compileMatcher('~/(data|scratch)(/.*)?');
    if (typeof m === 'string') throw new Error(m);
    expect(['/data', '/scratch/x', '/home/data'].map((v) => m.regex!.test(v))).toEqual([true, true, false]);
    expect(compileMatcher('~')).toBe('an empty regex after "~"');
    expect(compileMatcher(`~${'a'.repeat(300)}`)).toBe('regex longer than 256 characters');
  });

  it('refuses regexes that can backtrack for ever, and allows ordinary ones', () => {
    for (const bad of ['(a+)+', '(a*)*b', '(x|y+){2,}', '((ab)+)*', '(a)\\1']) expect(unsafeRegexReason(bad), bad).not.toBeNull();
    for (const ok of ['gpu-\\d+', '(hw|sw)_thermal_slowdown', '[(a+)]+', '\\(a+\\)+', '4[38]|79', '(ab)+', '(/.*)?'])
      expect(unsafeRegexReason(ok), ok).toBeNull();
  });

  it('refuses a repeated group with alternatives (they may overlap: (a|a)+ backtracks for ever)', () => {
    for (const bad of ['(a|a)+', '(a|aa)+', '(\\s|\\s)+x', '(\\w|\\d)+', '^(?:(a|a)+)$', '((a|b))*', '(?:x|y){2,}'])
      expect(unsafeRegexReason(bad), bad).toMatch(/alternatives/);
    for (const ok of ['(foo|bar)', '^(ssh|sshd)$', '(a|b)?', 'a|b+', '[a|b]+']) expect(unsafeRegexReason(ok), ok).toBeNull();
    expect(compileMatcher('~(a|a)+')).toMatch(/refused/);
  });
});
