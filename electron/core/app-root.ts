import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

interface AppPackage {
  root: string;
  version: string;
}

/**
 * The app's own folder (where its package.json is), found from wherever this file runs: the
 * source tree under tests, dist/ after a build, or inside an asar.
 */
function findAppPackage(): AppPackage {
  let dir = __dirname;
  for (let i = 0; i < 6; i += 1) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'clusterdeck') return { root: dir, version: pkg.version ?? '0.0.0' };
    } catch {
      // not here; look one folder up
    }
    dir = dirname(dir);
  }
  return { root: join(__dirname, '..', '..', '..'), version: '0.0.0-unknown' };
}

const appPackage = findAppPackage();

export const APP_ROOT = appPackage.root;
export const APP_VERSION = appPackage.version;
/** Where `npm run build` puts the renderer. */
export const RENDERER_DIR = join(APP_ROOT, 'dist', 'renderer');
