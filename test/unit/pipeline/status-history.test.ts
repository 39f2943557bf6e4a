// Node and GPU status changes kept in a real SQLite file, once per change, across a restart.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NodeState } from '../../../shared/model/inventory';
import type { NodeSnapshot } from '../../../shared/model/node';
import { InternalBus, type NodeStatusChange } from '../../../electron/core/bus';
import { StatusHistory } from '../../../electron/core/pipeline/status-history-sink';
import { TickPipeline } from '../../../electron/core/pipeline/tick-pipeline';
import { openDatabase } from '../../../electron/core/store/db';
import { NodeEventStore } from '../../../electron/core/store/node-events';
import { gpu, snapshot } from '../../helpers/snapshots';
import { tempDir } from '../../helpers/tmp';

const T0 = 1_767_225_600_000;
const state = (id: string, status: NodeState['status'], lastError: string | null = null): NodeState => ({
  id,
  kind: 'ssh',
  status,
  since: null,
  lastError,
  address: null,
  labels: [],
  missing: [],
  hostKey: null,
  passphraseFor: null,
});
const twoGpus = (t: number, overrides: Partial<NodeSnapshot> = {}) =>
  snapshot(t, { id: 'n1', gpus: [gpu({ index: 0, uuid: 'GPU-a' }), gpu({ index: 1, uuid: 'GPU-b' })], ...overrides });

function open(path: string) {
  const db = openDatabase(path);
  const bus = new InternalBus();
  const heard: NodeStatusChange[] = [];
  bus.on('node:statusChanged', (change) => heard.push(change));
  const store = new NodeEventStore(db);
  const pipeline = new TickPipeline().add(new StatusHistory(store, bus).sink());
  const tick = (atMs: number, states: NodeState[], snapshots: NodeSnapshot[]) => pipeline.run({ atMs, nowMs: atMs, snapshots, states: () => states });
  return { db, store, heard, tick };
}

describe('the status history sink', () => {
  it('records each node and GPU status change once, with its time, and tells the bus', () => {
    const path = join(tempDir(), 'events.db');
    const { db, store, heard, tick } = open(path);
    tick(T0, [state('n1', 'connecting')], []);
    tick(T0 + 5000, [state('n1', 'up')], [twoGpus(T0 + 5000)]);
    tick(T0 + 10_000, [state('n1', 'up')], [twoGpus(T0 + 10_000)]);
    // GPU-b falls off the bus: nvidia-smi still answers, without it.
    tick(T0 + 15_000, [state('n1', 'degraded', 'GPU: 1 GPU')], [twoGpus(T0 + 15_000, { gpus: [gpu({ index: 0, uuid: 'GPU-a' })] })]);
    // A hung nvidia-smi says nothing about which GPUs are there.
    tick(
      T0 + 20_000,
      [state('n1', 'degraded', 'GPU: timeout')],
      [twoGpus(T0 + 20_000, { gpus: [], gpuStatus: { state: 'timeout', message: 'nvidia-smi did not answer', driverVersion: null, cudaVersion: null } })],
    );
    tick(T0 + 25_000, [state('n1', 'unreachable', 'connect ETIMEDOUT')], []);
    const rows = store.list('n1', T0, T0 + 60_000).map(({ atMs, kind, subject, state: s, previous }) => [atMs - T0, kind, subject, s, previous]);
    expect(rows).toEqual([
      [5000, 'node', '', 'up', null],
      [5000, 'gpus', '', 'ok', null],
      [5000, 'gpu', 'GPU-a', 'present', null],
      [5000, 'gpu', 'GPU-b', 'present', null],
      [15_000, 'node', '', 'degraded', 'up'],
      [15_000, 'gpu', 'GPU-b', 'missing', 'present'],
      [20_000, 'gpus', '', 'timeout', 'ok'],
      [25_000, 'node', '', 'unreachable', 'degraded'],
    ]);
    expect(heard).toHaveLength(rows.length);
    expect(store.list('n1', T0, T0 + 60_000).find((c) => c.state === 'unreachable')?.message).toBe('connect ETIMEDOUT');
    db.close();
  });

  it('picks up where it stood after a restart: nothing is recorded twice', () => {
    const path = join(tempDir(), 'events.db');
    const first = open(path);
    first.tick(T0, [state('n1', 'up')], [twoGpus(T0)]);
    first.tick(T0 + 5000, [state('n1', 'unreachable', 'down')], []);
    first.db.close();
    const second = open(path);
    second.tick(T0 + 60_000, [state('n1', 'unreachable', 'down')], []);
    second.tick(T0 + 65_000, [state('n1', 'up')], [twoGpus(T0 + 65_000)]);
    expect(second.heard.map((c) => `${c.kind}:${c.state}`)).toEqual(['node:up']);
    expect(
      second.store
        .list('n1', T0, T0 + 100_000)
        .filter((c) => c.kind === 'node')
        .map((c) => c.state),
    ).toEqual(['up', 'unreachable', 'up']);
    second.db.close();
  });
});

describe('the tick pipeline', () => {
  it('runs every sink in order; one that throws is reported and the next still runs', () => {
    const ran: string[] = [];
    const pipeline = new TickPipeline()
      .add({ name: 'a', write: () => void ran.push('a') })
      .add({
        name: 'broken',
        write: () => {
          throw new Error('disk on fire');
        },
      })
      .add({ name: 'c', write: () => void ran.push('c') });
    const failures = pipeline.run({ atMs: T0, nowMs: T0, snapshots: [], states: () => [] });
    expect(ran).toEqual(['a', 'c']);
    expect(failures.map((f) => [f.sink, f.error.message])).toEqual([['broken', 'disk on fire']]);
  });
});
