import { describe, expect, it } from 'vitest';
import { ConfigSchema, DEFAULT_CONFIG, SettingsPatchSchema } from '../../../shared/config';
import { countChanges, formFromConfig, formToPatch, type SettingsForm } from '../../../renderer/src/settings/settingsForm';

const CONFIGURED = ConfigSchema.parse({
  collection: { intervalMs: 2500 },
  storage: { maxDiskMb: 2048 },
  notifications: { webhook: { url: 'https://hooks.example.org/cd', retries: 5 }, quietHours: { start: '22:00', end: '07:00' } },
});

function edit(form: SettingsForm, changes: Partial<SettingsForm>): SettingsForm {
  return { ...form, ...changes };
}

describe('settings form from the config', () => {
  it('shows durations in seconds, sizes in MB, and absent settings switched off', () => {
    const form = formFromConfig(DEFAULT_CONFIG);
    expect(form).toMatchObject({
      intervalS: '5',
      nvidiaSmiTimeoutS: '10',
      rawRetentionDays: '7',
      minuteRetentionDays: '90',
      hourRetentionDays: '730',
      diskCapOn: false,
      kernelLogIntervalS: '10',
      desktop: true,
      minSeverity: 'warning',
      webhookOn: false,
      quietOn: false,
      burstCount: '5',
      burstWindowS: '60',
      perRulePerHour: '20',
    });
    expect(formToPatch(form, DEFAULT_CONFIG)).toEqual({ ok: true, value: {} });
  });

  it('reads set values back, fractional seconds included', () => {
    const form = formFromConfig(CONFIGURED);
    expect(form).toMatchObject({
      intervalS: '2.5',
      diskCapOn: true,
      maxDiskMb: '2048',
      webhookOn: true,
      webhookUrl: 'https://hooks.example.org/cd',
      webhookTimeoutS: '5',
      webhookRetries: '5',
      quietOn: true,
      quietStart: '22:00',
      quietEnd: '07:00',
    });
  });
});

describe('settings form to a patch', () => {
  it('sends only the fields that changed, in the config units', () => {
    const form = edit(formFromConfig(DEFAULT_CONFIG), { intervalS: '2', minSeverity: 'critical', hourRetentionDays: '365' });
    const result = formToPatch(form, DEFAULT_CONFIG);
    expect(result).toEqual({
      ok: true,
      value: { collection: { intervalMs: 2000 }, storage: { hourRetentionDays: 365 }, notifications: { minSeverity: 'critical' } },
    });
    expect(result.ok && countChanges(result.value)).toBe(3);
    expect(result.ok && SettingsPatchSchema.safeParse(result.value).success).toBe(true);
  });

  it('clears a setting switched off with null, and sends a whole new one switched on', () => {
    const off = edit(formFromConfig(CONFIGURED), { diskCapOn: false, quietOn: false, webhookOn: false });
    expect(formToPatch(off, CONFIGURED)).toEqual({
      ok: true,
      value: { storage: { maxDiskMb: null }, notifications: { webhook: null, quietHours: null } },
    });
    const on = edit(formFromConfig(DEFAULT_CONFIG), {
      webhookOn: true,
      webhookUrl: ' http://127.0.0.1:9/hook ',
      quietOn: true,
      quietStart: '23:30',
      quietEnd: '06:00',
    });
    expect(formToPatch(on, DEFAULT_CONFIG)).toEqual({
      ok: true,
      value: { notifications: { webhook: { url: 'http://127.0.0.1:9/hook', timeoutMs: 5000, retries: 3 }, quietHours: { start: '23:30', end: '06:00' } } },
    });
  });

  it("changes one field of the webhook with its URL, which the patch requires, and keeps the file's other fields", () => {
    const form = edit(formFromConfig(CONFIGURED), { webhookTimeoutS: '0.5' });
    expect(formToPatch(form, CONFIGURED)).toEqual({ ok: true, value: { notifications: { webhook: { url: 'https://hooks.example.org/cd', timeoutMs: 500 } } } });
  });

  it('says what is wrong per field, in the units the form shows, with the shared schema', () => {
    const form = edit(formFromConfig(DEFAULT_CONFIG), {
      intervalS: '0.5',
      nvidiaSmiTimeoutS: 'soon',
      rawRetentionDays: '',
      burstCount: '2.5',
      diskCapOn: true,
      maxDiskMb: '8',
      webhookOn: true,
      webhookUrl: 'ftp://example.org',
      quietOn: true,
      quietStart: '24:00',
    });
    const result = formToPatch(form, DEFAULT_CONFIG);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual({
      intervalS: 'at least 1 s',
      nvidiaSmiTimeoutS: 'a number',
      rawRetentionDays: 'required',
      burstCount: 'a whole number',
      maxDiskMb: 'at least 16 MB',
      webhookUrl: 'an http:// or https:// URL',
      quietStart: 'a time as HH:MM, 00:00 to 23:59',
    });
  });

  it('refuses values over the maximum, and leaves a switched-off section unchecked', () => {
    const form = edit(formFromConfig(DEFAULT_CONFIG), { intervalS: '7200', webhookUrl: 'not a url', quietStart: 'nope' });
    expect(formToPatch(form, DEFAULT_CONFIG)).toEqual({ ok: false, errors: { intervalS: 'at most 3600 s' } });
  });
});
