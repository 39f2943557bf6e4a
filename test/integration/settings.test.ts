// Settings through the engine's handlers, as the desktop and `serve` call them: a change is
// written into the user's config.yaml (comments kept) and applied to the running engine without
// a restart. Real parts: the engine, its SQLite file, the config file on disk.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../electron/core/config';
import { createEngine, type Engine } from '../../electron/core/engine';
import { silentLogger } from '../../electron/core/log';
import type { CallName, CallRequest, CallResponse } from '../../shared/contract';
import { dispatchCall } from '../../shared/dispatch';
import { tempDir } from '../helpers/tmp';

const USER_FILE = `# our cluster
collection:
  intervalMs: 5000 # the default, for now
# two weeks is enough
storage:
  rawRetentionDays: 14
`;

// A fixed clock: the tick's grid time shows which interval the loop runs on.
const NOW = 1_000_003_000;

let engine: Engine | null = null;
afterEach(() => {
  engine?.close();
  engine = null;
});

/** A call that must succeed, through the contract's validation as every transport does. */
async function ok<C extends CallName>(running: Engine, name: C, request: CallRequest<C>): Promise<CallResponse<C>> {
  const result = await dispatchCall(running.handlers, name, request);
  if (!result.ok) throw new Error(`${name}: ${result.error.message}`);
  return result.value as CallResponse<C>;
}

function start(configPath: string, dir: string): Engine {
  engine = createEngine({
    config: loadConfig(configPath),
    dbPath: join(dir, 'settings.db'),
    configPath,
    mode: 'serve',
    log: silentLogger,
    clock: { now: () => NOW },
    includeLocal: false,
    useInventory: false,
    knownHostsFile: join(dir, 'known_hosts'),
    userKnownHostsFiles: [],
  });
  return engine;
}

describe('settings', () => {
  it('settings:get gives the config in force, its file, and that it can be written', async () => {
    const dir = tempDir();
    const configPath = join(dir, 'config.yaml');
    writeFileSync(configPath, USER_FILE);
    const result = await dispatchCall(start(configPath, dir).handlers, 'settings:get', {});
    expect(result).toEqual({ ok: true, value: { config: loadConfig(configPath), configPath, writable: true } });
  });

  it("settings:update writes config.yaml keeping the user's comments, and the running engine follows it", async () => {
    const dir = tempDir();
    const configPath = join(dir, 'config.yaml');
    writeFileSync(configPath, USER_FILE);
    const running = start(configPath, dir);
    await running.collectOnce();
    expect(running.status().lastTickAt).toBe(1_000_000_000); // on the 5 s grid

    const result = await dispatchCall(running.handlers, 'settings:update', { patch: { collection: { intervalMs: 7000 }, storage: { maxDiskMb: 64 } } });
    expect(result.ok).toBe(true);
    expect(readFileSync(configPath, 'utf8')).toBe(
      USER_FILE.replace('intervalMs: 5000 # the default, for now', 'intervalMs: 7000 # the default, for now') + '  maxDiskMb: 64\n',
    );

    // Applied without a restart: the loop's grid, the store's cap, what the engine reports.
    await running.collectOnce();
    expect(running.status().lastTickAt).toBe(999_999_000); // on the 7 s grid
    expect((await ok(running, 'storage:stats', {})).maxDiskBytes).toBe(64 * 1024 * 1024);
    expect((await ok(running, 'app:info', {})).intervalMs).toBe(7000);
    const settings = await ok(running, 'settings:get', {});
    expect(settings.config.collection.intervalMs).toBe(7000);
    expect(settings.config.storage).toMatchObject({ rawRetentionDays: 14, maxDiskMb: 64 });
  });

  it('a value the schema refuses is a bad request; the file and the engine stay as they were', async () => {
    const dir = tempDir();
    const configPath = join(dir, 'config.yaml');
    writeFileSync(configPath, USER_FILE);
    const running = start(configPath, dir);
    const result = await dispatchCall(running.handlers, 'settings:update', { patch: { collection: { intervalMs: 10 } } });
    expect(result).toMatchObject({ ok: false, error: { code: 'bad-request' } });
    expect(readFileSync(configPath, 'utf8')).toBe(USER_FILE);
    expect((await ok(running, 'settings:get', {})).config.collection.intervalMs).toBe(5000);
  });

  it('a config file broken since the start is never overwritten: the update says why, nothing changes', async () => {
    const dir = tempDir();
    const configPath = join(dir, 'config.yaml');
    writeFileSync(configPath, USER_FILE);
    const running = start(configPath, dir);
    const broken = `${USER_FILE}serve:\n  prot: 8080\n`;
    writeFileSync(configPath, broken); // the user is mid-edit
    expect((await ok(running, 'settings:get', {})).writable).toBe(false);
    const result = await dispatchCall(running.handlers, 'settings:update', { patch: { collection: { intervalMs: 2000 } } });
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'bad-request', message: expect.stringMatching(/serve.*prot.*fix the file by hand first, it was not changed/) },
    });
    expect(readFileSync(configPath, 'utf8')).toBe(broken);
    await running.collectOnce();
    expect(running.status().lastTickAt).toBe(1_000_000_000);
  });
});
