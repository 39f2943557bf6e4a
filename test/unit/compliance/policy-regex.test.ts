// A policy regex runs over a node's files: a shape that backtracks for ever must never load.
import { describe, expect, it } from 'vitest';
import { compilePolicyRegex, unsafeRegexReason } from '../../../electron/core/compliance/policy-schema';

describe('policy regexes', () => {
  it('refuses a repeated group with alternatives, and still nested repeats', () => {
    for (const bad of ['(a|a)+', '(a|aa)+', '(\\s|\\s)+x', '(\\w|\\d)+', '((a|b))*', '(?:x|y){2,}'])
      expect(unsafeRegexReason(bad), bad).toMatch(/alternatives/);
    expect(unsafeRegexReason('(a+)+')).toMatch(/exponential/);
    expect(() => compilePolicyRegex('(?m)^(?:(a|a)+)$', true)).toThrow(/refused/);
  });

  it('still accepts alternatives that do not repeat', () => {
    for (const ok of ['(foo|bar)', '^(ssh|sshd)$', '(?m)^\\s*(yes|no)\\s*$', '(a|b)?', '[a|b]+']) expect(unsafeRegexReason(ok), ok).toBeNull();
    expect(compilePolicyRegex('^(ssh|sshd)$', true).test('sshd')).toBe(true);
  });
});
