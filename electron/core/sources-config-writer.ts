/**
 * Writes a source saved or removed in Settings into config.yaml's `sources:` list the way the
 * settings writer (config-writer.ts) writes the rest: only that entry is touched, so comments,
 * key order and the other sources stay as the user wrote them; the new text is validated before
 * it reaches the disk, and the file is replaced atomically (config-writer.ts's editConfigFile). Never a token or password: the
 * config schema has no field for one.
 */
import { isDeepStrictEqual } from 'node:util';
import { isMap, isNode, isSeq, parseDocument, type YAMLMap } from 'yaml';
import type { Config, PrometheusSourceConfig } from '../../shared/config';
import { ConfigError, parseConfig } from './config';
import { editConfigFile } from './config-writer';

/** Defaults are left out of the file, as a person would (the schema fills them in). */
const DEFAULTS: Partial<Record<keyof PrometheusSourceConfig, unknown>> = { nodeLabel: 'instance', timeoutMs: 10_000 };

/** The entry as written: the given fields in the schema's order, defaults left out. */
function entryOf(source: PrometheusSourceConfig): Record<string, unknown> {
  return Object.fromEntries(Object.entries(source).filter(([key, value]) => value !== undefined && DEFAULTS[key as keyof PrometheusSourceConfig] !== value));
}

/** The config text with the source added, replaced (same id) or, for `remove`, taken out. */
export function applySourceToYaml(text: string, change: { save: PrometheusSourceConfig } | { remove: string }, path = 'config.yaml'): string {
  try {
    parseConfig(text, path);
  } catch (error) {
    throw new ConfigError(path, `${(error as ConfigError).message.slice(path.length + 2)}; fix the file by hand first, it was not changed`);
  }
  const doc = parseDocument(text, { keepSourceTokens: false });
  const id = 'save' in change ? change.save.id : change.remove;
  let list = doc.get('sources', true);
  if (list === undefined || list === null || (!isSeq(list) && 'remove' in change)) {
    if ('remove' in change) throw new ConfigError(path, `has no source called ${id}`);
    doc.set('sources', doc.createNode([]));
    list = doc.get('sources', true);
  }
  if (!isSeq(list)) throw new ConfigError(path, 'has a sources key that is not a list; edit it by hand');
  const index = list.items.findIndex((item) => isMap(item) && item.get('id') === id);
  if ('remove' in change) {
    if (index < 0) throw new ConfigError(path, `has no source called ${id}`);
    list.items.splice(index, 1);
    if (list.items.length === 0) doc.delete('sources');
  } else {
    const entry = entryOf(change.save);
    if (index < 0) {
      list.items.push(doc.createNode(entry));
    } else {
      // The entry's own comments stay: its keys are set and dropped one by one.
      const map = list.items[index] as YAMLMap;
      for (const pair of [...map.items]) {
        const key = String((pair.key as { value?: unknown })?.value ?? pair.key);
        if (!(key in entry)) map.delete(key);
      }
      for (const [key, value] of Object.entries(entry)) {
        // An unchanged value keeps its node, and so its comment.
        const node: unknown = map.get(key, true);
        const current = isNode(node) ? node.toJSON() : node;
        if (!isDeepStrictEqual(current, value)) map.set(key, doc.createNode(value));
      }
    }
  }
  const next = doc.toString();
  let config: Config;
  try {
    config = parseConfig(next, path);
  } catch (error) {
    throw new ConfigError(path, `the change is refused, the file was not changed: ${(error as ConfigError).message.slice(path.length + 2)}`);
  }
  const kept = config.sources.find((s) => s.id === id);
  if ('save' in change ? kept === undefined : kept !== undefined)
    throw new ConfigError(path, 'the change did not take in the file (an alias or merge key?); edit it by hand');
  return next;
}

/** Applies the change to the config file (created when missing, private to the user) and returns the config it now holds. */
export function writeSourceToConfigFile(path: string, change: { save: PrometheusSourceConfig } | { remove: string }): Config {
  return editConfigFile(path, (text) => applySourceToYaml(text, change, path));
}
