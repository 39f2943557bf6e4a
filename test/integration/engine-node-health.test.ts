// Engine health is kept apart from node health: a node that cannot be reached does not make the
// engine "degraded"; the status counts and names the troubled nodes instead. Real parts: this
// machine as a node, and an SSH node on a 127.0.0.1 port nothing listens on.
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/core/engine';
import { nodeHealth } from '../../electron/core/fleet';
import { silentLogger } from '../../electron/core/log';
import { DEFAULT_CONFIG } from '../../shared/config';
import { EngineStatusSchema, LISTED_TROUBLED_NODES } from '../../shared/contract';
import type { NodeState, SshNode } from '../../shared/model/inventory';
import { tempDir } from '../helpers/tmp';

/** A port that was free a moment ago: connections to it are refused. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const sshNode = (id: string, port: number): SshNode => ({
  id,
  host: '127.0.0.1',
  port,
  user: 'nobody',
  identityFiles: [],
  useAgent: false,
  proxyJump: [],
  labels: [],
});

let engine: Engine | null = null;
afterEach(() => {
  engine?.close();
  engine = null;
});

describe('engine status', () => {
  it('stays running while a node is down, and counts and names the node apart', async () => {
    const dir = tempDir();
    const port = await closedPort();
    engine = createEngine({
      config: DEFAULT_CONFIG,
      dbPath: join(dir, 'health.db'),
      configPath: join(dir, 'config.yaml'),
      mode: 'serve',
      log: silentLogger,
      knownHostsFile: join(dir, 'known_hosts'),
      userKnownHostsFiles: [],
      useInventory: false,
      sshNodes: [sshNode('gone', port)],
    });
    await engine.collectOnce();
    const states = engine.nodeStates();
    expect(states.find((s) => s.id === 'gone')?.status).toBe('unreachable');
    const status = EngineStatusSchema.parse(await engine.handlers['engine:status']({}));
    expect(status.state).toBe('running');
    expect(status.lastError).toBeNull();
    const troubled = states.filter((s) => s.status !== 'up');
    expect(status.nodes).toEqual({
      total: 2,
      troubled: troubled.length,
      nodes: expect.arrayContaining([{ id: 'gone', status: 'unreachable', lastError: expect.any(String) }]),
    });
  });
});

describe('node health', () => {
  const state = (id: string, status: NodeState['status'], lastError: string | null = null): NodeState => ({
    id,
    kind: 'ssh',
    status,
    since: 0,
    lastError,
    address: null,
    labels: [],
    missing: [],
    hostKey: null,
    passphraseFor: null,
  });

  it('lists troubled nodes worst first, leaves connecting and up nodes out, and caps the list', () => {
    const health = nodeHealth([
      state('b', 'degraded', 'GPU: timeout'),
      state('a', 'up'),
      state('d', 'unreachable', 'timed out'),
      state('c', 'connecting'),
      state('e', 'host-key-mismatch'),
    ]);
    expect(health).toEqual({
      total: 5,
      troubled: 3,
      nodes: [
        { id: 'e', status: 'host-key-mismatch', lastError: null },
        { id: 'd', status: 'unreachable', lastError: 'timed out' },
        { id: 'b', status: 'degraded', lastError: 'GPU: timeout' },
      ],
    });
    const many = nodeHealth(Array.from({ length: 50 }, (_, i) => state(`n${String(i).padStart(2, '0')}`, 'unreachable')));
    expect(many.troubled).toBe(50);
    expect(many.nodes).toHaveLength(LISTED_TROUBLED_NODES);
    expect(many.nodes[0]!.id).toBe('n00');
  });

  it('keeps the contract backward compatible and checked', () => {
    const base = {
      state: 'running',
      ticks: 1,
      lastTickAt: 5000,
      lastTickDurationMs: 12,
      lastError: null,
      storage: { state: 'ok', message: null, since: null, bufferedTicks: 0, droppedSamples: 0, outOfOrderSamples: 0, corruptChunks: 0 },
    };
    // An engine from before node health was reported apart.
    expect(EngineStatusSchema.parse(base).nodes).toBeUndefined();
    expect(
      EngineStatusSchema.safeParse({ ...base, nodes: { total: 2, troubled: 1, nodes: [{ id: 'a', status: 'unreachable', lastError: null }] } }).success,
    ).toBe(true);
    expect(EngineStatusSchema.safeParse({ ...base, nodes: { total: 1, troubled: 2, nodes: [] } }).success).toBe(false);
    expect(EngineStatusSchema.safeParse({ ...base, nodes: { total: 2, troubled: 1, nodes: [{ id: 'a', status: 'lost', lastError: null }] } }).success).toBe(
      false,
    );
  });
});
