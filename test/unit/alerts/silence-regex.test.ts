// A silence's regex runs against every alert on every tick, and an auditor may create one:
// it passes the same guard as a rule's (length, exponential shapes), anchored to the whole value.
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../../electron/core/store/db';
import { AlertStore } from '../../../electron/core/alerts/alert-store';
import { compileSilenceMatchers } from '../../../electron/core/alerts/matchers';
import { harness, hot, metricRule, MIN, ruleSet, T0 } from './engine-harness';

describe('silence regexes', () => {
  it('refuses exponential shapes and over-long regexes as a SyntaxError (the handler makes it bad-request)', () => {
    for (const value of ['(a+)+b', '(a|a)+', 'x'.repeat(300)])
      expect(() => compileSilenceMatchers([{ label: 'node', value, regex: true }]), value).toThrow(SyntaxError);
    expect(compileSilenceMatchers([{ label: 'node', value: 'gpu-0[1-4]', regex: true }])[0]!.node!.regex!.test('gpu-03')).toBe(true);
  });

  it('the engine refuses to create one and stores nothing', () => {
    const h = harness(ruleSet([metricRule()]));
    expect(() => h.engine.silence([{ label: 'node', value: '(a+)+b', regex: true }], MIN, '', 'auditor')).toThrow(/refused/);
    expect(h.engine.silences()).toEqual([]);
  });

  it('a bad one already stored is skipped, not run against alerts', () => {
    const h = harness(ruleSet([metricRule()]));
    const cli = openDatabase(h.dbPath);
    new AlertStore(cli).createSilence([{ label: 'node', value: '(a+)+b', regex: true }], T0, T0 + 60 * MIN, 'written by hand', 'someone');
    cli.close();
    const after = h.restart();
    after.run(T0 + MIN, { snapshots: [hot('aab', T0 + MIN, 95)] });
    expect(after.engine.list({ limit: 10 }).alerts).toEqual([expect.objectContaining({ nodeId: 'aab', view: 'firing', silencedBy: null })]);
  });
});
