/**
 * The decisions main.ts makes before the engine exists, kept apart so they are plain functions:
 * which database, which config (or defaults plus the reason), and what to tell the user when
 * the app cannot start.
 */
import path from 'node:path';
import { DEFAULT_CONFIG, type Config } from '../../shared/config';
import { ConfigError, loadConfig } from '../core/config';
import { StoreOpenError } from '../core/store/db';
import { BUILD_NATIVE_COMMAND } from './native-binding';

export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * `--db PATH` or `--db=PATH` from the command line; null when absent. Relative paths are taken
 * from the working directory; ':memory:' passes through (tests).
 */
export function parseDbArg(argv: readonly string[], cwd: string = process.cwd()): string | null {
  let value: string | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i]!;
    if (arg === '--db') {
      value = argv[i + 1];
      if (value === undefined || value === '' || value.startsWith('--')) throw new UsageError('--db needs a file path, e.g. --db /path/to/clusterdeck.db');
      i += 1;
    } else if (arg.startsWith('--db=')) {
      value = arg.slice('--db='.length);
      if (value === '') throw new UsageError('--db needs a file path, e.g. --db=/path/to/clusterdeck.db');
    }
  }
  if (value === undefined) return null;
  return value === ':memory:' ? value : path.resolve(cwd, value);
}

export interface LoadedConfig {
  config: Config;
  /** Why the file was not used; the engine then runs on defaults and the UI shows a banner. */
  configError: string | null;
}

/** A bad config file never stops the app: defaults, and the reason for the banner. */
export function loadConfigOrDefaults(configPath: string, load: (file: string) => Config = loadConfig): LoadedConfig {
  try {
    return { config: load(configPath), configError: null };
  } catch (error) {
    if (error instanceof ConfigError) return { config: DEFAULT_CONFIG, configError: error.message };
    throw error;
  }
}

/** The dialog's text for an error that stops startup; never a stack trace. */
export function startupFailureMessage(error: unknown): string {
  if (error instanceof StoreOpenError) {
    return error.code === 'native-module' ? `${error.message}\n\nRebuild it with \`${BUILD_NATIVE_COMMAND}\`, then start again.` : error.message;
  }
  if (error instanceof UsageError) return error.message;
  return `Unexpected error: ${error instanceof Error ? error.message : String(error)}`;
}
