/** A new alert's record, from the rule instance a tick found, and its message as the rule words it. */
import type { StoredAlert } from './alert-store';
import { isEventRule, type AlertInstance } from './evaluator';
import { recordChange } from './flapping';
import { initialState, type LifecycleTiming } from './lifecycle';
import { renderMessage } from './template';
import type { AlertRule } from './types';

export function timingOf(rule: AlertRule): LifecycleTiming {
  return { forMs: rule.forMs, keepFiringForMs: rule.keepFiringForMs, event: isEventRule(rule) };
}

export function alertMessage(instance: AlertInstance): string {
  return renderMessage(instance.rule.message, {
    node: instance.nodeId,
    gpu: instance.gpu,
    subject: instance.subject,
    value: instance.value,
    text: instance.text,
    labels: instance.labels,
  });
}

/**
 * An alert not yet written (id 0): pending, or firing at once for a rule without a `for`.
 * `flapHistory` is its fingerprint's from the last alert that resolved (a flapping failure comes
 * back as a new row); its flags are the engine's to set, with their transitions.
 */
export function newStoredAlert(instance: AlertInstance, now: number, flapHistory: readonly number[]): StoredAlert {
  const state = initialState(timingOf(instance.rule));
  return {
    id: 0,
    fingerprint: instance.fingerprint,
    ruleId: instance.rule.id,
    nodeId: instance.nodeId,
    subject: instance.subject,
    gpu: instance.gpu,
    severity: instance.severity,
    state,
    title: instance.rule.name,
    message: alertMessage(instance),
    labels: instance.labels,
    value: instance.value,
    pendingSinceMs: now,
    firedAtMs: state === 'firing' ? now : null,
    resolvedAtMs: null,
    lastActiveAtMs: instance.atMs,
    notifiedAtMs: null,
    notifiedSeverity: null,
    ack: null,
    snoozedUntilMs: null,
    silencedBy: null,
    suppressedBy: null,
    flapping: false,
    flapHistory: state === 'firing' ? recordChange(flapHistory, now) : [...flapHistory],
  };
}
