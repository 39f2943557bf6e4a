import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchRules, type RuleWatcher } from '../../../electron/core/alerts/rule-watcher';
import type { RuleSet } from '../../../electron/core/alerts/types';
import { MIN, T0, harness, signal } from './engine-harness';

let dir: string;
let defaultFile: string;
let watcher: RuleWatcher | null = null;

const rule = (id: string) => `  - { id: ${id}, name: ${id}, watch: { detector: node-unreachable }, for: 30s, severity: critical, message: "{{node}}" }\n`;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'cd-rules-watch-'));
  defaultFile = join(dir, 'default.yaml');
  writeFileSync(defaultFile, `rules:\n${rule('shipped')}`);
});
afterEach(() => {
  watcher?.stop();
  watcher = null;
  rmSync(dir, { recursive: true, force: true });
});

/** Starts a watcher; `next(predicate)` resolves with the first reload whose rules satisfy it. */
function start(userDir: string, options: { pollMs?: number } = {}) {
  const waiting: Array<{ test: (set: RuleSet) => boolean; resolve: (set: RuleSet) => void }> = [];
  let failNext = 0;
  watcher = watchRules({
    defaultFile,
    userDir,
    debounceMs: 20,
    pollMs: options.pollMs ?? 50,
    onChange: (set) => {
      for (const w of [...waiting]) {
        if (w.test(set)) {
          waiting.splice(waiting.indexOf(w), 1);
          w.resolve(set);
        }
      }
      if (failNext > 0) {
        failNext -= 1;
        throw new Error('listener broke');
      }
    },
  });
  return {
    next: (test: (set: RuleSet) => boolean) => new Promise<RuleSet>((resolve) => waiting.push({ test, resolve })),
    throwOnce: () => {
      failNext = 1;
    },
  };
}

const ids = (set: RuleSet) => set.rules.map((r) => r.id);

describe('watchRules', () => {
  it('loads once at start, then reloads after a rule file is added, changed and removed', async () => {
    const userDir = join(dir, 'user');
    mkdirSync(userDir);
    const w = start(userDir);
    expect(ids(watcher!.current())).toEqual(['shipped']);

    const added = w.next((set) => ids(set).includes('mine'));
    writeFileSync(join(userDir, 'mine.yaml'), `rules:\n${rule('mine')}`);
    expect(ids(await added)).toEqual(['shipped', 'mine']);

    // An editor's save: write a temp file and rename it over the old one.
    const changed = w.next((set) => ids(set).includes('mine-v2'));
    writeFileSync(join(userDir, '.mine.yaml.tmp'), `rules:\n${rule('mine-v2')}`);
    renameSync(join(userDir, '.mine.yaml.tmp'), join(userDir, 'mine.yaml'));
    expect(ids(await changed)).toEqual(['shipped', 'mine-v2']);
    expect(ids(watcher!.current())).toEqual(['shipped', 'mine-v2']);

    const removed = w.next((set) => !ids(set).includes('mine-v2'));
    rmSync(join(userDir, 'mine.yaml'));
    expect(ids(await removed)).toEqual(['shipped']);
  });

  it('reports a broken file in the reload and keeps the other rules; a listener that throws does not stop it', async () => {
    const userDir = join(dir, 'user');
    mkdirSync(userDir);
    const w = start(userDir);
    w.throwOnce();
    const broken = w.next((set) => set.errors.length > 0);
    writeFileSync(join(userDir, 'bad.yaml'), 'rules: [unclosed\n');
    const set = await broken;
    expect(ids(set)).toEqual(['shipped']);
    expect(set.errors[0]!.file).toBe(join(userDir, 'bad.yaml'));

    const fixed = w.next((s) => s.errors.length === 0 && ids(s).includes('fixed'));
    writeFileSync(join(userDir, 'bad.yaml'), `rules:\n${rule('fixed')}`);
    expect(ids(await fixed)).toEqual(['shipped', 'fixed']);
  });

  it('starts without the user folder and picks it up once it is created', async () => {
    const userDir = join(dir, 'later');
    const w = start(userDir);
    expect(watcher!.current().errors).toEqual([]);
    const appeared = w.next((set) => ids(set).includes('late'));
    mkdirSync(userDir);
    writeFileSync(join(userDir, 'late.yml'), `rules:\n${rule('late')}`);
    expect(ids(await appeared)).toEqual(['shipped', 'late']);
  });

  it('reloads when the default file changes', async () => {
    const w = start(join(dir, 'none'));
    const changed = w.next((set) => ids(set).includes('shipped-v2'));
    writeFileSync(defaultFile, `rules:\n${rule('shipped-v2')}`);
    expect(ids(await changed)).toEqual(['shipped-v2']);
  });

  it('notices a change through the poll alone when fs.watch has nothing to watch yet (a folder recreated)', async () => {
    const userDir = join(dir, 'user');
    mkdirSync(userDir);
    const w = start(userDir, { pollMs: 30 });
    rmSync(userDir, { recursive: true });
    const back = w.next((set) => ids(set).includes('again'));
    mkdirSync(userDir);
    writeFileSync(join(userDir, 'again.yaml'), `rules:\n${rule('again')}`);
    expect(ids(await back)).toEqual(['shipped', 'again']);
  });
});

