import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG } from '../../../shared/config';
import { StoreOpenError } from '../../../electron/core/store/db';
import { UsageError, loadConfigOrDefaults, parseDbArg, startupFailureMessage } from '../../../electron/main/startup';
import { tempDir } from '../../helpers/tmp';

describe('parseDbArg', () => {
  it('reads --db PATH and --db=PATH, relative to the working folder', () => {
    expect(parseDbArg(['/opt/app', '--db', '/data/c.db'], '/cwd')).toBe(path.resolve('/data/c.db'));
    expect(parseDbArg(['--db=rel/c.db'], '/cwd')).toBe(path.resolve('/cwd/rel/c.db'));
    expect(parseDbArg(['--db', ':memory:'], '/cwd')).toBe(':memory:');
  });

  it('is null without --db, whatever else is there', () => {
    expect(parseDbArg(['/opt/app', '--no-sandbox', '--dbx', 'y'], '/cwd')).toBeNull();
  });

  it.each([[['--db']], [['--db', '']], [['--db', '--no-sandbox']], [['--db=']]])('refuses %j', (argv) => {
    expect(() => parseDbArg(argv, '/cwd')).toThrow(UsageError);
  });
});

describe('loadConfigOrDefaults', () => {
  it('uses a good file', () => {
    const file = path.join(tempDir('cd-cfg-'), 'config.yaml');
    writeFileSync(file, 'collection:\n  intervalMs: 10000\n');
    expect(loadConfigOrDefaults(file)).toMatchObject({ config: { collection: { intervalMs: 10000 } }, configError: null });
  });

  it('runs on defaults with the reason when the file is bad', () => {
    const file = path.join(tempDir('cd-cfg-'), 'config.yaml');
    writeFileSync(file, 'collection:\n  intervalMs: fast\n');
    const loaded = loadConfigOrDefaults(file);
    expect(loaded.config).toEqual(DEFAULT_CONFIG);
    expect(loaded.configError).toContain(file);
    expect(loaded.configError).toContain('collection.intervalMs');
  });

  it('does not hide errors that are not about the config', () => {
    expect(() =>
      loadConfigOrDefaults('/x', () => {
        throw new TypeError('bug');
      }),
    ).toThrow(TypeError);
  });
});

describe('startupFailureMessage', () => {
  it("passes the store's own advice through", () => {
    const error = new StoreOpenError('corrupt', 'The database /x.db is damaged. Move it aside.');
    expect(startupFailureMessage(error)).toBe('The database /x.db is damaged. Move it aside.');
  });

  it('adds the rebuild command when the SQLite module does not fit this Electron', () => {
    const error = new StoreOpenError('native-module', 'The SQLite module cannot load in this runtime: NODE_MODULE_VERSION 115');
    expect(startupFailureMessage(error)).toContain('npm run electron:native');
  });

  it('gives a sentence, never a stack', () => {
    const message = startupFailureMessage(new Error('boom'));
    expect(message).toBe('Unexpected error: boom');
  });
});
