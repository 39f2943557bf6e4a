// What failure detection remembers between ticks to stay cheap at 1,000 GPUs must never go stale:
// the normalised PCI id cache past its bound, the baseline list when a GPU comes or goes, a GPU's
// baseline entry when its slot or name changes under the same UUID, memory counters reused.
import { describe, expect, it } from 'vitest';
import { detectGpuMemoryHealth } from '../../../electron/core/failures/detectors/gpu-memory-health';
import { FailureDetection } from '../../../electron/core/failures/failure-detection';
import { GpuBaselineStore } from '../../../electron/core/failures/gpu-baseline-store';
import { MAX_CACHED_PCI_IDS, normalisePciId } from '../../../electron/core/failures/xid';
import { openDatabase } from '../../../electron/core/store/db';
import type { Gpu } from '../../../shared/model/gpu';
import { captureGpus, gpuSnapshot, nodeState, withSlot } from './failure-fixtures';

const T = Date.UTC(2025, 1, 23, 16, 0, 0);
const NODE = 'gpu-07';
const [a5000] = captureGpus('2x-rtx-a5000-drv590-v13.xml') as [Gpu, Gpu];
const A = withSlot(a5000, 0, '00000000:04:00.0', 'GPU-0000aaaa-0000-0000-0000-000000000000');
const B = withSlot(a5000, 1, '00000000:05:00.0', 'GPU-1111aaaa-0000-0000-0000-000000000000');
const C = withSlot(a5000, 2, '00000000:06:00.0', 'GPU-2222aaaa-0000-0000-0000-000000000000');
const up = nodeState(NODE, 'up');

const tick = (detection: FailureDetection, t: number, gpus: Gpu[]) => detection.detect({ atMs: t, snapshots: [gpuSnapshot(NODE, t, gpus)], states: [up] });

describe('failure detection caches', () => {
  it('normalises PCI ids the same before and after its cache starts over', () => {
    const first = ['0000:9b:00', 'PCI:0000:06:00', 'not a pci id'].map(normalisePciId);
    expect(first).toEqual(['00000000:9B:00.0', '00000000:06:00.0', null]);
    for (let i = 0; i <= MAX_CACHED_PCI_IDS; i += 1) {
      const bus = (i % 256).toString(16).padStart(2, '0');
      const domain = Math.floor(i / 256)
        .toString(16)
        .padStart(4, '0');
      expect(normalisePciId(`${domain}:${bus}:00`)).toBe(`0000${domain.toUpperCase()}:${bus.toUpperCase()}:00.0`);
    }
    expect(['0000:9b:00', 'PCI:0000:06:00', 'not a pci id'].map(normalisePciId)).toEqual(first);
  });

  it('misses a GPU that joined the baseline after many unchanged ticks', () => {
    const db = openDatabase(':memory:');
    const detection = new FailureDetection({ db });
    for (let i = 0; i < 3; i += 1) expect(tick(detection, T + i * 5000, [A, B]).signals).toEqual([]);
    expect(tick(detection, T + 15_000, [A, B, C]).signals).toEqual([]);
    const gone = tick(detection, T + 20_000, [A, B]);
    expect(gone.signals.map((s) => [s.detector, s.subject, s.labels.present, s.labels.expected])).toEqual([
      ['gpu-fallen-off-bus', '00000000:06:00.0', '2', '3'],
    ]);
    db.close();
  });

  it('saves at once what changed about a GPU seen again (its name, its index, its PCI id), keeping when it was first seen', () => {
    const db = openDatabase(':memory:');
    const detection = new FailureDetection({ db });
    const saved = () => new GpuBaselineStore(db).list(NODE).map((g) => [g.key, g.pciBusId, g.index, g.name, g.firstSeenMs, g.lastSeenMs]);
    tick(detection, T, [A]);
    tick(detection, T + 5000, [A]);
    const renamed = { ...A, productName: 'Renamed GPU' };
    tick(detection, T + 10_000, [renamed]);
    expect(saved()).toEqual([[A.uuid, '00000000:04:00.0', 0, 'Renamed GPU', T, T + 10_000]]);
    const reindexed = { ...renamed, index: 3 };
    tick(detection, T + 15_000, [reindexed]);
    expect(saved()).toEqual([[A.uuid, '00000000:04:00.0', 3, 'Renamed GPU', T, T + 15_000]]);
    tick(detection, T + 20_000, [{ ...reindexed, pciBusId: '00000000:09:00.0' }]);
    expect(saved()).toEqual([[A.uuid, '00000000:09:00.0', 3, 'Renamed GPU', T, T + 20_000]]);
    db.close();
  });

  it('keeps memory counters a reading leaves out and still sees the next rise', () => {
    const read = (uncorrected: number | null): Gpu => ({
      ...A,
      eccErrors: uncorrected === null ? null : { volatile: { corrected: 0, uncorrected }, aggregate: null },
    });
    const first = detectGpuMemoryHealth(NODE, T, gpuSnapshot(NODE, T, [read(2)]), new Map());
    const same = detectGpuMemoryHealth(NODE, T + 5000, gpuSnapshot(NODE, T + 5000, [read(2)]), first.next);
    const unread = detectGpuMemoryHealth(NODE, T + 10_000, gpuSnapshot(NODE, T + 10_000, [read(null)]), same.next);
    expect([same.signals, unread.signals]).toEqual([[], []]);
    expect(unread.next.get(A.uuid!)?.volatileUncorrected).toBe(2);
    const rose = detectGpuMemoryHealth(NODE, T + 15_000, gpuSnapshot(NODE, T + 15_000, [read(5)]), unread.next);
    expect(rose.signals.map((s) => [s.detector, s.value])).toEqual([['gpu-ecc-uncorrected', 5]]);
  });

  it('forgets the memory counters of GPUs no longer listed, and keeps them for GPUs listed in another order', () => {
    const ecc = (gpu: Gpu, uncorrected: number): Gpu => ({ ...gpu, eccErrors: { volatile: { corrected: 0, uncorrected }, aggregate: null } });
    const both = detectGpuMemoryHealth(NODE, T, gpuSnapshot(NODE, T, [ecc(A, 1), ecc(B, 2)]), new Map());
    const swapped = detectGpuMemoryHealth(NODE, T + 5000, gpuSnapshot(NODE, T + 5000, [ecc(B, 2), ecc(A, 1)]), both.next);
    expect([...swapped.next].map(([key, c]) => [key, c.volatileUncorrected])).toEqual([
      [B.uuid, 2],
      [A.uuid, 1],
    ]);
    const onlyB = detectGpuMemoryHealth(NODE, T + 10_000, gpuSnapshot(NODE, T + 10_000, [ecc(B, 2)]), swapped.next);
    expect([...onlyB.next.keys()]).toEqual([B.uuid]);
    const none = detectGpuMemoryHealth(NODE, T + 15_000, gpuSnapshot(NODE, T + 15_000, []), onlyB.next);
    expect(none.next.size).toBe(0);
    // A listed again starts over: its first reading is not a rise.
    expect(detectGpuMemoryHealth(NODE, T + 20_000, gpuSnapshot(NODE, T + 20_000, [ecc(A, 9)]), none.next).signals).toEqual([]);
  });
});
