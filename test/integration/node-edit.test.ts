// Editing a node (issue #14 item 7) against real sshd hosts (test/helpers/ssh-lab.ts): a node
// added with a wrong port is edited to the right one and comes up under the same id; a node's
// history stored before an edit is still answered by metrics:query after it; what nodes:edit
// refuses.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/core/engine';
import { silentLogger } from '../../electron/core/log';
import { ConfigSchema } from '../../shared/config';
import type { SshNode } from '../../shared/model/inventory';
import { SshLab, type LabHost } from '../helpers/ssh-lab';

let lab: SshLab;
const engines: Engine[] = [];

beforeAll(async () => {
  lab = await SshLab.create({ hosts: [{ name: 'ed-01' }] });
}, 120_000);

afterAll(async () => {
  for (const engine of engines) engine.close();
  await lab?.dispose();
});

function nodeOf(host: LabHost, overrides: Partial<SshNode> = {}): SshNode {
  return {
    id: host.name,
    host: host.address,
    port: host.port,
    user: host.user,
    identityFiles: [host.privateKeyPath],
    useAgent: false,
    proxyJump: [],
    labels: ['rack-1'],
    ...overrides,
  };
}

/** An engine with its own inventory (an in-memory database), nothing in it yet. */
function newEngine(options: { includeLocal?: boolean } = {}): Engine {
  const engine = createEngine({
    config: ConfigSchema.parse({ collection: { intervalMs: 1000, nvidiaSmiTimeoutMs: 5000 } }),
    dbPath: ':memory:',
    configPath: '/nonexistent.yaml',
    mode: 'serve',
    log: silentLogger,
    includeLocal: options.includeLocal ?? false,
    knownHostsFile: lab.knownHostsPath,
    userKnownHostsFiles: [],
    acceptNewHostKeys: false,
  });
  engines.push(engine);
  return engine;
}

const nextTick = () => new Promise((done) => setTimeout(done, 1100));

describe('nodes:edit', () => {
  it('a node added at a wrong port is edited to the right one and comes up, same id, labels kept as given', async () => {
    const engine = newEngine();
    const host = lab.host('ed-01');
    await engine.handlers['nodes:add']({ node: nodeOf(host, { port: 1 }) });
    await engine.collectOnce();
    const before = engine.nodeStates().find((s) => s.id === 'ed-01')!;
    expect(before.status).toBe('unreachable');
    expect(before.address).toContain(':1');

    const answered = await engine.handlers['nodes:edit']({ node: nodeOf(host) });
    expect(answered.id).toBe('ed-01');
    expect(answered.address).toBe(`${host.user}@${host.address}:${host.port}`);
    expect(answered.labels).toEqual(['rack-1']);
    // The state carries how the node is reached, for the Edit dialog (paths of key files, no keys).
    expect(answered.ssh).toEqual({
      host: host.address,
      port: host.port,
      user: host.user,
      identityFiles: [host.privateKeyPath],
      useAgent: false,
      proxyJump: [],
    });
    const [snapshot] = await engine.collectOnce();
    expect(snapshot?.hostname).toBe('ed-01');
    expect(engine.nodeStates().find((s) => s.id === 'ed-01')?.status).toBe('up');
    // Stored: the inventory now holds the new spec.
    expect((await engine.handlers['nodes:states']({})).map((s) => s.id)).toEqual(['ed-01']);
    // The audit log names the edit and where the node now points.
    const edit = engine.auditLog.list({ limit: 10 }).find((e) => e.action === 'nodes:edit');
    expect(edit?.subject).toBe('ed-01');
    expect(JSON.parse(edit!.details)).toMatchObject({ host: host.address, port: host.port, user: host.user, proxyJump: [] });
  });

  it('keeps the history stored before the edit: metrics:query answers it after, same node id', async () => {
    const engine = newEngine();
    const host = lab.host('ed-01');
    await engine.handlers['nodes:add']({ node: nodeOf(host) });
    const [first] = await engine.collectOnce();
    expect(first?.memory?.usedBytes).toBeGreaterThan(0);
    const editedAt = Date.now();

    await engine.handlers['nodes:edit']({ node: nodeOf(host, { identityFiles: [host.privateKeyPath, '~/.ssh/id_ed25519'] }) });
    await nextTick();
    const [after] = await engine.collectOnce();
    expect(after?.collectedAt).toBeGreaterThan(first!.collectedAt);

    const result = await engine.handlers['metrics:query']({
      nodeId: 'ed-01',
      metric: 'memory.used_bytes',
      fromMs: first!.collectedAt - 60_000,
      toMs: Date.now() + 1000,
      maxPoints: 100,
    });
    const times = result.series.flatMap((s) => s.t);
    expect(times).toContain(first!.collectedAt);
    expect(times.some((t) => t < editedAt)).toBe(true);
    expect(times).toContain(after!.collectedAt);
  });

  it('refuses a node not in the inventory or not read over SSH (not-found) and a spec that does not validate (bad-request)', async () => {
    const engine = newEngine({ includeLocal: true });
    const host = lab.host('ed-01');
    await expect(engine.handlers['nodes:edit']({ node: nodeOf(host, { id: 'nowhere' }) })).rejects.toMatchObject({ code: 'not-found' });
    // This machine is a node too, but not one reached by an SSH spec.
    const local = engine.nodeStates().find((s) => s.kind === 'local')!;
    await expect(engine.handlers['nodes:edit']({ node: nodeOf(host, { id: local.id }) })).rejects.toMatchObject({ code: 'not-found' });
    await engine.handlers['nodes:add']({ node: nodeOf(host) });
    await expect(engine.handlers['nodes:edit']({ node: nodeOf(host, { port: 70_000 }) })).rejects.toMatchObject({ code: 'bad-request' });
    await expect(
      engine.handlers['nodes:edit']({
        node: nodeOf(host, {
          exporters: [
            { kind: 'node-exporter', port: 9100, path: '/metrics', via: 'ssh' },
            { kind: 'node-exporter', port: 9101, path: '/metrics', via: 'ssh' },
          ],
        }),
      }),
    ).rejects.toMatchObject({ code: 'bad-request' });
  });
});