describe('watchRules with the engine: a rules file that does not parse', () => {
  it('keeps the rules of a file that fails to parse as a whole in force: no resolve, and no new notification once it is fixed', async () => {
    const userDir = join(dir, 'user');
    mkdirSync(userDir);
    const mine = join(userDir, 'mine.yaml');
    const good = `rules:\n  - { id: mine, name: Mine, watch: { detector: node-unreachable }, severity: critical, message: "{{node}}" }\n`;
    writeFileSync(mine, good);
    writeFileSync(defaultFile, 'rules: []\n'); // only the user's rule fires
    const watched = start(userDir);
    const h = harness(watcher!.current());
    const unreachable = (at: number) => ({ signals: [signal('node-unreachable', 'n1', at)], evaluated: { n1: ['node-unreachable' as const] } });
    h.run(T0, unreachable(T0));
    expect(h.delivered).toEqual([expect.objectContaining({ kind: 'alert', ruleId: 'mine' })]);

    const broken = watched.next((set) => set.errors.some((e) => e.file === mine));
    writeFileSync(mine, `rules:\n  - { id: mine, name: Mine, watch: { detector: node-unreachable`);
    const whileBroken = await broken;
    h.engine.setRules(whileBroken);
    expect(ids(whileBroken)).toContain('mine');
    expect(whileBroken.errors).toEqual([expect.objectContaining({ file: mine, message: expect.stringContaining('previous rules stay in force') })]);
    h.run(T0 + MIN, unreachable(T0 + MIN));

    const fixed = watched.next((set) => set.errors.length === 0);
    writeFileSync(mine, good.replace('name: Mine', 'name: Mine again'));
    h.engine.setRules(await fixed);
    h.run(T0 + 2 * MIN, unreachable(T0 + 2 * MIN));
    expect(h.delivered.map((n) => n.title)).toEqual(['Mine: n1']);
    expect(h.engine.list({ limit: 10 }).alerts).toEqual([expect.objectContaining({ ruleId: 'mine', state: 'firing' })]);
  });

  it('removes the rules of a file that parsed without them, and of a file that is gone', async () => {
    const userDir = join(dir, 'user');
    mkdirSync(userDir);
    const mine = join(userDir, 'mine.yaml');
    writeFileSync(mine, `rules:\n${rule('a')}${rule('b')}`);
    const watched = start(userDir);
    const broken = watched.next((set) => set.errors.length > 0);
    writeFileSync(mine, `rules: [`);
    expect(ids(await broken)).toEqual(['shipped', 'a', 'b']);
    const parsed = watched.next((set) => set.errors.length === 0);
    writeFileSync(mine, `rules:\n${rule('a')}`);
    expect(ids(await parsed)).toEqual(['shipped', 'a']);
    const gone = watched.next((set) => !ids(set).includes('a'));
    rmSync(mine);
    expect(ids(await gone)).toEqual(['shipped']);
  });
});
