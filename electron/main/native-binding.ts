/**
 * Where the Electron build of better-sqlite3 lives. `npm install` compiles better-sqlite3 for
 * plain Node (tests, serve, CLI); the desktop app loads a second build, made for Electron's ABI by
 * scripts/build-electron-native.mjs, from native/electron-<abi>-<platform>-<arch>/ at the app root.
 * The script computes the same folder name; a test keeps the two equal.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export const NATIVE_BINDING_FILE = 'better_sqlite3.node';
export const BUILD_NATIVE_COMMAND = 'npm run electron:native';

export interface RuntimeTarget {
  /** process.versions.modules: the ABI of the runtime that will load the module. */
  modules: string;
  platform: string;
  arch: string;
}

export function currentRuntimeTarget(): RuntimeTarget {
  return { modules: process.versions.modules, platform: process.platform, arch: process.arch };
}

export function nativeDirName({ modules, platform, arch }: RuntimeTarget): string {
  return `electron-${modules}-${platform}-${arch}`;
}

/**
 * The binding's path for an app at `appPath` (app.getAppPath()). In a packaged app that is
 * .../resources/app.asar, and native/ is unpacked beside it into app.asar.unpacked, because a
 * shared library cannot be loaded from inside an archive.
 */
export function nativeBindingPath(appPath: string, target: RuntimeTarget, pathApi: path.PlatformPath = path): string {
  const root = pathApi.basename(appPath) === 'app.asar' ? pathApi.join(pathApi.dirname(appPath), 'app.asar.unpacked') : appPath;
  return pathApi.join(root, 'native', nativeDirName(target), NATIVE_BINDING_FILE);
}

export type NativeBindingLookup = { found: true; path: string } | { found: false; path: string; message: string };

export function findNativeBinding(
  appPath: string,
  target: RuntimeTarget = currentRuntimeTarget(),
  exists: (file: string) => boolean = existsSync,
): NativeBindingLookup {
  const file = nativeBindingPath(appPath, target);
  if (exists(file)) return { found: true, path: file };
  return {
    found: false,
    path: file,
    message:
      `The SQLite module built for this Electron (ABI ${target.modules}, ${target.platform}-${target.arch}) is missing: ${file}\n\n` +
      `Build it with \`${BUILD_NATIVE_COMMAND}\` in the Clusterdeck folder, then start the app again.`,
  };
}
