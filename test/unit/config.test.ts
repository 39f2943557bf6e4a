import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseConfig } from '../../electron/core/config';
import { DEFAULT_CONFIG } from '../../shared/config';
import { tempDir } from '../helpers/tmp';

describe('config file', () => {
  it('a missing file means defaults (5 s collection, loopback serve)', () => {
    expect(loadConfig(join(tempDir(), 'none.yaml'))).toEqual(DEFAULT_CONFIG);
    expect(DEFAULT_CONFIG.collection.intervalMs).toBe(5000);
    expect(DEFAULT_CONFIG.serve.host).toBe('127.0.0.1');
  });

  it('an empty file means defaults; given fields override them', () => {
    expect(parseConfig('', 'c.yaml')).toEqual(DEFAULT_CONFIG);
    const config = parseConfig('collection:\n  intervalMs: 2000\n', 'c.yaml');
    expect(config.collection).toEqual({ intervalMs: 2000, nvidiaSmiTimeoutMs: 10_000 });
  });

  it.each([
    ['collection:\n  intervalMs: 10\n', /c\.yaml: collection\.intervalMs: .*>=\s*1000/],
    ['collection:\n  intervalMs: "fast"\n', /c\.yaml: collection\.intervalMs: .*number/],
    ['collection:\n  intervalMS: 5000\n', /c\.yaml: collection: .*(intervalMS)/],
    ['colection: {}\n', /c\.yaml: \(top level\): .*colection/],
    ['serve: [1, 2]\n', /c\.yaml: serve: /],
    ['- just\n- a list\n', /c\.yaml: \(top level\): /],
    ['collection: {intervalMs: 5000\n', /c\.yaml: not valid YAML/],
  ])('refuses %j with an error naming the field', (text, message) => {
    expect(() => parseConfig(text, 'c.yaml')).toThrow(ConfigError);
    expect(() => parseConfig(text, 'c.yaml')).toThrow(message);
  });

  it('refuses a YAML alias bomb instead of expanding it', () => {
    const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 12; i += 1)
      bomb.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(',')}]`,
      );
    expect(() => parseConfig(bomb.join('\n'), 'c.yaml')).toThrow(ConfigError);
  });

  it('reads a real file and reports an unreadable path clearly', () => {
    const dir = tempDir();
    const path = join(dir, 'config.yaml');
    writeFileSync(path, 'storage:\n  rawRetentionDays: 30\n');
    expect(loadConfig(path).storage.rawRetentionDays).toBe(30);
    expect(() => loadConfig(dir)).toThrow(/cannot be read/);
  });
});
