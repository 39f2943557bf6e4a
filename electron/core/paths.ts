import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

/** Where serve and the CLI keep data: $XDG_DATA_HOME/clusterdeck (~/.local/share/clusterdeck). */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'clusterdeck');
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'clusterdeck');
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'clusterdeck');
}

/** Where the config file lives: $XDG_CONFIG_HOME/clusterdeck (~/.config/clusterdeck). */
export function defaultConfigDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (platform === 'darwin') return join(homedir(), 'Library', 'Preferences', 'clusterdeck');
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'clusterdeck');
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'clusterdeck');
}

export const DB_FILE_NAME = 'clusterdeck.db';
export const CONFIG_FILE_NAME = 'config.yaml';

export const KNOWN_HOSTS_FILE_NAME = 'known_hosts';

/**
 * The app's own known_hosts: next to the database, or in the data directory when there is no
 * database file (an in-memory one, or none given).
 */
export function defaultKnownHostsFile(dbPath?: string, env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  const dir = dbPath === undefined || dbPath === ':memory:' ? defaultDataDir(env, platform) : dirname(dbPath);
  return join(dir, KNOWN_HOSTS_FILE_NAME);
}
