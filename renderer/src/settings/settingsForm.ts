/**
 * The Settings form as pure functions: the config in force becomes text fields (durations in
 * seconds, sizes in MB), and the fields become a patch of only what changed, checked with the
 * schema the engine applies (SettingsPatchSchema), or per-field messages in the form's units.
 */
import type { z } from 'zod';
import { SettingsPatchSchema, type Config, type SettingsPatch } from '../../../shared/config';
import type { AlertSeverity } from '../../../shared/model/alerts';

interface NumberFieldSpec {
  /** Where the value lives in the config. */
  path: readonly [string, string] | readonly [string, string, string];
  /** Config units per form unit: 1000 for seconds shown over milliseconds stored. */
  scale: number;
  /** The form's unit, for messages ("at least 1 s"); '' for counts. */
  unit: string;
}

export const NUMBER_FIELDS = {
  intervalS: { path: ['collection', 'intervalMs'], scale: 1000, unit: 's' },
  nvidiaSmiTimeoutS: { path: ['collection', 'nvidiaSmiTimeoutMs'], scale: 1000, unit: 's' },
  rawRetentionDays: { path: ['storage', 'rawRetentionDays'], scale: 1, unit: 'days' },
  minuteRetentionDays: { path: ['storage', 'minuteRetentionDays'], scale: 1, unit: 'days' },
  hourRetentionDays: { path: ['storage', 'hourRetentionDays'], scale: 1, unit: 'days' },
  maxDiskMb: { path: ['storage', 'maxDiskMb'], scale: 1, unit: 'MB' },
  kernelLogIntervalS: { path: ['alerts', 'kernelLogIntervalMs'], scale: 1000, unit: 's' },
  webhookTimeoutS: { path: ['notifications', 'webhook', 'timeoutMs'], scale: 1000, unit: 's' },
  webhookRetries: { path: ['notifications', 'webhook', 'retries'], scale: 1, unit: '' },
  burstCount: { path: ['notifications', 'burstCount'], scale: 1, unit: '' },
  burstWindowS: { path: ['notifications', 'burstWindowMs'], scale: 1000, unit: 's' },
  perRulePerHour: { path: ['notifications', 'perRulePerHour'], scale: 1, unit: '' },
} as const satisfies Record<string, NumberFieldSpec>;

export type NumberField = keyof typeof NUMBER_FIELDS;

export type SettingsForm = Record<NumberField, string> & {
  diskCapOn: boolean;
  desktop: boolean;
  minSeverity: AlertSeverity;
  webhookOn: boolean;
  webhookUrl: string;
  quietOn: boolean;
  quietStart: string;
  quietEnd: string;
};

/** Form field → what is wrong with it; 'form' for what belongs to no field. */
export type FieldErrors = Partial<Record<keyof SettingsForm | 'form', string>>;

export type FormResult<T> = { ok: true; value: T } | { ok: false; errors: FieldErrors };

/** Shown in a switched-off webhook or quiet-hours form, so switching it on starts from sensible values. */
const WEBHOOK_DEFAULTS = { timeoutMs: 5000, retries: 3 };
const QUIET_DEFAULTS = { start: '22:00', end: '07:00' };
const DISK_CAP_SUGGESTION_MB = 10_240;

/** 2500 ms shown in seconds is "2.5", not "2.5000000001". */
function toFormText(value: number, scale: number): string {
  return String(Math.round((value / scale) * 1000) / 1000);
}

export function formFromConfig(config: Config): SettingsForm {
  const n = config.notifications;
  const webhook = n.webhook ?? { url: '', ...WEBHOOK_DEFAULTS };
  const quiet = n.quietHours ?? QUIET_DEFAULTS;
  const read = (field: NumberField, value: number) => toFormText(value, NUMBER_FIELDS[field].scale);
  return {
    intervalS: read('intervalS', config.collection.intervalMs),
    nvidiaSmiTimeoutS: read('nvidiaSmiTimeoutS', config.collection.nvidiaSmiTimeoutMs),
    rawRetentionDays: read('rawRetentionDays', config.storage.rawRetentionDays),
    minuteRetentionDays: read('minuteRetentionDays', config.storage.minuteRetentionDays),
    hourRetentionDays: read('hourRetentionDays', config.storage.hourRetentionDays),
    diskCapOn: config.storage.maxDiskMb !== null,
    maxDiskMb: read('maxDiskMb', config.storage.maxDiskMb ?? DISK_CAP_SUGGESTION_MB),
    kernelLogIntervalS: read('kernelLogIntervalS', config.alerts.kernelLogIntervalMs),
    desktop: n.desktop,
    minSeverity: n.minSeverity,
    webhookOn: n.webhook !== null,
    webhookUrl: webhook.url,
    webhookTimeoutS: read('webhookTimeoutS', webhook.timeoutMs),
    webhookRetries: read('webhookRetries', webhook.retries),
    quietOn: n.quietHours !== null,
    quietStart: quiet.start,
    quietEnd: quiet.end,
    burstCount: read('burstCount', n.burstCount),
    burstWindowS: read('burstWindowS', n.burstWindowMs),
    perRulePerHour: read('perRulePerHour', n.perRulePerHour),
  };
}

/** The form field a schema issue path names. */
function fieldOfPath(path: readonly PropertyKey[]): keyof SettingsForm | 'form' {
  const key = path.map(String).join('.');
  if (key === 'notifications.webhook.url') return 'webhookUrl';
  if (key === 'notifications.quietHours.start') return 'quietStart';
  if (key === 'notifications.quietHours.end') return 'quietEnd';
  const field = (Object.keys(NUMBER_FIELDS) as NumberField[]).find((f) => NUMBER_FIELDS[f].path.join('.') === key);
  return field ?? 'form';
}

