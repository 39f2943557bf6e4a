/**
 * The node list (the picker, the node view's fallbacks): 'nodes:list' once at start, then kept
 * current from snapshots. Pure functions, unit-tested.
 */
import type { NodeSnapshot, NodeSummary } from '../../../shared/model/node';

/** A snapshot's entry in the node list, as 'nodes:list' would give it. */
export function summaryOf(snapshot: NodeSnapshot): NodeSummary {
  return { id: snapshot.id, hostname: snapshot.hostname, lastSeenAt: snapshot.collectedAt, gpuCount: snapshot.gpus.length, gpuStatus: snapshot.gpuStatus };
}

const sameGpuStatus = (a: NodeSummary['gpuStatus'], b: NodeSummary['gpuStatus']): boolean =>
  a === b ||
  (a !== null && b !== null && a.state === b.state && a.message === b.message && a.driverVersion === b.driverVersion && a.cudaVersion === b.cudaVersion);

/**
 * Whether `incoming` replaces `known`: a new node, or a newer entry that changes what the list
 * shows (name, GPU count, GPU status). A newer tick alone changes nothing shown, so the list (and
 * the app that holds it) is not rebuilt at every tick.
 */
export function summaryChanged(known: NodeSummary | undefined, incoming: NodeSummary): boolean {
  if (!known) return true;
  if ((incoming.lastSeenAt ?? -Infinity) < (known.lastSeenAt ?? -Infinity)) return false;
  return incoming.hostname !== known.hostname || incoming.gpuCount !== known.gpuCount || !sameGpuStatus(incoming.gpuStatus, known.gpuStatus);
}

/** In the engine's order: by hostname, then id. */
export function sortedSummaries(summaries: Iterable<NodeSummary>): NodeSummary[] {
  return [...summaries].sort((a, b) => a.hostname.localeCompare(b.hostname) || a.id.localeCompare(b.id));
}
