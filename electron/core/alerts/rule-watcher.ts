/**
 * Reloads the rules when a rule file changes, without a restart. fs.watch reports changes quickly
 * where it works; a slow poll of the files' sizes and times catches what it misses (network
 * filesystems, a folder created later, a watch that died). Changes are debounced so an editor's
 * save (write, rename, chmod) is one reload. Nothing here throws into the caller.
 */
import { statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { RuleSet } from './types';
import { listRuleFiles, loadRules, type LoadRulesOptions, type RuleFileMemory } from './rule-loader';

export interface RuleWatcherOptions extends LoadRulesOptions {
  /** Called with the fresh rules after a change (not for the first load: see current()). */
  onChange(rules: RuleSet): void;
  /** Quiet time after the last change before reloading. */
  debounceMs?: number;
  /** How often the files' sizes and times are compared, in case fs.watch missed something. */
  pollMs?: number;
  log?: (message: string) => void;
}

export interface RuleWatcher {
  /** The rules as last loaded (loaded once when the watcher starts). */
  current(): RuleSet;
  /** Reloads now and calls onChange. */
  reload(): RuleSet;
  stop(): void;
}

function statKey(path: string): string {
  try {
    const s = statSync(path);
    return `${s.size}:${s.mtimeMs}:${s.ino}`;
  } catch {
    return '-';
  }
}

function folderIdentity(path: string): string {
  try {
    const s = statSync(path);
    return s.isDirectory() ? `${s.dev}:${s.ino}` : '-';
  } catch {
    return '-';
  }
}

/** Changes whenever a rule file is added, removed or rewritten (as far as size, time and inode tell). */
export function rulesFingerprint(options: LoadRulesOptions): string {
  const parts: string[] = [];
  if (options.defaultFile !== null) parts.push(`${options.defaultFile}=${statKey(options.defaultFile)}`);
  if (options.userDir !== null) {
    for (const file of listRuleFiles(options.userDir).files) parts.push(`${file}=${statKey(file)}`);
  }
  return parts.join('\n');
}

function safeLoad(options: LoadRulesOptions, memory: RuleFileMemory): RuleSet {
  try {
    return loadRules(options, memory);
  } catch (error) {
    // loadRules reports problems as RuleErrors; this is for the unforeseen.
    return {
      rules: [],
      inhibit: [],
      errors: [{ file: options.userDir ?? options.defaultFile ?? '', line: null, message: `rules not loaded: ${(error as Error).message}` }],
    };
  }
}

export function watchRules(options: RuleWatcherOptions): RuleWatcher {
  const debounceMs = options.debounceMs ?? 300;
  const pollMs = options.pollMs ?? 5000;
  const log = options.log ?? (() => undefined);
  const load = { defaultFile: options.defaultFile, userDir: options.userDir };
  let fingerprint = rulesFingerprint(load);
  /** Each file's last good parse: a file caught broken keeps its previous rules. */
  const memory: RuleFileMemory = new Map();
  let current = safeLoad(load, memory);
  let stopped = false;
  let debounce: NodeJS.Timeout | null = null;
  /** Watched folder -> its watcher; a folder that cannot be watched (missing, in an asar) is retried at each poll. */
  const watchers = new Map<string, { watcher: FSWatcher; identity: string }>();

  const reload = (): RuleSet => {
    fingerprint = rulesFingerprint(load);
    current = safeLoad(load, memory);
    try {
      options.onChange(current);
    } catch (error) {
      log(`rules: the reload listener failed: ${(error as Error).message}`);
    }
    return current;
  };

  const schedule = (): void => {
    if (stopped) return;
    if (debounce) clearTimeout(debounce);
    debounce = setTimeout(() => {
      debounce = null;
      if (!stopped) reload();
    }, debounceMs);
    debounce.unref();
  };

  const attach = (folder: string, only: string | null): void => {
    const identity = folderIdentity(folder);
    const existing = watchers.get(folder);
    if (existing && existing.identity === identity) return;
    if (existing) {
      // Removed or replaced since: its watch sees nothing any more.
      existing.watcher.close();
      watchers.delete(folder);
    }
    if (identity === '-') return;
    try {
      const watcher = watch(folder, { persistent: false }, (_event, name) => {
        if (only === null || name === null || name === only) schedule();
      });
      watcher.on('error', () => {
        // The folder went away (or the watch broke): drop it; the poll re-attaches and reloads.
        watcher.close();
        watchers.delete(folder);
        schedule();
      });
      watchers.set(folder, { watcher, identity });
    } catch {
      // Missing folder, or fs.watch unsupported here: the poll covers it.
    }
  };

  const attachAll = (): void => {
    if (options.userDir !== null) attach(options.userDir, null);
    if (options.defaultFile !== null) attach(dirname(options.defaultFile), basename(options.defaultFile));
  };

  attachAll();
  const poll = setInterval(() => {
    if (stopped) return;
    try {
      attachAll();
      if (rulesFingerprint(load) !== fingerprint) schedule();
    } catch (error) {
      log(`rules: polling failed: ${(error as Error).message}`);
    }
  }, pollMs);
  poll.unref();

  return {
    current: () => current,
    reload: () => reload(),
    stop: () => {
      stopped = true;
      clearInterval(poll);
      if (debounce) clearTimeout(debounce);
      for (const { watcher } of watchers.values()) watcher.close();
      watchers.clear();
    },
  };
}
