import { describe, expect, it } from 'vitest';
import { boundSnapshot } from '../../../electron/core/collectors/bounds';
import { NODE_LIMITS } from '../../../shared/model/limits';
import { NodeSnapshotSchema } from '../../../shared/model/node';
import { gpu, snapshot } from '../../helpers/snapshots';

const fs = (i: number) => ({
  mount: `/m${i}`,
  device: `/dev/d${i}`,
  fsType: 'ext4',
  sizeBytes: 1,
  usedBytes: 0,
  availableBytes: 1,
  usedPct: 0,
  inodesTotal: null,
  inodesUsed: null,
});

describe('the node bounds', () => {
  it('are part of the snapshot schema: more devices or longer names than allowed do not validate', () => {
    const base = snapshot(1_700_000_000_000);
    expect(NodeSnapshotSchema.safeParse(base).success).toBe(true);
    expect(NodeSnapshotSchema.safeParse({ ...base, filesystems: Array.from({ length: NODE_LIMITS.filesystems + 1 }, (_, i) => fs(i)) }).success).toBe(false);
    expect(NodeSnapshotSchema.safeParse({ ...base, gpus: Array.from({ length: NODE_LIMITS.gpus + 1 }, (_, i) => gpu({ index: i })) }).success).toBe(false);
    expect(NodeSnapshotSchema.safeParse({ ...base, hostname: 'h'.repeat(NODE_LIMITS.text + 1) }).success).toBe(false);
    expect(NodeSnapshotSchema.safeParse({ ...base, gpus: [gpu({ productName: 'x'.repeat(100_000) })] }).success).toBe(false);
  });

  it('cut what a node sends to them and say what was cut', () => {
    const base = snapshot(1_700_000_000_000);
    const input = {
      ...base,
      hostname: 'h'.repeat(10_000),
      filesystems: Array.from({ length: 2000 }, (_, i) => ({ ...fs(i), mount: `/${'m'.repeat(5000)}${i}` })),
      gpus: Array.from({ length: 100 }, (_, i) =>
        gpu({ index: i, productName: '\u001b]0;evil\u0007'.repeat(1000), clockEventReasonsActive: Array.from({ length: 500 }, () => 'x') }),
      ),
    };
    const { snapshot: bounded, cuts } = boundSnapshot(input);
    expect(bounded.filesystems).toHaveLength(NODE_LIMITS.filesystems);
    expect(bounded.gpus).toHaveLength(NODE_LIMITS.gpus);
    expect(bounded.hostname).toHaveLength(NODE_LIMITS.text);
    expect(bounded.filesystems[0]!.mount).toHaveLength(NODE_LIMITS.path);
    expect(bounded.gpus[0]!.productName!.length).toBe(NODE_LIMITS.text);
    expect(bounded.gpus[0]!.clockEventReasonsActive).toHaveLength(64);
    // The input is left as it was.
    expect(input.gpus[0]!.productName).toHaveLength(9000);
    expect(input.gpus[0]!.clockEventReasonsActive).toHaveLength(500);
    expect(NodeSnapshotSchema.safeParse(bounded).success).toBe(true);
    expect(cuts).toEqual(['filesystems: more than 512 listed; only the first 512 are kept', 'GPUs: more than 64 listed; only the first 64 are kept']);
  });

  it('leave a sane snapshot as it is', () => {
    const base = snapshot(1_700_000_000_000);
    const { snapshot: bounded, cuts } = boundSnapshot(base);
    expect(bounded).toEqual(base);
    expect(cuts).toEqual([]);
    // A GPU record within its bounds is not copied (every GPU of every node, every tick).
    expect(base.gpus.length).toBeGreaterThan(0);
    bounded.gpus.forEach((g, i) => expect(g).toBe(base.gpus[i]));
  });
});
