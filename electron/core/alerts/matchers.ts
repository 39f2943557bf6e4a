/**
 * Label matching for rule selectors, silences and inhibition. Every matcher matches the whole
 * value (a regular expression is anchored), and a label an alert lacks reads as ''.
 */
import type { Alert, SilenceMatcher } from '../../../shared/model/alerts';
import { compileMatcher } from './rule-schema';
import type { LabelMatcher } from './types';

/** The labels an alert is matched on: its own and its rule's labels, plus rule, node, gpu, severity and subject. */
export type MatchLabels = Readonly<Record<string, string>>;

export function alertMatchLabels(alert: Pick<Alert, 'labels' | 'ruleId' | 'nodeId' | 'gpu' | 'severity' | 'subject'>): MatchLabels {
  return {
    ...alert.labels,
    rule: alert.ruleId,
    alertname: alert.ruleId,
    node: alert.nodeId,
    gpu: alert.gpu ?? '',
    severity: alert.severity,
    subject: alert.subject,
  };
}

const anchored = new WeakMap<RegExp, RegExp>();

/** The regex as one that must match the whole value (cached: rules are matched every tick). */
function wholeValue(regex: RegExp): RegExp {
  let whole = anchored.get(regex);
  if (!whole) {
    whole = new RegExp(`^(?:${regex.source})$`, regex.flags.replace(/[gy]/g, ''));
    anchored.set(regex, whole);
  }
  return whole;
}

export function matchesLabel(matcher: LabelMatcher, value: string | undefined): boolean {
  const actual = value ?? '';
  return matcher.regex ? wholeValue(matcher.regex).test(actual) : matcher.value === actual;
}

/** Every selector matches (an empty set matches everything). */
export function matchesAll(selectors: Readonly<Record<string, LabelMatcher>>, labels: MatchLabels): boolean {
  for (const name in selectors) {
    if (!matchesLabel(selectors[name]!, labels[name])) return false;
  }
  return true;
}

/**
 * A silence's matchers compiled once, through the rules' regex guard (length, exponential shapes,
 * anchored): anyone who may create a silence could otherwise stall the engine. Throws a
 * SyntaxError with the reason on a bad, unsafe or too long regular expression.
 */
export function compileSilenceMatchers(matchers: readonly SilenceMatcher[]): Record<string, LabelMatcher>[] {
  return matchers.map((m) => {
    if (!m.regex) return { [m.label]: { value: m.value, regex: null } };
    const compiled = compileMatcher(`~${m.value}`);
    if (typeof compiled === 'string') throw new SyntaxError(compiled);
    return { [m.label]: { value: m.value, regex: compiled.regex } };
  });
}

/** All of a silence's compiled matchers hold (they may name one label twice, so each is checked alone). */
export function silenceMatches(compiled: readonly Record<string, LabelMatcher>[], labels: MatchLabels): boolean {
  return compiled.every((selector) => matchesAll(selector, labels));
}
