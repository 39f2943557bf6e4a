/**
 * A PrometheusClient from a source's config: a token or password comes from the OS keychain
 * (`secret: keychain`) or from its file (a path relative to the config folder is taken from
 * there), never from the config itself; the CA from its file.
 */
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { PrometheusSourceConfig } from '../../../shared/config';
import { sourceSecretName } from '../../../shared/model/sources';
import { PrometheusClient, type PrometheusAuth } from './prometheus-client';

/** The largest API answer read per query (a fleet's filesystems can be a few MB). */
export const SOURCE_MAX_RESPONSE_BYTES = 64 * 1024 * 1024;
const MAX_SECRET_BYTES = 64 * 1024;

/** What a source needs of a secret store (the desktop's keychain; nothing in serve and the CLI). */
export interface SecretReader {
  readonly available: boolean;
  get(name: string): string | null;
}

/** Secrets typed in Settings and not kept yet (test-connection before saving). */
export interface GivenSecrets {
  token?: string;
  password?: string;
}

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

/**
 * A token or password from its file: one line of text, its line end dropped (a token trimmed).
 * Anything else (a PEM key, a YAML file) is no secret of a source: refused before any request, as
 * its content would be sent to the source's URL, and never quoted.
 */
function readSecretFile(path: string, configDir: string, what: string, trim: boolean): string {
  const text = readConfigFile(path, configDir, what).replace(/\r?\n$/, '');
  const secret = trim ? text.trim() : text;
  if (!/^[^\u0000-\u001f\u007f]+$/.test(secret)) {
    throw new Error(`${what} ${isAbsolute(path) ? path : resolve(configDir, path)} is not one line of text (a token or password is)`);
  }
  return secret;
}

function keptSecret(config: PrometheusSourceConfig, what: 'token' | 'password', secrets: SecretReader | undefined, given: string | undefined): string {
  if (given !== undefined) return given;
  if (!secrets?.available) {
    throw new Error(
      `the ${what} is kept in the OS keychain, which only the desktop app has; here give it in a file (${what === 'token' ? 'bearerTokenFile' : 'basic.passwordFile'})`,
    );
  }
  const value = secrets.get(sourceSecretName(config.id, what));
  if (value === null) throw new Error(`no ${what} is kept for source ${config.id}: enter it in Settings`);
  return value;
}

/** How the source authenticates, reading its secret where the config says it is kept. */
export function sourceAuth(config: PrometheusSourceConfig, configDir: string, secrets?: SecretReader, given: GivenSecrets = {}): PrometheusAuth | undefined {
  if (config.basic) {
    const password =
      given.password ??
      (config.basic.passwordFile
        ? readSecretFile(config.basic.passwordFile, configDir, 'the password file', false)
        : keptSecret(config, 'password', secrets, undefined));
    return { kind: 'basic', username: config.basic.username, password };
  }
  if (given.token !== undefined) return { kind: 'bearer', token: given.token };
  if (config.bearerTokenFile) return { kind: 'bearer', token: readSecretFile(config.bearerTokenFile, configDir, 'the bearer token file', true) };
  if (config.secret === 'keychain') return { kind: 'bearer', token: keptSecret(config, 'token', secrets, undefined) };
  return undefined;
}

/** The client of a source; throws (with the reason in words) when a secret or the CA cannot be read. */
export function sourceClient(config: PrometheusSourceConfig, configDir: string, secrets?: SecretReader, given: GivenSecrets = {}): PrometheusClient {
  const auth = sourceAuth(config, configDir, secrets, given);
  const caPem = config.caFile ? readConfigFile(config.caFile, configDir, 'the CA file') : undefined;
  return new PrometheusClient({
    url: config.url,
    auth,
    caPem,
    tenant: config.tenant,
    timeoutMs: config.timeoutMs,
    maxResponseBytes: SOURCE_MAX_RESPONSE_BYTES,
  });
}
