import { chmodSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../electron/core/config';
import { applyPatchToYaml, configWritable, writeConfigFile } from '../../electron/core/config-writer';
import { DEFAULT_CONFIG } from '../../shared/config';
import { tempDir } from '../helpers/tmp';

const USER_FILE = `# Clusterdeck config, edited by hand
collection:
  # every 5 s is too often for our 400 nodes
  intervalMs: 10000 # ten seconds
  nvidiaSmiTimeoutMs: 8000

serve:
  host: 127.0.0.1 # loopback only
  port: 8443

# keep a month of raw data
storage:
  rawRetentionDays: 30
`;

describe('applyPatchToYaml', () => {
  it("changes only the patched key: the user's comments, order and other keys stay", () => {
    const next = applyPatchToYaml(USER_FILE, { collection: { intervalMs: 2000 } });
    expect(next).toBe(USER_FILE.replace('intervalMs: 10000 # ten seconds', 'intervalMs: 2000 # ten seconds'));
    expect(parseConfig(next, 'c.yaml').collection).toEqual({ intervalMs: 2000, nvidiaSmiTimeoutMs: 8000 });
  });

  it('creates missing sections and nested maps, after what the file has', () => {
    const next = applyPatchToYaml(USER_FILE, {
      notifications: { minSeverity: 'critical', webhook: { url: 'https://hooks.example.com/x' }, quietHours: { start: '22:00', end: '07:00' } },
    });
    expect(next.startsWith(USER_FILE)).toBe(true);
    const config = parseConfig(next, 'c.yaml');
    expect(config.notifications.minSeverity).toBe('critical');
    expect(config.notifications.webhook).toEqual({ url: 'https://hooks.example.com/x', timeoutMs: 5000, retries: 3 });
    expect(config.notifications.quietHours).toEqual({ start: '22:00', end: '07:00' });
    expect(config.storage.rawRetentionDays).toBe(30);
  });

  it('an empty or comment-only file gets the patch below its comments', () => {
    expect(parseConfig(applyPatchToYaml('', { storage: { maxDiskMb: 512 } }), 'c.yaml').storage.maxDiskMb).toBe(512);
    const next = applyPatchToYaml('# nothing yet\n', { alerts: { kernelLogIntervalMs: 30_000 } });
    expect(next).toContain('# nothing yet');
    expect(parseConfig(next, 'c.yaml').alerts.kernelLogIntervalMs).toBe(30_000);
  });

  it('a nested patch merges into the map the file has (webhook retries kept when only the URL changes)', () => {
    const text = 'notifications:\n  webhook:\n    url: https://a.example.com/\n    retries: 7 # our proxy drops a lot\n';
    const next = applyPatchToYaml(text, { notifications: { webhook: { url: 'https://b.example.com/' } } });
    expect(next).toContain('retries: 7 # our proxy drops a lot');
    expect(parseConfig(next, 'c.yaml').notifications.webhook).toEqual({ url: 'https://b.example.com/', timeoutMs: 5000, retries: 7 });
  });

  it('a nested patch replaces an explicit null', () => {
    const next = applyPatchToYaml('notifications:\n  quietHours: null\n', { notifications: { quietHours: { start: '23:00', end: '06:30' } } });
    expect(parseConfig(next, 'c.yaml').notifications.quietHours).toEqual({ start: '23:00', end: '06:30' });
  });

  it('null clears a setting; a section left empty goes, other keys stay', () => {
    const text = 'storage:\n  maxDiskMb: 2048\n  rawRetentionDays: 14\nnotifications:\n  webhook:\n    url: https://a.example.com/\n';
    const next = applyPatchToYaml(text, { storage: { maxDiskMb: null }, notifications: { webhook: null } });
    expect(next).toBe('storage:\n  rawRetentionDays: 14\n');
    const config = parseConfig(next, 'c.yaml');
    expect(config.storage.maxDiskMb).toBeNull();
    expect(config.notifications.webhook).toBeNull();
  });

  it('null on a setting the file does not have changes nothing', () => {
    expect(applyPatchToYaml(USER_FILE, { storage: { maxDiskMb: null } })).toBe(USER_FILE);
  });

  it('refuses a patch that would make the file invalid, naming the field', () => {
    // A webhook needs a URL: only its retries, on a file without one, is not a config.
    expect(() => applyPatchToYaml(USER_FILE, { notifications: { webhook: { retries: 2 } as never } })).toThrow(
      /config\.yaml: the change is refused, the file was not changed: notifications\.webhook\.url/,
    );
    expect(() => applyPatchToYaml(USER_FILE, { collection: { intervalMs: 10 } })).toThrow(/collection\.intervalMs/);
  });

  it('refuses to edit a file that is not a valid config now', () => {
    expect(() => applyPatchToYaml('collection: {intervalMs: 5000\n', { collection: { intervalMs: 2000 } })).toThrow(
      /not valid YAML.*fix the file by hand first, it was not changed/,
    );
    expect(() => applyPatchToYaml('colection: {}\n', { collection: { intervalMs: 2000 } })).toThrow(/colection.*fix the file by hand first/);
  });

  it('a setting that an alias elsewhere points to is refused, not silently changed in two places', () => {
    const text = 'collection:\n  intervalMs: &every 5000\nalerts:\n  kernelLogIntervalMs: *every\n';
    expect(() => applyPatchToYaml(text, { collection: { intervalMs: 2000 } })).toThrow(ConfigError);
    // The alias itself may be replaced by a value.
    const next = applyPatchToYaml(text, { alerts: { kernelLogIntervalMs: 20_000 } });
    expect(parseConfig(next, 'c.yaml').alerts.kernelLogIntervalMs).toBe(20_000);
    expect(parseConfig(next, 'c.yaml').collection.intervalMs).toBe(5000);
  });
});

describe('writeConfigFile', () => {
  const tempFiles = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.tmp'));

  it('writes the patch, keeps comments and the file mode, and leaves no temporary file', () => {
    const dir = tempDir();
    const path = join(dir, 'config.yaml');
    writeFileSync(path, USER_FILE);
    chmodSync(path, 0o640);
    const config = writeConfigFile(path, { storage: { hourRetentionDays: 365 } });
    expect(config.storage.hourRetentionDays).toBe(365);
    expect(loadConfig(path)).toEqual(config);
    const text = readFileSync(path, 'utf8');
    expect(text.startsWith(USER_FILE)).toBe(true);
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(tempFiles(dir)).toEqual([]);
  });

  it('creates the folder and a private file when there is none', () => {
    const path = join(tempDir(), 'clusterdeck', 'nested', 'config.yaml');
    const config = writeConfigFile(path, { collection: { intervalMs: 15_000 } });
    expect(config).toEqual({ ...DEFAULT_CONFIG, collection: { ...DEFAULT_CONFIG.collection, intervalMs: 15_000 } });
    expect(readFileSync(path, 'utf8')).toBe('collection:\n  intervalMs: 15000\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('never overwrites a file that is invalid now, and says so', () => {
    const dir = tempDir();
    const path = join(dir, 'config.yaml');
    const broken = '# mid-edit\ncollection:\n  intervalMS: 5000\n';
    writeFileSync(path, broken);
    expect(() => writeConfigFile(path, { collection: { intervalMs: 2000 } })).toThrow(/intervalMS.*fix the file by hand first, it was not changed/);
    expect(readFileSync(path, 'utf8')).toBe(broken);
    expect(tempFiles(dir)).toEqual([]);
    expect(configWritable(path)).toBe(false);
  });

  it('a refused change leaves the file byte for byte', () => {
    const dir = tempDir();
    const path = join(dir, 'config.yaml');
    writeFileSync(path, USER_FILE);
    expect(() => writeConfigFile(path, { storage: { maxDiskMb: 1 } })).toThrow(/storage\.maxDiskMb/);
    expect(readFileSync(path, 'utf8')).toBe(USER_FILE);
    expect(tempFiles(dir)).toEqual([]);
  });

  it('edits the file a symlinked config.yaml points to, keeping the link', () => {
    const dir = tempDir();
    const real = join(dir, 'dotfiles-config.yaml');
    const link = join(dir, 'config.yaml');
    writeFileSync(real, USER_FILE);
    symlinkSync(real, link);
    writeConfigFile(link, { collection: { intervalMs: 3000 } });
    expect(loadConfig(real).collection.intervalMs).toBe(3000);
    expect(readFileSync(link, 'utf8')).toBe(readFileSync(real, 'utf8'));
    expect(tempFiles(dir)).toEqual([]);
  });

  it('says a missing or valid file is writable', () => {
    const dir = tempDir();
    expect(configWritable(join(dir, 'a', 'config.yaml'))).toBe(true);
    const path = join(dir, 'config.yaml');
    writeFileSync(path, USER_FILE);
    expect(configWritable(path)).toBe(true);
  });
});
