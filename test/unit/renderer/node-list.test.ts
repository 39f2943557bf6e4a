import { describe, expect, it } from 'vitest';
import { sortedSummaries, summaryChanged, summaryOf } from '../../../renderer/src/fleet/nodeList';
import type { NodeSummary } from '../../../shared/model/node';
import { gpu, snapshot } from '../../helpers/snapshots';

const entry = (id: string, overrides: Partial<NodeSummary> = {}): NodeSummary => ({
  id,
  hostname: id,
  lastSeenAt: 1000,
  gpuCount: 0,
  gpuStatus: null,
  ...overrides,
});

describe('the node list kept by snapshots', () => {
  it('makes the entry nodes:list would give from a snapshot', () => {
    const snap = snapshot(5000, { id: 'gpu-a', hostname: 'alpha', gpus: [gpu({ index: 0 }), gpu({ index: 1 })] });
    expect(summaryOf(snap)).toEqual({ id: 'gpu-a', hostname: 'alpha', lastSeenAt: 5000, gpuCount: 2, gpuStatus: snap.gpuStatus });
  });

  it('takes a new node, and a newer entry only when it changes what the list shows', () => {
    const ok = { state: 'ok', message: '', driverVersion: '590.1', cudaVersion: '13.0' } as const;
    const known = entry('a', { gpuCount: 2, gpuStatus: ok });
    expect(summaryChanged(undefined, known)).toBe(true);
    // A later tick with the same name, GPUs and status changes nothing shown.
    expect(summaryChanged(known, { ...known, lastSeenAt: 6000, gpuStatus: { ...ok } })).toBe(false);
    expect(summaryChanged(known, { ...known, lastSeenAt: 6000, hostname: 'alpha' })).toBe(true);
    expect(summaryChanged(known, { ...known, lastSeenAt: 6000, gpuCount: 1 })).toBe(true);
    expect(summaryChanged(known, { ...known, lastSeenAt: 6000, gpuStatus: { ...ok, state: 'timeout', message: 'nvidia-smi timed out' } })).toBe(true);
    // An older entry (a slow 'nodes:list' answer after live snapshots) never replaces a newer one.
    expect(summaryChanged(known, { ...known, lastSeenAt: 500, hostname: 'old-name' })).toBe(false);
  });

  it('lists the nodes in the engine order: by hostname, then id', () => {
    const list = sortedSummaries([entry('z', { hostname: 'beta' }), entry('b', { hostname: 'alpha' }), entry('a', { hostname: 'alpha' })]);
    expect(list.map((s) => s.id)).toEqual(['a', 'b', 'z']);
  });
});
