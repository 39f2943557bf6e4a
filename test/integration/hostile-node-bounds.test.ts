// A node that invents devices every tick (2,000 new mount points and interfaces a tick, as seen
// in the security review) through the real per-tick parse path (LinuxNodeBuilder over framed
// script output), the real engine and a real SQLite file: devices, series and snapshot sizes stay
// bounded, and the cut is reported as a node note, once in the log.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigSchema } from '../../shared/config';
import { MAX_NEW_SERIES_PER_NODE_PER_HOUR, NODE_LIMITS } from '../../shared/model/limits';
import type { NodeState } from '../../shared/model/inventory';
import { NodeSnapshotSchema, type NodeSnapshot } from '../../shared/model/node';
import { LinuxNodeBuilder } from '../../electron/core/collectors/linux/node-builder';
import { parseStaticFacts } from '../../electron/core/collectors/linux/static-facts';
import type { NodeCollector } from '../../electron/core/collectors/node-collector';
import { createEngine } from '../../electron/core/engine';
import type { Logger } from '../../electron/core/log';
import { openDatabase } from '../../electron/core/store/db';
import { readFixture } from '../helpers/fixtures';
import { tempDir } from '../helpers/tmp';
import { framed, staticOutput } from '../unit/collectors/linux/framing';

const NEW_DEVICES_PER_TICK = 2_000;

/** The per-tick script's output of a node whose mounts and interfaces are all new each tick. */
function floodingOutput(tick: number): string {
  const mounts = Array.from({ length: NEW_DEVICES_PER_TICK }, (_, i) => `/dev/loop${i} ext4 1000 500 500 50% /mnt/t${tick}-${i}`).join('\n');
  const inodes = Array.from({ length: NEW_DEVICES_PER_TICK }, (_, i) => `/dev/loop${i} ext4 1000 5 995 1% /mnt/t${tick}-${i}`).join('\n');
  const ifaces = Array.from({ length: NEW_DEVICES_PER_TICK }, (_, i) => `v${tick}x${i}: ${i} 2 0 0 0 0 0 0 ${i} 4 0 0 0 0 0 0`).join('\n');
  return framed([
    ['boot-id', 'aaaaaaaa-0000-4000-8000-000000000001\n'],
    ['proc-uptime', `${1000 + tick * 5}.00 3000.00\n`],
    ['proc-stat', readFixture('linux', 'proc-stat.node-exporter.txt')],
    ['proc-loadavg', readFixture('linux', 'proc-loadavg.node-exporter.txt')],
    ['proc-meminfo', readFixture('linux', 'proc-meminfo.jc.txt')],
    [
      'proc-net-dev',
      `Inter-|   Receive |  Transmit\n face |bytes packets errs drop fifo frame compressed multicast|bytes packets errs drop fifo colls carrier compressed\n${ifaces}\n`,
    ],
    ['df-size', `Filesystem Type 1024-blocks Used Available Capacity Mounted on\n${mounts}\n`],
    ['df-inodes', `Filesystem Type Inodes IUsed IFree IUse% Mounted on\n${inodes}\n`],
  ]);
}

/** A node collector over the real builder, fed the flooding output instead of an SSH exec. */
class FloodingNode implements NodeCollector {
  readonly nodeId = 'flood';
  private readonly builder = new LinuxNodeBuilder('flood', parseStaticFacts(staticOutput()));
  private tick = 0;
  async prime(): Promise<void> {}
  async collect(collectedAt: number): Promise<NodeSnapshot> {
    this.tick += 1;
    const stdout = floodingOutput(this.tick);
    return this.builder.build({ exitCode: 0, stdout, timedOut: false, truncated: false }, collectedAt).snapshot;
  }
  state(): NodeState {
    return {
      id: this.nodeId,
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
  }
  close(): void {}
}

describe('a node that invents devices every tick', () => {
  it('is cut to the node bounds, its new series to the hourly budget, and the cut is a node note logged once', async () => {
    const dir = tempDir('cd-flood-');
    const dbPath = join(dir, 'flood.db');
    const warnings: string[] = [];
    const log: Logger = { info: () => {}, warn: (message) => warnings.push(message), error: () => {} };
    const engine = createEngine({
      config: ConfigSchema.parse({ collection: { intervalMs: 5000 } }),
      dbPath,
      configPath: '/nonexistent.yaml',
      mode: 'serve',
      log,
      collectors: [new FloodingNode()],
    });
    const events: NodeSnapshot[] = [];
    engine.events.on('snapshot:collected', (snapshot) => events.push(snapshot));
    try {
      for (let tick = 0; tick < 6; tick += 1) await engine.collectOnce();
      expect(events).toHaveLength(6);
      for (const snapshot of events) {
        expect(snapshot.filesystems).toHaveLength(NODE_LIMITS.filesystems);
        expect(snapshot.network).toHaveLength(NODE_LIMITS.interfaces);
        // What goes to every client stays what the schema allows.
        expect(NodeSnapshotSchema.safeParse(snapshot).success).toBe(true);
        expect(JSON.stringify(snapshot).length).toBeLessThan(250_000);
      }
      const state = engine.nodeStates()[0]!;
      expect(state.notes).toEqual(
        expect.arrayContaining([
          'filesystems: more than 512 listed; only the first 512 are kept',
          'network interfaces: more than 256 listed; only the first 256 are kept',
          expect.stringMatching(/^series: more than 2,000 new series in an hour; new devices are not recorded until \d\d:\d\d UTC$/),
        ]),
      );
      // Logged once per kind, not every tick.
      expect(warnings.filter((w) => w.includes('filesystems: more than'))).toHaveLength(1);
      expect(warnings.filter((w) => w.includes('network interfaces: more than'))).toHaveLength(1);
    } finally {
      engine.close();
    }
    // The store holds the budget's worth of series for the node, not 6 x 2,000 x several metrics.
    const db = openDatabase(dbPath);
    try {
      const { count } = db.prepare("SELECT count(*) AS count FROM series WHERE node_id = 'flood'").get() as { count: number };
      expect(count).toBeLessThanOrEqual(MAX_NEW_SERIES_PER_NODE_PER_HOUR + 50);
      expect(count).toBeGreaterThan(1000);
    } finally {
      db.close();
    }
  });
});
