/**
 * Node and GPU status changes, kept with their time (node_events) and told on the internal bus:
 * a node's status (up, unreachable, host-key-mismatch...), its GPU status (ok, timeout, driver
 * not loaded...), and each GPU by UUID (present, or missing from a listing that otherwise worked:
 * a GPU fallen off the bus). Where the history stood is read back at start, so a restart records
 * no change that did not happen.
 */
import type { NodeSnapshot } from '../../../shared/model/node';
import type { InternalBus, NodeStatusChange } from '../bus';
import type { NodeEventStore } from '../store/node-events';
import type { TickSink } from './tick-pipeline';

const key = (nodeId: string, kind: string, subject: string) => `${nodeId}\u0000${kind}\u0000${subject}`;

export class StatusHistory {
  private readonly last = new Map<string, string>();
  /** Per node, the GPUs last seen present: what a listing that worked is compared with. */
  private readonly present = new Map<string, Set<string>>();

  constructor(
    private readonly store: NodeEventStore,
    private readonly bus: InternalBus,
  ) {
    for (const change of store.lastStates()) {
      this.last.set(key(change.nodeId, change.kind, change.subject), change.state);
      if (change.kind === 'gpu' && change.state === 'present') this.presentOn(change.nodeId).add(change.subject);
    }
  }

  private presentOn(nodeId: string): Set<string> {
    let set = this.present.get(nodeId);
    if (!set) this.present.set(nodeId, (set = new Set()));
    return set;
  }

  private see(
    changes: NodeStatusChange[],
    nodeId: string,
    atMs: number,
    kind: NodeStatusChange['kind'],
    subject: string,
    state: string,
    message: string | null,
  ): void {
    const k = key(nodeId, kind, subject);
    const previous = this.last.get(k) ?? null;
    if (previous === state) return;
    this.last.set(k, state);
    changes.push({ nodeId, atMs, kind, subject, state, previous, message });
  }

  private gpus(changes: NodeStatusChange[], snapshot: NodeSnapshot, atMs: number): void {
    const { id, gpuStatus } = snapshot;
    this.see(changes, id, atMs, 'gpus', '', gpuStatus.state, gpuStatus.state === 'ok' ? null : gpuStatus.message);
    // Only a listing that worked says anything about which GPUs are there.
    if (gpuStatus.state !== 'ok') return;
    const present = this.presentOn(id);
    const listed = new Set<string>();
    for (const gpu of snapshot.gpus) {
      const subject = gpu.uuid ?? `index:${gpu.index}`;
      listed.add(subject);
      this.see(changes, id, atMs, 'gpu', subject, 'present', null);
    }
    for (const subject of present) {
      if (!listed.has(subject)) this.see(changes, id, atMs, 'gpu', subject, 'missing', 'no longer listed by nvidia-smi (fallen off the bus?)');
    }
    present.clear();
    for (const subject of listed) present.add(subject);
  }

  sink(): TickSink {
    return {
      name: 'status-history',
      write: (tick) => {
        const changes: NodeStatusChange[] = [];
        for (const state of tick.states()) {
          // 'connecting' is how every node starts: not a change worth a row.
          if (state.status === 'connecting') continue;
          this.see(changes, state.id, tick.atMs, 'node', '', state.status, state.status === 'up' ? null : state.lastError);
        }
        for (const snapshot of tick.snapshots) this.gpus(changes, snapshot, tick.atMs);
        this.store.record(changes);
        for (const change of changes) this.bus.emit('node:statusChanged', change);
      },
    };
  }
}
