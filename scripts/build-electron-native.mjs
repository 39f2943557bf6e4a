// `npm run electron:native`: builds better-sqlite3 for Electron's ABI into
// native/electron-<abi>-<platform>-<arch>/better_sqlite3.node, which the desktop app loads through
// better-sqlite3's `nativeBinding` option (electron/main/native-binding.ts names the same folder).
// The build runs on a copy in a temporary folder: node_modules/better-sqlite3 keeps its Node build,
// which tests, `serve` and the CLI use. Compiling needs a C++ toolchain and downloads Electron's
// headers once; it is never part of the tests.
//   --if-missing   do nothing when the build for this Electron is already there (npm start).
// Without Electron's binary it says so in one line and exits 1.
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

export const ROOT = join(import.meta.dirname, '..');
export const NATIVE_BINDING_FILE = 'better_sqlite3.node';

function say(line) {
  process.stderr.write(`[clusterdeck] ${line}\n`);
}

function firstLine(error) {
  return String(error?.message ?? error).split('\n')[0];
}

/** Same name as nativeDirName() in electron/main/native-binding.ts. */
export function nativeDirName({ modules, platform, arch }) {
  return `electron-${modules}-${platform}-${arch}`;
}

/**
 * The Electron binary and version, or why there is none. From plain Node, require('electron')
 * returns the binary's path, or throws when the download was skipped.
 */
export function locateElectron(root = ROOT) {
  const requireFromRoot = createRequire(join(root, 'package.json'));
  let binary;
  try {
    binary = requireFromRoot('electron');
  } catch (error) {
    return { binary: null, reason: firstLine(error) };
  }
  if (typeof binary !== 'string' || !existsSync(binary)) return { binary: null, reason: `its binary is missing (${binary})` };
  return { binary, version: requireFromRoot('electron/package.json').version };
}

/** The ABI, platform and arch the Electron binary itself reports, so the folder name matches at run time. */
function electronTarget(binary) {
  const script = 'process.stdout.write(JSON.stringify({modules: process.versions.modules, platform: process.platform, arch: process.arch}))';
  const output = execFileSync(binary, ['-e', script], {
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return JSON.parse(output);
}

/** Loads the new module in Electron (as Node) and runs one query: a build that cannot load is not kept. */
function checkLoads(binary, root, bindingPath) {
  const script = `const Database = require(${JSON.stringify(join(root, 'node_modules', 'better-sqlite3'))});
const db = new Database(':memory:', { nativeBinding: ${JSON.stringify(bindingPath)} });
process.stdout.write(db.prepare('select sqlite_version() as v').get().v);`;
  return execFileSync(binary, ['-e', script], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, encoding: 'utf8', timeout: 60_000 });
}

async function rebuildCopy(root, electronVersion, arch) {
  const source = join(root, 'node_modules', 'better-sqlite3');
  const sqlitePackage = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8'));
  const work = mkdtempSync(join(tmpdir(), 'clusterdeck-native-'));
  try {
    // A one-dependency project around the copy, the layout @electron/rebuild walks.
    writeFileSync(
      join(work, 'package.json'),
      JSON.stringify({ name: 'clusterdeck-native-build', private: true, dependencies: { 'better-sqlite3': sqlitePackage.version } }),
    );
    const copy = join(work, 'node_modules', 'better-sqlite3');
    // The Node build (build/) stays behind: the copy is compiled fresh.
    cpSync(source, copy, { recursive: true, filter: (path) => path !== join(source, 'build') });
    const { rebuild } = await import('@electron/rebuild');
    await rebuild({
      buildPath: work,
      electronVersion,
      arch,
      onlyModules: ['better-sqlite3'],
      force: true,
      // Compile against Electron's headers rather than fetch a prebuilt binary.
      buildFromSource: true,
      mode: 'sequential',
    });
    const built = join(copy, 'build', 'Release', NATIVE_BINDING_FILE);
    if (!existsSync(built)) throw new Error(`the rebuild finished but produced no ${NATIVE_BINDING_FILE}`);
    return { built, cleanup: () => rmSync(work, { recursive: true, force: true }) };
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
}

/** Returns the exit status. `locate` and `log` are parameters so a test can run it without Electron. */
export async function buildElectronNative({ root = ROOT, ifMissing = false, locate = locateElectron, log = say } = {}) {
  const electron = locate(root);
  if (!electron.binary) {
    log(
      `Electron is not installed (${electron.reason}): cannot build the SQLite module for the desktop app. ` +
        'Fetch its binary with `node node_modules/electron/install.js` (needs network), then run `npm run electron:native`.',
    );
    return 1;
  }
  try {
    const target = electronTarget(electron.binary);
    const destination = join(root, 'native', nativeDirName(target), NATIVE_BINDING_FILE);
    if (ifMissing && existsSync(destination)) return 0;

    log(
      `building better-sqlite3 for Electron ${electron.version} (ABI ${target.modules}, ${target.platform}-${target.arch}); compiling takes a minute or two...`,
    );
    const { built, cleanup } = await rebuildCopy(root, electron.version, target.arch);
    try {
      mkdirSync(dirname(destination), { recursive: true });
      // Copy then rename: an interrupted build never leaves a half-written module in place.
      const partial = `${destination}.partial`;
      copyFileSync(built, partial);
      renameSync(partial, destination);
    } finally {
      cleanup();
    }
    try {
      const sqliteVersion = checkLoads(electron.binary, root, destination);
      log(`built ${relative(root, destination)} (SQLite ${sqliteVersion}).`);
    } catch (error) {
      rmSync(destination, { force: true });
      throw new Error(`the new module does not load in Electron: ${firstLine(error)}`);
    }
    return 0;
  } catch (error) {
    // The compiler's own output (when there is any) is above; no stack trace.
    log(`could not build the SQLite module for Electron: ${String(error?.message ?? error).trim()}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await buildElectronNative({ ifMissing: process.argv.includes('--if-missing') });
}
