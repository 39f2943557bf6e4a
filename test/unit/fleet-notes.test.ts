import { describe, expect, it } from 'vitest';
import type { NodeState } from '../../shared/model/inventory';
import type { NodeCollector } from '../../electron/core/collectors/node-collector';
import { Fleet } from '../../electron/core/fleet';

const silent = { info: () => {}, warn: () => {}, error: () => {} };

function node(nodeId: string): NodeCollector {
  const state: NodeState = {
    id: nodeId,
    kind: 'ssh',
    status: 'up',
    since: null,
    lastError: null,
    address: null,
    labels: [],
    missing: [],
    hostKey: null,
    passphraseFor: null,
  };
  return { nodeId, prime: async () => {}, collect: async () => null, state: () => state, close: () => {} };
}

describe('notes that parts of the engine put on a node', () => {
  it('are kept by part, shown together, cleared one part at a time, and dropped with the node', () => {
    const fleet = new Fleet(1000, silent);
    fleet.add(node('a'));
    fleet.setStoreNote('a', 'series budget reached');
    fleet.setNote('a', 'kernel-log', 'cannot read the kernel log');
    fleet.setNote('ghost', 'kernel-log', 'a node that is not collected gets no note');
    expect(fleet.states()[0]!.notes).toEqual(['series budget reached', 'cannot read the kernel log']);

    fleet.setNote('a', 'kernel-log', 'cannot read the kernel log: still');
    expect(fleet.states()[0]!.notes).toEqual(['series budget reached', 'cannot read the kernel log: still']);
    fleet.setStoreNote('a', null);
    expect(fleet.states()[0]!.notes).toEqual(['cannot read the kernel log: still']);
    fleet.setNote('a', 'kernel-log', null);
    expect(fleet.states()[0]!.notes).toBeUndefined();

    fleet.setNote('a', 'kernel-log', 'again');
    fleet.remove('a');
    fleet.add(node('a'));
    expect(fleet.states()[0]!.notes).toBeUndefined();
    expect(fleet.states().map((s) => s.id)).toEqual(['a']);
  });
});

describe("a tick's reading budget (what a shared source answer may take)", () => {
  it('is most of the deadline while a tick starts its collectors, and none for a tick that waits for all', async () => {
    const fleet = new Fleet(4000, silent);
    const seen: Array<number | null> = [];
    const reader = node('reader');
    reader.collect = async () => {
      seen.push(fleet.readingBudgetMs());
      return null;
    };
    fleet.add(reader);
    await fleet.tick(1_000);
    await fleet.tick(2_000, true);
    fleet.setDeadlineMs(800);
    await fleet.tick(3_000);
    expect(seen).toEqual([3000, null, 600]);
    // Outside a tick's start it is the normal budget again.
    expect(fleet.readingBudgetMs()).toBe(600);
  });
});
