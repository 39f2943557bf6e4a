import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Finds the app's package.json from wherever this file runs (source, dist, or inside an asar). */
function readVersion(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i += 1) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'clusterdeck' && pkg.version) return pkg.version;
    } catch {
      // not here; look one folder up
    }
    dir = dirname(dir);
  }
  return '0.0.0-unknown';
}

export const version = readVersion();
