// The desktop app reads only ssh configs chosen in the OS picker; serve has no picker.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../shared/config';
import { dispatchCall } from '../../../shared/dispatch';
import { createEngine, type Engine } from '../../../electron/core/engine';
import { silentLogger } from '../../../electron/core/log';
import { withSshConfigPicker } from '../../../electron/main/ssh-config-picker';
import { tempDir } from '../../helpers/tmp';

let engine: Engine | null = null;
afterEach(() => {
  engine?.close();
  engine = null;
});

function setup(pick: () => Promise<string | null>) {
  engine = createEngine({ config: DEFAULT_CONFIG, dbPath: ':memory:', configPath: '/c/config.yaml', mode: 'desktop', collectors: [], log: silentLogger });
  return withSshConfigPicker(engine.handlers, pick);
}

let config = '';
beforeEach(() => {
  config = join(tempDir(), 'config');
  writeFileSync(config, 'Host gpu-01\n  HostName gpu-01.example\n  User admin\n');
});

describe('ssh config files in the desktop app', () => {
  it('refuses a typed path: only what the picker returned is read', async () => {
    const handlers = setup(async () => config);
    const typed = await dispatchCall(handlers, 'sshConfig:read', { path: '/etc/shadow' });
    expect(typed).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringMatching(/chosen with "Choose file…"/) } });
    const unpicked = await dispatchCall(handlers, 'sshConfig:read', { path: config });
    expect(unpicked.ok).toBe(false);

    expect(await dispatchCall(handlers, 'sshConfig:pick', {})).toEqual({ ok: true, value: { path: config } });
    const read = await dispatchCall(handlers, 'sshConfig:read', { path: config });
    expect(read).toMatchObject({ ok: true, value: { path: config, candidates: [expect.objectContaining({ alias: 'gpu-01', host: 'gpu-01.example' })] } });
    const imported = await dispatchCall(handlers, 'sshConfig:import', { path: config, aliases: ['gpu-01'] });
    expect(imported).toMatchObject({ ok: true, value: { added: ['gpu-01'] } });
    await expect(dispatchCall(handlers, 'sshConfig:import', { path: '/etc/passwd', aliases: ['root'] })).resolves.toMatchObject({ ok: false });
  });

  it('answers a cancelled picker with no path, and trusts nothing new', async () => {
    const handlers = setup(async () => null);
    expect(await dispatchCall(handlers, 'sshConfig:pick', {})).toEqual({ ok: true, value: { path: null } });
    expect((await dispatchCall(handlers, 'sshConfig:read', { path: config })).ok).toBe(false);
  });

  it('is unavailable without the desktop shell (serve types paths, as its token already grants)', async () => {
    engine = createEngine({ config: DEFAULT_CONFIG, dbPath: ':memory:', configPath: '/c/config.yaml', mode: 'serve', collectors: [], log: silentLogger });
    expect(await dispatchCall(engine.handlers, 'sshConfig:pick', {})).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    const read = await dispatchCall(engine.handlers, 'sshConfig:read', { path: config });
    expect(read, JSON.stringify(read)).toMatchObject({ ok: true });
  });
});
