import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const ROOT = path.join(__dirname, '../../..');
const config = parse(readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8')) as Record<string, unknown> & {
  files: string[];
  asarUnpack: string[];
  electronFuses: Record<string, boolean>;
  linux: { target: string[]; icon: string };
  win: { target: string[] };
  mac: { target: string[] };
};

describe('electron-builder.yml', () => {
  it("passes electron-builder's own schema", async () => {
    // electron-builder's validator, offline: no packaging, no download.
    const requireFromRoot = createRequire(path.join(ROOT, 'package.json'));
    const { validateConfiguration } = requireFromRoot('app-builder-lib/out/util/config/config') as {
      validateConfiguration(config: unknown, logger: unknown): Promise<void>;
    };
    const { DebugLogger } = requireFromRoot('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };
    await expect(validateConfiguration(config, new DebugLogger(false))).resolves.toBeUndefined();
  });

  it('names the app and ships the build, not the sources', () => {
    expect(config.appId).toBe('io.clusterdeck.app');
    expect(config.productName).toBe('Clusterdeck');
    expect(config.files).toEqual(expect.arrayContaining(['package.json', 'dist/**', 'native/**']));
    expect(config.files.filter((pattern) => !pattern.startsWith('!')).some((pattern) => /^(electron|shared|renderer|src|test|bench)\b/.test(pattern))).toBe(
      false,
    );
  });

  it('ships the default alert rules, which the app reads from its own folder at run time', () => {
    expect(config.files).toContain('rules/**');
  });

  it('ships the built-in compliance policies, which the app reads from its own folder at run time', () => {
    expect(config.files).toContain('policies/**');
  });

  it('leaves the benchmarks out: their build in dist/bench is excluded', () => {
    expect(config.files).toContain('!dist/bench/**');
    expect(config.files.indexOf('!dist/bench/**')).toBeGreaterThan(config.files.indexOf('dist/**'));
  });

  it('keeps native modules outside the archive and never rebuilds node_modules for Electron', () => {
    expect(config.asarUnpack).toEqual(expect.arrayContaining(['**/*.node', 'native/**']));
    expect(config.npmRebuild).toBe(false);
    expect(config.nodeGypRebuild).toBe(false);
  });

  it('builds AppImage and deb, nsis, dmg, with the icon from build/', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.linux.icon).toBe('build/icon.png');
    const png = readFileSync(path.join(ROOT, 'build', 'icon.png'));
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(512); // electron-builder derives .ico/.icns from >= 512px
  });

  it('turns off the fuses a packaged app does not need', () => {
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      onlyLoadAppFromAsar: true,
    });
  });
});