type Issue = z.core.$ZodIssue;

/** A schema issue as a short sentence in the form's units. */
function issueMessage(field: keyof SettingsForm | 'form', issue: Issue): string {
  const spec = field in NUMBER_FIELDS ? NUMBER_FIELDS[field as NumberField] : null;
  const inUnits = (limit: number | bigint) => {
    const value = spec ? toFormText(Number(limit), spec.scale) : String(limit);
    return spec?.unit ? `${value} ${spec.unit}` : value;
  };
  if (issue.code === 'too_small') return `at least ${inUnits(issue.minimum as number)}`;
  if (issue.code === 'too_big') return `at most ${inUnits(issue.maximum as number)}`;
  if (issue.code === 'invalid_type' && issue.expected === 'int') return 'a whole number';
  if (field === 'webhookUrl') return 'an http:// or https:// URL';
  if (field === 'quietStart' || field === 'quietEnd') return 'a time as HH:MM, 00:00 to 23:59';
  return issue.message;
}

/** Equality of plain settings values (numbers, strings, booleans, null, flat objects). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
}

/** Text → number in config units, or why not. */
function parseNumber(text: string, field: NumberField): { value: number } | { error: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { error: 'required' };
  const value = Number(trimmed);
  if (!Number.isFinite(value)) return { error: 'a number' };
  const scale = NUMBER_FIELDS[field].scale;
  return { value: scale === 1 ? value : Math.round(value * scale) };
}

type Candidate = {
  collection: { intervalMs: number; nvidiaSmiTimeoutMs: number };
  storage: { rawRetentionDays: number; minuteRetentionDays: number; hourRetentionDays: number; maxDiskMb: number | null };
  alerts: { kernelLogIntervalMs: number };
  notifications: {
    desktop: boolean;
    minSeverity: AlertSeverity;
    webhook: { url: string; timeoutMs: number; retries: number } | null;
    quietHours: { start: string; end: string } | null;
    burstCount: number;
    burstWindowMs: number;
    perRulePerHour: number;
  };
};

/** Every setting the form holds, in config units; fields of a switched-off part are not read. */
function readForm(form: SettingsForm): FormResult<Candidate> {
  const errors: FieldErrors = {};
  const num = (field: NumberField): number => {
    const parsed = parseNumber(form[field], field);
    if ('error' in parsed) {
      errors[field] = parsed.error;
      return 0;
    }
    return parsed.value;
  };
  const candidate: Candidate = {
    collection: { intervalMs: num('intervalS'), nvidiaSmiTimeoutMs: num('nvidiaSmiTimeoutS') },
    storage: {
      rawRetentionDays: num('rawRetentionDays'),
      minuteRetentionDays: num('minuteRetentionDays'),
      hourRetentionDays: num('hourRetentionDays'),
      maxDiskMb: form.diskCapOn ? num('maxDiskMb') : null,
    },
    alerts: { kernelLogIntervalMs: num('kernelLogIntervalS') },
    notifications: {
      desktop: form.desktop,
      minSeverity: form.minSeverity,
      webhook: form.webhookOn ? { url: form.webhookUrl.trim(), timeoutMs: num('webhookTimeoutS'), retries: num('webhookRetries') } : null,
      quietHours: form.quietOn ? { start: form.quietStart.trim(), end: form.quietEnd.trim() } : null,
      burstCount: num('burstCount'),
      burstWindowMs: num('burstWindowS'),
      perRulePerHour: num('perRulePerHour'),
    },
  };
  const parsed = SettingsPatchSchema.safeParse(candidate);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const field = fieldOfPath(issue.path);
      // A field that is not a number at all says so, rather than "at least 1000".
      if (errors[field] === undefined) errors[field] = issueMessage(field, issue);
    }
  }
  return Object.keys(errors).length > 0 ? { ok: false, errors } : { ok: true, value: candidate };
}

/** The webhook part of a patch: the changed fields with the URL the patch requires; all of it when new. */
function webhookPatch(next: Candidate['notifications']['webhook'], current: Config['notifications']['webhook']) {
  if (next === null || current === null) return next;
  const patch: { url: string; timeoutMs?: number; retries?: number } = { url: next.url };
  if (next.timeoutMs !== current.timeoutMs) patch.timeoutMs = next.timeoutMs;
  if (next.retries !== current.retries) patch.retries = next.retries;
  return patch;
}

/**
 * The patch that makes the config what the form says, holding only what changed ({} when
 * nothing did), or what to fix first.
 */
export function formToPatch(form: SettingsForm, config: Config): FormResult<SettingsPatch> {
  const read = readForm(form);
  if (!read.ok) return read;
  const patch: Record<string, Record<string, unknown>> = {};
  for (const [section, values] of Object.entries(read.value) as Array<[keyof Candidate, Record<string, unknown>]>) {
    const current = config[section] as Record<string, unknown>;
    for (const [key, value] of Object.entries(values)) {
      if (sameValue(value, current[key])) continue;
      const entry = section === 'notifications' && key === 'webhook' ? webhookPatch(read.value.notifications.webhook, config.notifications.webhook) : value;
      (patch[section] ??= {})[key] = entry;
    }
  }
  return { ok: true, value: patch as SettingsPatch };
}

/** How many settings a patch changes (a new webhook or quiet hours counts once). */
export function countChanges(patch: SettingsPatch): number {
  return Object.values(patch).reduce((n, section) => n + Object.keys(section ?? {}).length, 0);
}
