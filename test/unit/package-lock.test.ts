import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const lock = readFileSync(join(ROOT, 'package-lock.json'), 'utf8');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
const packages = (JSON.parse(lock) as { packages: Record<string, { version?: string; resolved?: string }> }).packages;

describe('dependencies install from the npm registry alone', () => {
  it('the lockfile names no GitHub (or any git) URL', () => {
    expect(lock).not.toMatch(/github\.com|githubusercontent|"github:/i);
    expect(lock).not.toMatch(/git\+|git:\/\//);
    for (const [path, entry] of Object.entries(packages)) {
      if (entry.resolved !== undefined) expect(`${path} ${entry.resolved}`).toMatch(/ https:\/\/registry\.npmjs\.org\//);
    }
  });

  it('only the patched xml2js is installed (0.4.x has CVE-2023-0842)', () => {
    const versions = Object.entries(packages)
      .filter(([path]) => path.endsWith('node_modules/xml2js'))
      .map(([, entry]) => entry.version);
    expect(versions).toEqual(['0.6.2']);
  });

  it('pins Electron to a line whose tooling runs on Node 20, and better-sqlite3 to 12.x', () => {
    expect(pkg.devDependencies!.electron).toMatch(/^3[7-9]\./);
    expect(pkg.dependencies!['better-sqlite3']).toMatch(/^12\./);
  });
});
