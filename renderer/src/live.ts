/**
 * The one subscription to 'snapshot:collected'. It keeps each node's newest snapshot so a view
 * mounting mid-stream starts from it, and fans snapshots out to charts without React in between.
 */
import type { NodeSnapshot } from '../../shared/model/node';
import { api } from './api';
import { reportError } from './errors';
import { ServerClock } from './staleness';

type SnapshotListener = (snapshot: NodeSnapshot) => void;

const newest = new Map<string, NodeSnapshot>();
const listeners = new Set<SnapshotListener>();

/** Records a snapshot unless an equal or newer one is known; returns whether it was newer. */
export function recordSnapshot(snapshot: NodeSnapshot): boolean {
  const known = newest.get(snapshot.id);
  if (known && known.collectedAt >= snapshot.collectedAt) return false;
  newest.set(snapshot.id, snapshot);
  return true;
}

export function newestSnapshot(nodeId: string): NodeSnapshot | null {
  return newest.get(nodeId) ?? null;
}

/** Every node's newest snapshot known so far (a page mounting mid-stream starts from these). */
export function allNewestSnapshots(): NodeSnapshot[] {
  return [...newest.values()];
}

/** Calls the listener with every newly collected snapshot of every node. */
export function onSnapshot(listener: SnapshotListener): () => void {
  listeners.add(listener);
  return () => {
    listeners.delete(listener);
  };
}

api.on('snapshot:collected', (snapshot) => {
  if (!recordSnapshot(snapshot)) return;
  for (const listener of [...listeners]) {
    // One failing chart must not stop the others from updating.
    try {
      listener(snapshot);
    } catch (error) {
      reportError('snapshot listener failed', error);
    }
  }
});

/** The engine's clock, learnt from its tick events: what the age of every value is measured against. */
export const serverClock = new ServerClock();

api.on('engine:statusChanged', (status) => serverClock.observeTick(status.lastTickAt, status.lastTickDurationMs, Date.now()));
