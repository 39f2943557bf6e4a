/** Paths and config for the headless commands: flags first, then the XDG defaults. */
import { join, resolve } from 'node:path';
import type { Config } from '../../shared/config';
import { loadConfig } from '../core/config';
import { CONFIG_FILE_NAME, DB_FILE_NAME, defaultConfigDir, defaultDataDir } from '../core/paths';

export interface CommonFlags {
  db?: string;
  config?: string;
}

export interface Runtime {
  config: Config;
  configPath: string;
  dbPath: string;
}

/** Throws ConfigError (naming the file and field) when the config file is unusable. */
export function loadRuntime(flags: CommonFlags): Runtime {
  const configPath = resolve(flags.config ?? join(defaultConfigDir(), CONFIG_FILE_NAME));
  const dbPath = flags.db === ':memory:' ? ':memory:' : resolve(flags.db ?? join(defaultDataDir(), DB_FILE_NAME));
  return { config: loadConfig(configPath), configPath, dbPath };
}
