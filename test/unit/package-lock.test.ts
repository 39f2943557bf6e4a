import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(__dirname, '..', '..');
const lock = readFileSync(join(ROOT, 'package-lock.json'), 'utf8');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as Record<string, Record<string, string>>;
const packages = (JSON.parse(lock) as { packages: Record<string, { version?: string; resolved?: string; engines?: { node?: string } }> }).packages;

/**
 * Whether `version` (x.y.z) satisfies an npm `engines` range. Only the syntax found in
 * lockfiles: `||`, comparators joined by spaces, >= > <= < =, ^ and ~, x/* wildcards and partial
 * versions; anything else throws, so a new kind of range is noticed rather than misread.
 */
function satisfies(version: string, range: string): boolean {
  const v = version.split('.').map(Number);
  const compare = (a: number[], b: number[]) => a[0]! - b[0]! || a[1]! - b[1]! || a[2]! - b[2]!;
  const test = (comparator: string): boolean => {
    const match = /^(>=|<=|>|<|=|\^|~)?v?(\d+|[xX*])(?:\.(\d+|[xX*]))?(?:\.(\d+|[xX*]))?$/.exec(comparator);
    if (!match) throw new Error(`unsupported engines range: ${range}`);
    const op = match[1] ?? '=';
    const parts = [match[2], match[3], match[4]].filter((p) => p !== undefined && !/^[xX*]$/.test(p)).map(Number);
    if (parts.length === 0) return op === '=' || op === '>=' || op === '<=';
    const low = [...parts, 0, 0].slice(0, 3);
    // The first version past a partial one (1.2 -> 1.3.0, 1 -> 2.0.0).
    const past = (n: number) => low.map((x, i) => (i < n - 1 ? x : i === n - 1 ? x + 1 : 0));
    const partial = parts.length < 3;
    switch (op) {
      case '=':
        return parts.every((x, i) => v[i] === x);
      case '>=':
        return compare(v, low) >= 0;
      case '>':
        return partial ? compare(v, past(parts.length)) >= 0 : compare(v, low) > 0;
      case '<':
        return compare(v, low) < 0;
      case '<=':
        return partial ? compare(v, past(parts.length)) < 0 : compare(v, low) <= 0;
      case '^': {
        const firstNonZero = low.findIndex((x) => x !== 0);
        const upTo = firstNonZero === -1 || firstNonZero >= parts.length ? parts.length : firstNonZero + 1;
        return compare(v, low) >= 0 && compare(v, past(upTo)) < 0;
      }
      default: // '~'
        return compare(v, low) >= 0 && compare(v, past(Math.min(parts.length, 2))) < 0;
    }
  };
  return range.split('||').some((alternative) => {
    const comparators = alternative
      .trim()
      .replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1')
      .split(/\s+/)
      .filter(Boolean);
    return comparators.length === 0 || comparators.every(test);
  });
}

/**
 * Locked packages whose engines leave out the oldest Node that package.json supports, and why
 * each is accepted: only the packaging tools, which load and work on Node 20 regardless.
 * electron-builder 26.1 and later require @electron/rebuild ^4 (engines >=22.12, with node-abi 4);
 * the last line that installs from the registry and declares Node 20 (electron-builder 25.1.8,
 * @electron/rebuild 3.6.x) builds with node-gyp 9.4.1, whose gyp imports distutils and so fails on
 * Python 3.12 and later. Both load here on Node 20.20 and give Electron 39's ABI (140); they run
 * only in `npm run electron:native` and `npm run dist`. A new entry needs a reason as good.
 */
const ENGINE_EXCEPTIONS: Record<string, string> = {
  'node_modules/@electron/rebuild': 'packaging only (npm run electron:native, electron-builder)',
  'node_modules/node-abi': 'packaging only (@electron/rebuild 4)',
};

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

  it('reads engines ranges the way npm does', () => {
    const cases: Array<[string, boolean]> = [
      ['>=20.19', true],
      ['^20.19.0 || >=22.12.0', true],
      ['>=22.12.0', false],
      ['^18.18.0 || ^20.9.0 || >=21.1.0', true],
      ['^18.17.0', false],
      ['6.* || 8.* || >= 10.*', true],
      ['>=6 <7 || >=8', true],
      ['>=6 <7', false],
      ['20.x || 22.x', true],
      ['18 || 20 || >=22', true],
      ['18 || >=22', false],
      ['^10 || ^12 || ^13.7 || ^14 || >=15.0.1', true],
      ['~20.19.1', false],
      ['~20.19', true],
      ['<=20.18', false],
      ['<=20', true],
      ['>20', false],
      ['>20.18.9', true],
      ['*', true],
    ];
    for (const [range, expected] of cases) expect(`${range}: ${satisfies('20.19.0', range)}`).toBe(`${range}: ${expected}`);
    expect(() => satisfies('20.19.0', '>=20.0.0-rc.1')).toThrow(/unsupported/);
  });

  it("no locked package's engines leave out the oldest Node package.json supports, but the packaging tools named above", () => {
    const oldest = /^>=(\d+)\.(\d+)$/.exec(pkg.engines!.node!);
    expect(oldest, 'package.json engines.node is ">=X.Y"').not.toBeNull();
    const version = `${oldest![1]}.${oldest![2]}.0`;
    const excluding = Object.entries(packages)
      .filter(([path, entry]) => path !== '' && entry.engines?.node !== undefined && !satisfies(version, entry.engines.node))
      .map(([path, entry]) => `${path} (${entry.version}, node ${entry.engines!.node})`);
    expect(excluding.map((line) => line.split(' ')[0]).sort()).toEqual(Object.keys(ENGINE_EXCEPTIONS).sort());
  });
});
