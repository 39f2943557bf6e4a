// Shared steps of `npm start` and `npm test` on a fresh clone: install dependencies, build when
// sources changed, and find out whether Electron's binary is here. Built-in modules only, since
// this runs before node_modules exists.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

export function say(line) {
  process.stderr.write(`[clusterdeck] ${line}\n`);
}

export function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: ROOT, stdio: 'inherit', ...options });
  if (result.error) throw result.error;
  return result.status ?? 1;
}

/** Can this machine download Electron's binary from GitHub (where its installer fetches it)? */
async function githubReachable() {
  try {
    await fetch('https://github.com/electron/electron/releases', { method: 'HEAD', signal: AbortSignal.timeout(4000) });
    return true;
  } catch {
    return false;
  }
}

/** Runs `npm ci` once on a fresh clone. Offline, Electron's binary download is skipped. */
export async function ensureInstalled() {
  if (existsSync(join(ROOT, 'node_modules', '.package-lock.json'))) return;
  const env = { ...process.env };
  if (!env.ELECTRON_SKIP_BINARY_DOWNLOAD && !(await githubReachable())) {
    say("GitHub is unreachable: installing without Electron's binary (the app will run as `serve` in your browser).");
    env.ELECTRON_SKIP_BINARY_DOWNLOAD = '1';
    // better-sqlite3 would first try to download a prebuilt binary from GitHub; compile it instead.
    env.npm_config_build_from_source = 'true';
  }
  say('installing dependencies (npm ci; compiling the SQLite module takes about a minute)...');
  if (run(npm, ['ci'], { env }) !== 0) {
    say('npm ci failed; see the output above.');
    process.exit(1);
  }
}

function newestMtime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds when any source is newer than the last build (`options` go to spawnSync, e.g. stdio). */
export function ensureBuilt(options = {}) {
  const stamp = join(ROOT, 'dist', '.build-stamp');
  const sources = ['shared', 'electron', 'renderer', 'bench', 'test/helpers/crash-writer.ts', 'package.json', 'tsconfig.build.json'].map((p) => join(ROOT, p));
  const newestSource = Math.max(...sources.filter(existsSync).map((p) => (statSync(p).isDirectory() ? newestMtime(p) : statSync(p).mtimeMs)));
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= newestSource) return;
  say('building...');
  if (run(npm, ['run', '--silent', 'build'], options) !== 0) {
    say('the build failed; see the output above.');
    process.exit(1);
  }
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
}

/** The Electron binary's path, or null with the reason when it is not installed. */
export function electronBinary() {
  const pkg = join(ROOT, 'node_modules', 'electron');
  if (!existsSync(pkg)) return { path: null, reason: 'the electron package is not installed' };
  // Electron's installer writes path.txt once the binary is downloaded and unpacked.
  if (!existsSync(join(pkg, 'path.txt'))) {
    return { path: null, reason: 'its binary was not downloaded: offline install or ELECTRON_SKIP_BINARY_DOWNLOAD=1' };
  }
  try {
    const require = createRequire(join(ROOT, 'package.json'));
    const path = require('electron');
    return typeof path === 'string' && existsSync(path) ? { path } : { path: null, reason: 'its binary is missing' };
  } catch (error) {
    return { path: null, reason: String(error.message ?? error).split('\n')[0] };
  }
}
