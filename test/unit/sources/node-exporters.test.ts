// A node's exporters read 'direct' from a real HTTP server on 127.0.0.1 serving two real
// node_exporter captures in turn, then a dcgm-exporter capture (sources/node-exporters.ts): the
// second reading has rates against the first, the exporters' parts replace the commands', what
// they lack keeps the commands' values, and a failure is a named collector error.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { dcgmGpus } from '../../../electron/core/sources/dcgm-map';
import { exposedSamples, parseExposition } from '../../../electron/core/sources/exposition';
import { nodeExporterSnapshot } from '../../../electron/core/sources/node-exporter-map';
import { directUrl, NodeExporters, nodeExporterOverlay } from '../../../electron/core/sources/node-exporters';
import type { NodeExporterSpec, SshNode } from '../../../shared/model/inventory';
import { readFixture } from '../../helpers/fixtures';
import { snapshot } from '../../helpers/snapshots';

const A = readFixture('prometheus', 'node-exporter', 'debian12-1.5.0-a.prom');
const B = readFixture('prometheus', 'node-exporter', 'debian12-1.5.0-b.prom');
const DCGM = readFixture('prometheus', 'dcgm-exporter', 'l4-drv580.105.08.kops-conformance.prom');
const LIMITS = { maxSeries: 100_000, maxBytes: 16 * 1024 * 1024 };
const samplesOf = (text: string) => exposedSamples(parseExposition(text, LIMITS));

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

/** Serves `bodies` in turn at /metrics (the last one again after), 404 elsewhere. */
async function serveInTurn(bodies: string[]): Promise<number> {
  let next = 0;
  const server = createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(bodies[Math.min(next++, bodies.length - 1)]);
  });
  servers.push(server);
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return (server.address() as AddressInfo).port;
}

const noSsh = { label: 'unused', forward: (): Promise<Duplex> => Promise.reject(new Error('not through SSH')) };
const direct = (kind: NodeExporterSpec['kind'], port: number, path = '/metrics'): NodeExporterSpec => ({ kind, port, path, via: 'direct' });

describe('NodeExporters', () => {
  it('takes CPU, memory, load, filesystems, network and disks from node_exporter, with rates from the previous scrape', async () => {
    const port = await serveInTurn([A, B]);
    const exporters = new NodeExporters('n1', [direct('node-exporter', port)], { host: '127.0.0.1', connection: noSsh, timeoutMs: 5000 });
    expect(exporters.coversGpus).toBe(false);
    await exporters.read(1_000);
    const apply = await exporters.read(6_000);
    const target = snapshot(6_000, { id: 'n1' });
    apply(target);
    const expected = nodeExporterSnapshot(samplesOf(B), samplesOf(A), { nodeId: 'n1', collectedAt: 6_000, intervalMs: 5_000 });
    expect(target.cpu).toEqual(expected.cpu);
    expect(target.memory).toEqual(expected.memory);
    expect(target.filesystems).toEqual(expected.filesystems);
    expect(target.network).toEqual(expected.network);
    expect(target.diskIo).toEqual(expected.diskIo);
    expect(target.network.some((n) => n.rxBytesPerSec !== null)).toBe(true);
    expect(target.cpu!.utilPct).not.toBeNull();
    // Not node_exporter's: the commands' GPUs and names stay.
    expect(target.gpus).toEqual(snapshot(6_000).gpus);
    expect(target.hostname).toBe('node-a');
    expect(target.errors).toEqual([]);
  });

  it("takes the GPUs from dcgm-exporter, and leaves the rest of the commands' snapshot alone", async () => {
    const port = await serveInTurn([DCGM]);
    const exporters = new NodeExporters('n1', [direct('dcgm-exporter', port)], { host: '127.0.0.1', connection: noSsh, timeoutMs: 5000 });
    expect(exporters.coversGpus).toBe(true);
    const target = snapshot(1_000);
    const before = snapshot(1_000);
    (await exporters.read(1_000))(target);
    expect(target.gpus).toEqual(dcgmGpus(samplesOf(DCGM)));
    expect(target.gpus.length).toBeGreaterThan(0);
    expect(target.gpuStatus.state).toBe('ok');
    expect({ ...target, gpus: before.gpus, gpuStatus: before.gpuStatus }).toEqual(before);
  });

  it('a failing exporter is its own collector error, first; the commands stand in for it', async () => {
    const port = await serveInTurn([A]);
    const exporters = new NodeExporters('n1', [direct('node-exporter', port, '/wrong'), direct('dcgm-exporter', port, '/wrong')], {
      host: '127.0.0.1',
      connection: noSsh,
      timeoutMs: 5000,
    });
    const target = snapshot(1_000, { errors: [{ collector: 'df', message: 'df timed out' }] });
    (await exporters.read(1_000))(target);
    expect(target.errors.map((e) => e.collector)).toEqual(['node-exporter', 'dcgm-exporter', 'df']);
    expect(target.errors[0]!.message).toMatch(/127\.0\.0\.1:\d+\/wrong answered HTTP 404/);
    expect(target.memory).toEqual(snapshot(1_000).memory);
    expect(target.gpus).toEqual([]);
    expect(target.gpuStatus).toMatchObject({ state: 'failed' });
  });

  it('is made only for a node that lists exporters', () => {
    const node = { id: 'n1', host: 'h', port: 22, user: 'u', identityFiles: [], useAgent: true, proxyJump: [], labels: [] } satisfies SshNode;
    expect(nodeExporterOverlay(node, noSsh, 1000)).toBeNull();
    expect(nodeExporterOverlay({ ...node, exporters: [] }, noSsh, 1000)).toBeNull();
    expect(nodeExporterOverlay({ ...node, exporters: [direct('dcgm-exporter', 9400)] }, noSsh, 1000)?.coversGpus).toBe(true);
  });

  it('writes an IPv6 host in brackets in a direct URL', () => {
    expect(directUrl('::1', { port: 9100, path: '/metrics' })).toBe('http://[::1]:9100/metrics');
    expect(directUrl('[fe80::1]', { port: 9400, path: '/m' })).toBe('http://[fe80::1]:9400/m');
    expect(directUrl('gpu-07.example.org', { port: 9100, path: '/metrics' })).toBe('http://gpu-07.example.org:9100/metrics');
  });
});
