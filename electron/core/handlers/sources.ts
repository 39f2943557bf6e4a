/**
 * Prometheus-compatible sources in Settings: listed with their health, saved into config.yaml
 * (comments kept) and applied without a restart, removed with their kept secret and nodes, and
 * tried without saving. A token or password typed in Settings goes to the OS keychain (the
 * SecretStore), never into the file, an answer or the log; where no keychain exists (serve, the
 * CLI) secrets are files named in the config.
 */
import { realpathSync } from 'node:fs';
import { dirname, isAbsolute, relative } from 'node:path';
import type { CallHandlers } from '../../../shared/contract';
import type { PrometheusSourceConfig } from '../../../shared/config';
import { ContractError } from '../../../shared/dispatch';
import { PrometheusSourceConfigSchema, sourceSecretName, type SourceInfo, type SourceSecretState } from '../../../shared/model/sources';
import { ConfigError } from '../config';
import { writeSourceToConfigFile } from '../sources-config-writer';
import { sameOrigin, secretFilePath, sourcesNaming, urlOrigin } from '../sources/secret-origin';
import type { EngineContext } from './context';

type SourceCalls = 'sources:list' | 'sources:save' | 'sources:remove' | 'sources:test';

const NO_KEYCHAIN =
  'no OS keychain here (serve and the CLI keep no secrets): put the token in a file and give bearerTokenFile, or the password in a file and give basic.passwordFile';

export function secretState(config: PrometheusSourceConfig): SourceSecretState {
  const kind = config.basic ? 'basic' : config.bearerTokenFile || config.secret === 'keychain' ? 'bearer' : 'none';
  const keptIn = config.secret === 'keychain' ? 'keychain' : config.bearerTokenFile || config.basic?.passwordFile ? 'file' : null;
  return { kind, keptIn };
}

/** The config to write: a typed token or password means `secret: keychain` and no file for it. */
function withTypedSecret(source: PrometheusSourceConfig, token: string | undefined, password: string | undefined): PrometheusSourceConfig {
  if (token !== undefined && password !== undefined) throw new ContractError('bad-request', 'token: give a token (bearer) or a password (basic), not both');
  if (token !== undefined) {
    if (source.basic) throw new ContractError('bad-request', 'token: a token is for bearer auth; basic auth takes a password');
    return { ...source, bearerTokenFile: undefined, secret: 'keychain' };
  }
  if (password !== undefined) {
    if (!source.basic) throw new ContractError('bad-request', 'password: a password is for basic auth (give basic.username)');
    return { ...source, basic: { username: source.basic.username }, secret: 'keychain' };
  }
  return source;
}

function validated(source: PrometheusSourceConfig): PrometheusSourceConfig {
  const parsed = PrometheusSourceConfigSchema.safeParse(source);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ContractError('bad-request', `${issue.path.join('.') || 'source'}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * A secret file named from Settings: its content is sent to the source's URL, so a caller of
 * serve must not be able to send any file the engine can read to a server of their choosing.
 * A file the config already names (written by someone with access to config.yaml) is sent only
 * to the origin a source there names it for (secret-origin.ts); any other must lie in the config
 * folder (links followed).
 */
function checkSecretFiles(ctx: EngineContext, source: PrometheusSourceConfig): void {
  const configDir = dirname(ctx.app.configPath);
  const sources = ctx.config().sources;
  const before = sources.find((s) => s.id === source.id);
  const files: Array<[string, string | undefined, string | undefined]> = [
    ['bearerTokenFile', source.bearerTokenFile, before?.bearerTokenFile],
    ['basic.passwordFile', source.basic?.passwordFile, before?.basic?.passwordFile],
  ];
  for (const [field, path, kept] of files) {
    if (path === undefined) continue;
    // The same file for the same origin: as config.yaml has it (even while the file is missing).
    if (path === kept && before && sameOrigin(before.url, source.url)) continue;
    let real: string;
    let dir: string;
    try {
      dir = realpathSync(configDir);
      real = secretFilePath(path, configDir);
    } catch (error) {
      throw new ContractError('bad-request', `${field}: ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    const naming = sourcesNaming(real, sources, configDir);
    const origin = urlOrigin(source.url);
    if (naming.some((n) => n.origin === origin)) continue;
    const other = naming[0];
    if (other) {
      throw new ContractError(
        'bad-request',
        `${field}: ${path} holds the secret of source ${other.id} at ${other.origin}, and a kept secret is only sent to the origin it was given for, not ${origin}: to send it there, name the file for this source in ${ctx.app.configPath}`,
      );
    }
    const inside = relative(dir, real);
    if (inside === '' || inside.startsWith('..') || isAbsolute(inside)) {
      throw new ContractError(
        'bad-request',
        `${field}: a secret file named from Settings must be in the config folder ${configDir} (its content is sent to the source)`,
      );
    }
  }
}

