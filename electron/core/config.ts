/**
 * Reads and validates the config file. A missing file means defaults; a bad one gives a
 * ConfigError naming the file and the field, and the file is never rewritten.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { ConfigSchema, type Config } from '../../shared/config';

export class ConfigError extends Error {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`${path}: ${detail}`);
    this.name = 'ConfigError';
  }
}

export function parseConfig(text: string, path: string): Config {
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 50 }) ?? {};
  } catch (error) {
    throw new ConfigError(path, `not valid YAML: ${(error as Error).message.split('\n')[0]}`);
  }
  const parsed = ConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const field = issue.path.length ? issue.path.join('.') : '(top level)';
    const keys = issue.code === 'unrecognized_keys' ? ` (${issue.keys.join(', ')})` : '';
    throw new ConfigError(path, `${field}: ${issue.message}${keys}`);
  }
  return parsed.data;
}

export function loadConfig(path: string): Config {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return ConfigSchema.parse({});
    throw new ConfigError(path, `cannot be read: ${(error as Error).message}`);
  }
  return parseConfig(text, path);
}
