/**
 * A PrometheusClient from a source's config: secrets and the CA are read from their files (a
 * path relative to the config folder is taken from there), never kept in the config itself.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { PrometheusSourceConfig } from '../../../shared/config';
import { PrometheusClient, type PrometheusAuth } from './prometheus-client';

/** The largest API answer read per query (a fleet's filesystems can be a few MB). */
export const SOURCE_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const MAX_SECRET_BYTES = 64 * 1024;

function readConfigFile(path: string, configDir: string, what: string): string {
  const full = isAbsolute(path) ? path : resolve(configDir, path);
  let text: string;
  try {
    text = readFileSync(full, 'utf8');
  } catch (error) {
    throw new Error(`${what} ${full} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  if (text.length > MAX_SECRET_BYTES) throw new Error(`${what} ${full} is larger than ${MAX_SECRET_BYTES} bytes`);
  return text;
}

export function sourceClient(config: PrometheusSourceConfig, configDir: string): PrometheusClient {
  let auth: PrometheusAuth | undefined;
  if (config.bearerTokenFile) auth = { kind: 'bearer', token: readConfigFile(config.bearerTokenFile, configDir, 'the bearer token file').trim() };
  else if (config.basic) {
    const password = readConfigFile(config.basic.passwordFile, configDir, 'the password file').replace(/\r?\n$/, '');
    auth = { kind: 'basic', username: config.basic.username, password };
  }
  const caPem = config.caFile ? readConfigFile(config.caFile, configDir, 'the CA file') : undefined;
  return new PrometheusClient({ url: config.url, auth, caPem, timeoutMs: config.timeoutMs, maxResponseBytes: SOURCE_MAX_RESPONSE_BYTES });
}
