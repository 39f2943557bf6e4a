// What the source tests share: an engine on a config file (serve mode, no local node, no
// inventory), an in-memory secret store standing for the OS keychain, a source config, and a
// source on its own without an engine.
import { join } from 'node:path';
import type { PrometheusSourceConfig } from '../../shared/config';
import { createEngine, type Engine } from '../../electron/core/engine';
import { loadConfig } from '../../electron/core/config';
import type { SecretStore } from '../../electron/core/hosts/ssh/credentials';
import type { Logger } from '../../electron/core/log';
import { PrometheusSource, type InstantQuerier, type PrometheusSourceOptions } from '../../electron/core/sources/prometheus-source';
import { tempDir } from './tmp';

export const silent: Logger = { info: () => {}, warn: () => {}, error: () => {} };

export function memorySecrets(): SecretStore & { entries: Map<string, string> } {
  const entries = new Map<string, string>();
  return {
    entries,
    available: true,
    get: (name) => entries.get(name) ?? null,
    set: (name, value) => void entries.set(name, value),
    delete: (name) => void entries.delete(name),
  };
}

/** A source called `prom` at `url`, the schema's defaults but for `timeoutMs`. */
export const sourceConfig = (url: string, extra: Partial<PrometheusSourceConfig> = {}, timeoutMs = 10_000): PrometheusSourceConfig => ({
  id: 'prom',
  kind: 'prometheus',
  url,
  nodeLabel: 'instance',
  timeoutMs,
  ...extra,
});

/** An engine reading `configPath`, with `secrets` as its keychain (none: as serve). */
export function engineWith(configPath: string, secrets: SecretStore | undefined): Engine {
  const dir = tempDir();
  return createEngine({
    config: loadConfig(configPath),
    dbPath: join(dir, 'clusterdeck.db'),
    configPath,
    mode: 'serve',
    log: silent,
    secrets,
    includeLocal: false,
    useInventory: false,
    defaultRulesFile: null,
    knownHostsFile: join(dir, 'known_hosts'),
    userKnownHostsFiles: [],
  });
}

/** A source on its own (no engine) reading through `client`: id `p`, node label `instance`, its nodes added nowhere. */
export function standaloneSource(client: InstantQuerier, extra: Partial<PrometheusSourceOptions> = {}): PrometheusSource {
  return new PrometheusSource({ id: 'p', client, nodeLabel: 'instance', log: silent, alreadyCollected: () => null, addNode: () => {}, ...extra });
}
