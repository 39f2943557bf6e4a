import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { findNativeBinding, nativeBindingPath, nativeDirName } from '../../../electron/main/native-binding';

const LINUX = { modules: '140', platform: 'linux', arch: 'x64' };

interface BuildScript {
  nativeDirName(target: typeof LINUX): string;
  NATIVE_BINDING_FILE: string;
  buildElectronNative(options: {
    root?: string;
    ifMissing?: boolean;
    locate?: (root: string) => { binary: null; reason: string };
    log?: (line: string) => void;
  }): Promise<number>;
}

// A variable specifier: the script is plain JavaScript without type declarations.
const scriptUrl = pathToFileURL(path.join(__dirname, '../../../scripts/build-electron-native.mjs')).href;
const loadScript = () => import(scriptUrl) as Promise<BuildScript>;

describe('nativeBindingPath', () => {
  it('is native/electron-<abi>-<platform>-<arch>/better_sqlite3.node at the app root in development', () => {
    expect(nativeBindingPath('/home/me/clusterdeck', LINUX, path.posix)).toBe('/home/me/clusterdeck/native/electron-140-linux-x64/better_sqlite3.node');
  });

  it('is under app.asar.unpacked in a packaged app', () => {
    expect(nativeBindingPath('/opt/Clusterdeck/resources/app.asar', LINUX, path.posix)).toBe(
      '/opt/Clusterdeck/resources/app.asar.unpacked/native/electron-140-linux-x64/better_sqlite3.node',
    );
    expect(nativeBindingPath('C:\\Program Files\\Clusterdeck\\resources\\app.asar', { modules: '140', platform: 'win32', arch: 'arm64' }, path.win32)).toBe(
      'C:\\Program Files\\Clusterdeck\\resources\\app.asar.unpacked\\native\\electron-140-win32-arm64\\better_sqlite3.node',
    );
  });

  it('uses this runtime by default', () => {
    const lookup = findNativeBinding('/app', undefined, () => true);
    expect(lookup.path).toContain(`electron-${process.versions.modules}-${process.platform}-${process.arch}`);
  });
});

describe('findNativeBinding', () => {
  it('finds an existing build', () => {
    const exists = vi.fn(() => true);
    expect(findNativeBinding('/app', LINUX, exists)).toEqual({
      found: true,
      path: path.join('/app', 'native', 'electron-140-linux-x64', 'better_sqlite3.node'),
    });
  });

  it('explains a missing build and names the command that makes it', () => {
    const lookup = findNativeBinding('/app', LINUX, () => false);
    expect(lookup.found).toBe(false);
    if (!lookup.found) {
      expect(lookup.message).toContain('npm run electron:native');
      expect(lookup.message).toContain(lookup.path);
      expect(lookup.message).toContain('ABI 140');
    }
  });
});

describe('scripts/build-electron-native.mjs', () => {
  it('writes to the folder the app reads from', async () => {
    const script = await loadScript();
    for (const target of [LINUX, { modules: '140', platform: 'darwin', arch: 'arm64' }, { modules: '143', platform: 'win32', arch: 'x64' }]) {
      expect(script.nativeDirName(target)).toBe(nativeDirName(target));
    }
    expect(script.NATIVE_BINDING_FILE).toBe('better_sqlite3.node');
  });

  it('without Electron: one line naming the way out, exit status 1, nothing built', async () => {
    const script = await loadScript();
    const lines: string[] = [];
    const status = await script.buildElectronNative({
      root: '/nonexistent-root',
      locate: () => ({ binary: null, reason: 'Electron failed to install correctly' }),
      log: (line) => lines.push(line),
    });
    expect(status).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain('\n');
    expect(lines[0]).toMatch(/Electron is not installed \(Electron failed to install correctly\)/);
    expect(lines[0]).toContain('npm run electron:native');
  });
});
