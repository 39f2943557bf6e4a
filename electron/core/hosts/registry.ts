/**
 * Node id -> Host, for features other than collection (audits, failure detectors): they reach a
 * node's connection through here without owning it. The collector that owns a node's connection
 * exposes it as `host`; the registry looks it up in the set of collected nodes each time, so it
 * follows nodes as they are added and removed and never holds a closed connection.
 */
import type { Host } from './host';

/** Where the nodes are: the engine's fleet (kept structural: hosts/ depends on nothing above it). */
export interface NodeSource {
  ids(): string[];
  collector(nodeId: string): unknown;
}

export interface HostRegistry {
  /** The node's Host, or undefined for an unknown node or one collected without a Host. */
  get(nodeId: string): Host | undefined;
  /** Every node that has a Host. */
  ids(): string[];
}

function hostOf(collector: unknown): Host | undefined {
  const host = (collector as { host?: unknown } | undefined)?.host;
  return typeof host === 'object' && host !== null && typeof (host as Host).batch === 'function' ? (host as Host) : undefined;
}

/** Built once by the composition root over the collected nodes. */
export function hostRegistry(nodes: NodeSource): HostRegistry {
  return {
    get: (nodeId) => hostOf(nodes.collector(nodeId)),
    ids: () => nodes.ids().filter((id) => hostOf(nodes.collector(id)) !== undefined),
  };
}