/**
 * A secret kept in the keychain is used only for the source it was kept for, at the origin it was
 * given for: a source moved to another origin, or a keychain entry no configured source stands
 * for (config.yaml edited by hand), needs the secret typed again.
 */
function checkKeptSecret(ctx: EngineContext, source: PrometheusSourceConfig, typed: string | undefined): void {
  if (source.secret !== 'keychain' || typed !== undefined) return;
  const what = source.basic ? 'password' : 'token';
  const before = ctx.config().sources.find((s) => s.id === source.id);
  if (before?.secret !== 'keychain' || Boolean(before.basic) !== Boolean(source.basic)) {
    throw new ContractError('bad-request', `${what}: none is kept for source ${source.id} yet: enter it`);
  }
  if (!sameOrigin(before.url, source.url)) {
    throw new ContractError(
      'bad-request',
      `${what}: the URL's origin changed from ${urlOrigin(before.url)} to ${urlOrigin(source.url)}: enter the ${what} again (a kept ${what} is only sent to the origin it was given for)`,
    );
  }
}

function writeConfig(ctx: EngineContext, change: Parameters<typeof writeSourceToConfigFile>[1]) {
  try {
    return writeSourceToConfigFile(ctx.app.configPath, change);
  } catch (error) {
    if (error instanceof ConfigError) {
      const missing = 'remove' in change && /has no source called/.test(error.message);
      throw new ContractError(missing ? 'not-found' : 'bad-request', error.message);
    }
    throw error;
  }
}

export function sourceHandlers(ctx: EngineContext): Pick<CallHandlers, SourceCalls> {
  const info = (config: PrometheusSourceConfig): SourceInfo => ({ config, secret: secretState(config), health: ctx.sources.health(config.id) });

  return {
    'sources:list': async () => ctx.config().sources.map(info),

    'sources:save': async ({ source, token, password }) => {
      const config = validated(withTypedSecret(source, token, password));
      checkSecretFiles(ctx, config);
      const typed = token ?? password;
      const what = config.basic ? 'password' : 'token';
      if (config.secret === 'keychain') {
        if (!ctx.secrets.available) throw new ContractError('unavailable', NO_KEYCHAIN);
        checkKeptSecret(ctx, config, typed);
        if (typed === undefined && ctx.secrets.get(sourceSecretName(config.id, what)) === null) {
          throw new ContractError('bad-request', `${what}: none is kept for source ${config.id} yet: enter it`);
        }
      }
      // The secret first, so that the file never names a keychain entry that is not there; put back if the file refuses the change.
      const name = sourceSecretName(config.id, what);
      const before = ctx.secrets.available ? ctx.secrets.get(name) : null;
      if (typed !== undefined) ctx.secrets.set(name, typed);
      let next;
      try {
        next = writeConfig(ctx, { save: config });
      } catch (error) {
        if (typed !== undefined) {
          if (before === null) ctx.secrets.delete(name);
          else ctx.secrets.set(name, before);
        }
        throw error;
      }
      // A secret the source no longer uses is not kept.
      if (ctx.secrets.available) {
        for (const unused of ['token', 'password'] as const) {
          if (config.secret !== 'keychain' || unused !== what) ctx.secrets.delete(sourceSecretName(config.id, unused));
        }
      }
      ctx.applyConfig(next);
      if (typed !== undefined) ctx.sources.apply(next.sources, { restart: [config.id] });
      ctx.log.info(`source ${config.id} saved in ${ctx.app.configPath}${typed !== undefined ? ` (its ${what} kept in the OS keychain)` : ''}`);
      return info(next.sources.find((s) => s.id === config.id) ?? config);
    },

    'sources:remove': async ({ id }) => {
      const next = writeConfig(ctx, { remove: id });
      if (ctx.secrets.available) for (const what of ['token', 'password'] as const) ctx.secrets.delete(sourceSecretName(id, what));
      ctx.applyConfig(next);
      ctx.log.info(`source ${id} removed from ${ctx.app.configPath}`);
      return { removed: true as const };
    },

    'sources:test': async ({ source, token, password }) => {
      const config = validated(withTypedSecret(source, token, password));
      checkSecretFiles(ctx, config);
      if (config.secret === 'keychain' && token === undefined && password === undefined && !ctx.secrets.available) {
        throw new ContractError('unavailable', NO_KEYCHAIN);
      }
      checkKeptSecret(ctx, config, token ?? password);
      return ctx.sources.test(config, { token, password });
    },
  };
}
