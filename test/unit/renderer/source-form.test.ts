import { describe, expect, it } from 'vitest';
import type { AppInfo } from '../../../shared/contract';
import type { SourceInfo } from '../../../shared/model/sources';
import { emptySourceForm, fieldOfMessage, formFromSource, formToRequest, keptSecretStands, secretsKeptBy } from '../../../renderer/src/settings/sourceForm';

const saved: SourceInfo = {
  config: { id: 'prom', kind: 'prometheus', url: 'https://prom.example.org/', nodeLabel: 'instance', timeoutMs: 10_000, secret: 'keychain', tenant: 'team-a' },
  secret: { kind: 'bearer', keptIn: 'keychain' },
  health: { state: 'ok', message: null, errorKind: null, lastOkAt: 1, nodeCount: 3, answerMs: 120, late: false },
};

describe('the source form', () => {
  it('turns a bearer source with a typed token into a keychain request; the config never holds the token', () => {
    const form = { ...emptySourceForm(true), id: 'prom', url: 'https://prom.example.org', auth: 'bearer' as const, token: 's3cret', tenant: 'team-a|team-b' };
    const result = formToRequest(form, null);
    expect(result).toEqual({
      ok: true,
      value: {
        source: {
          id: 'prom',
          kind: 'prometheus',
          url: 'https://prom.example.org',
          nodeLabel: 'instance',
          timeoutMs: 10_000,
          tenant: 'team-a|team-b',
          secret: 'keychain',
        },
        token: 's3cret',
      },
    });
  });

  it('attaches each problem to its field: missing token, bad URL, tenant with a space, a timeout that is not a number', () => {
    const form = { ...emptySourceForm(true), id: 'prom', url: 'ftp://x', auth: 'bearer' as const, tenant: 'a b', timeoutS: 'soon' };
    const result = formToRequest(form, null);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(Object.keys(result.errors).sort()).toEqual(['tenant', 'timeoutS', 'token', 'url']);
  });

  it('editing: the token field starts empty and, left empty, keeps the token already kept', () => {
    const form = formFromSource(saved, true);
    expect(form).toMatchObject({ id: 'prom', auth: 'bearer', secretIn: 'keychain', token: '', tenant: 'team-a', timeoutS: '10' });
    const result = formToRequest(form, saved);
    expect(result.ok && result.value).toEqual({ source: saved.config });
  });

  it('editing: a URL moved to another origin needs the token typed again (it is bound to its origin); another path on the same origin does not', () => {
    const samePlace = { ...formFromSource(saved, true), url: 'https://prom.example.org:443/prefix/' };
    expect(keptSecretStands(saved, samePlace)).toBe(true);
    expect(formToRequest(samePlace, saved).ok).toBe(true);
    for (const url of ['https://evil.example.net/', 'http://prom.example.org/', 'https://prom.example.org:8443/']) {
      const moved = { ...formFromSource(saved, true), url };
      expect(keptSecretStands(saved, moved)).toBe(false);
      const result = formToRequest(moved, saved);
      expect(result).toEqual({ ok: false, errors: { token: expect.stringMatching(/enter the token again/) } });
      expect(formToRequest({ ...moved, token: 'typed-again' }, saved)).toMatchObject({ ok: true, value: { token: 'typed-again' } });
    }
  });

  it('offers the OS keychain only where the engine keeps secrets (an engine without secretsKept: the desktop does)', () => {
    const info: AppInfo = { version: '1', mode: 'desktop', intervalMs: 5000, dbPath: '/d', configPath: '/c', configError: null };
    expect(secretsKeptBy(null)).toBe(false);
    expect(secretsKeptBy({ ...info, secretsKept: false })).toBe(false);
    expect(secretsKeptBy({ ...info, mode: 'serve', secretsKept: false })).toBe(false);
    expect(secretsKeptBy({ ...info, secretsKept: true })).toBe(true);
    expect(secretsKeptBy(info)).toBe(true);
    expect(secretsKeptBy({ ...info, mode: 'serve' })).toBe(false);
    expect(emptySourceForm(secretsKeptBy({ ...info, secretsKept: false })).secretIn).toBe('file');
  });

  it('serve: secrets are files; a basic source needs its password file', () => {
    const form = { ...emptySourceForm(false), id: 'p', url: 'http://127.0.0.1:9090', auth: 'basic' as const, username: 'ops' };
    expect(formToRequest(form, null)).toMatchObject({ ok: false, errors: { passwordFile: expect.any(String) } });
    expect(formToRequest({ ...form, passwordFile: 'prom.pw' }, null)).toMatchObject({
      ok: true,
      value: { source: { basic: { username: 'ops', passwordFile: 'prom.pw' } } },
    });
  });

  it("finds the field of an engine refusal, the contract's or the handler's", () => {
    expect(fieldOfMessage('tenant: a tenant id', { auth: 'none' })).toBe('tenant');
    expect(fieldOfMessage('sources:save: source.url: Invalid URL', { auth: 'none' })).toBe('url');
    expect(fieldOfMessage('password: none is kept for source p yet: enter it', { auth: 'basic' })).toBe('password');
    expect(fieldOfMessage('no OS keychain here', { auth: 'bearer' })).toBe('form');
  });
});
