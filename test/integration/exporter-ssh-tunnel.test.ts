// Exporters scraped without Prometheus (issue #13): Debian's prometheus-node-exporter listens on
// 127.0.0.1:9100 INSIDE a lab host's network namespace only, and is read through a direct-tcpip
// channel of the node's real SSH connection (no port opened anywhere); a real dcgm-exporter
// capture is served the same way by a small HTTP server run inside the host. Failures: a closed
// port, a port that does not speak HTTP, forwarding off in sshd, an exporter that never answers, an
// HTML page. The direct transport reads a node exporter on this machine's loopback.
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCredentials, noSecretStore } from '../../electron/core/hosts/ssh/credentials';
import type { SshConnection } from '../../electron/core/hosts/ssh/ssh-connection';
import { SshPool } from '../../electron/core/hosts/ssh/ssh-pool';
import { dcgmGpus } from '../../electron/core/sources/dcgm-map';
import { ExporterScrapeError, scrapeExporter, type ExporterTarget } from '../../electron/core/sources/exporter-scrape';
import { exposedSamples, parseExposition } from '../../electron/core/sources/exposition';
import { nodeExporterSnapshot } from '../../electron/core/sources/node-exporter-map';
import { fixturePath, readFixture } from '../helpers/fixtures';
import { NODE_EXPORTER_BIN, requireBinary, startNodeExporter, type NodeExporterLab } from '../helpers/prometheus';
import { startInLabHost } from '../helpers/lab-host-process';
import { SshLab } from '../helpers/ssh-lab';

const LIMITS = { maxSeries: 100_000, maxBytes: 16 * 1024 * 1024 };
const SCRAPE = { timeoutMs: 10_000, maxBytes: 16 * 1024 * 1024 };
const MEMINFO = 'proc-meminfo.gopsutil-intelcorei5.txt';
const DCGM = fixturePath('prometheus', 'dcgm-exporter', 'l40s-drv595.58.03.upcloud-conformance.prom');
const EXPORTER_PORT = 9100;
const DCGM_PORT = 9400;

/**
 * A dcgm-exporter stand-in: serves the capture at /metrics (gzipped when asked, as the real one
 * does), an HTML page at /, and never answers /hang. Beside it, on the next port, a service that
 * does not speak HTTP (it greets like sshd, whose own port is not on the node's loopback here).
 */
const DCGM_SERVER = `
const http = require('node:http'), net = require('node:net'), zlib = require('node:zlib'), fs = require('node:fs');
const [file, port] = process.argv.slice(1);
net.createServer((s) => s.end('SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\\r\\n')).listen(Number(port) + 1, '127.0.0.1');
http.createServer((req, res) => {
  if (req.url === '/hang') return;
  if (req.url !== '/metrics') { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<html>welcome</html>'); return; }
  const body = fs.readFileSync(file);
  if (/gzip/.test(req.headers['accept-encoding'] || '')) { res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4', 'content-encoding': 'gzip' }); res.end(zlib.gzipSync(body)); }
  else { res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }); res.end(body); }
}).listen(Number(port), '127.0.0.1', () => console.log('listening'));
`;

let lab: SshLab;
let pool: SshPool;
let local: NodeExporterLab | null = null;
const children: ChildProcess[] = [];

function connection(host: string): SshConnection {
  const h = lab.host(host);
  return pool.connection({ endpoint: { host: h.address, port: h.port, user: h.user }, identityFiles: [h.privateKeyPath], useAgent: false });
}

async function scrapeError(target: ExporterTarget, options = SCRAPE): Promise<ExporterScrapeError> {
  const error = await scrapeExporter(target, options).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ExporterScrapeError);
  return error as ExporterScrapeError;
}

beforeAll(async () => {
  const exporter = requireBinary(NODE_EXPORTER_BIN, 'prometheus-node-exporter');
  lab = await SshLab.create({
    hosts: [
      { name: 'exp-01', allowTcpForwarding: true, fakeFiles: { '/proc/meminfo': readFixture('linux', MEMINFO) } },
      { name: 'exp-02', allowTcpForwarding: false },
    ],
  });
  pool = new SshPool({
    hostKeys: { files: [lab.knownHostsPath], acceptNew: false, trust: () => {} },
    credentials: (route) => loadCredentials(route.identityFiles, route.useAgent, noSecretStore),
  });
  children.push(
    await startInLabHost(
      lab,
      'exp-01',
      [exporter, `--web.listen-address=127.0.0.1:${EXPORTER_PORT}`, '--no-collector.systemd', '--log.level=info'],
      /Listening on/,
    ),
  );
  children.push(await startInLabHost(lab, 'exp-01', [process.execPath, '-e', DCGM_SERVER, DCGM, String(DCGM_PORT)], /listening/));
}, 120_000);

afterAll(async () => {
  pool?.closeAll();
  await local?.stop();
  for (const child of children) child.kill('SIGKILL');
  await lab?.dispose();
});

describe('scrapeExporter through an SSH tunnel over the node connection', () => {
  it('reads the node exporter that listens only on the node loopback: the host memory, not this machine', async () => {
    // Not reachable from here: the exporter is bound to the host's own loopback.
    const direct = await scrapeError({ transport: 'direct', url: `http://${lab.host('exp-01').address}:${EXPORTER_PORT}/metrics` });
    expect(direct.kind).toBe('unreachable');

    const { text } = await scrapeExporter({ transport: 'ssh', connection: connection('exp-01'), port: EXPORTER_PORT }, SCRAPE);
    const samples = exposedSamples(parseExposition(text, LIMITS));
    const snapshot = nodeExporterSnapshot(samples, null, { nodeId: 'exp-01', collectedAt: Date.now(), intervalMs: null });
    expect(snapshot.hostname).toBe('exp-01');
    expect(snapshot.memory?.totalBytes).toBe(16_115_528 * 1024);
    expect(snapshot.memory?.availableBytes).toBe(11_225_936 * 1024);
    expect(snapshot.errors.filter((e) => e.collector === 'memory')).toEqual([]);
  });

  it('reads a dcgm-exporter capture served inside the node (gzipped on the wire): the same GPUs as the file', async () => {
    const { text } = await scrapeExporter({ transport: 'ssh', connection: connection('exp-01'), port: DCGM_PORT, path: '/metrics' }, SCRAPE);
    expect(text).toBe(readFileSync(DCGM, 'utf8'));
    const gpus = dcgmGpus(exposedSamples(parseExposition(text, LIMITS)));
    expect(gpus.map((g) => g.uuid)).toEqual(['GPU-5b4e07f6-3a86-4340-039d-25f2a83cdc43']);
    expect(gpus).toEqual(dcgmGpus(exposedSamples(parseExposition(readFileSync(DCGM, 'utf8'), LIMITS))));
  });

  it('says connection refused on the node for a port where nothing listens', async () => {
    const error = await scrapeError({ transport: 'ssh', connection: connection('exp-01'), port: 9101 });
    expect(error.kind).toBe('unreachable');
    expect(error.reason).toBe('ECONNREFUSED');
    expect(error.message).toMatch(/127\.0\.0\.1:9101\/metrics on cdtest@.* connection refused on the node/);
  });

  it('says not an exporter for a port that does not speak HTTP and for an HTML page', async () => {
    const ssh = await scrapeError({ transport: 'ssh', connection: connection('exp-01'), port: DCGM_PORT + 1 });
    expect(ssh.kind).toBe('not-an-exporter');
    expect(ssh.message).toMatch(/did not answer in HTTP/);
    const html = await scrapeError({ transport: 'ssh', connection: connection('exp-01'), port: DCGM_PORT, path: '/' });
    expect(html.kind).toBe('not-an-exporter');
    expect(html.message).toMatch(/answered text\/html, not metrics text/);
  });

  it('says so when the node sshd refuses port forwarding', async () => {
    const error = await scrapeError({ transport: 'ssh', connection: connection('exp-02'), port: EXPORTER_PORT });
    expect(error.kind).toBe('forwarding-refused');
    expect(error.message).toMatch(/refuses port forwarding/);
  });

  it('gives up on an exporter that never answers, and the connection keeps working', async () => {
    const error = await scrapeError({ transport: 'ssh', connection: connection('exp-01'), port: DCGM_PORT, path: '/hang' }, { ...SCRAPE, timeoutMs: 500 });
    expect(error.kind).toBe('timeout');
    expect(error.message).toMatch(/did not answer within 500 ms/);
    const { text } = await scrapeExporter({ transport: 'ssh', connection: connection('exp-01'), port: DCGM_PORT }, SCRAPE);
    expect(text.length).toBeGreaterThan(0);
  });

  it('refuses a body larger than maxBytes (counted after gzip)', async () => {
    const error = await scrapeError({ transport: 'ssh', connection: connection('exp-01'), port: DCGM_PORT }, { ...SCRAPE, maxBytes: 2000 });
    expect(error.kind).toBe('too-large');
  });
});

describe('scrapeExporter directly', () => {
  it('reads a node exporter on this machine: the memory of this machine', async () => {
    local = await startNodeExporter();
    const { text } = await scrapeExporter({ transport: 'direct', url: `http://${local.address}/metrics` }, SCRAPE);
    const snapshot = nodeExporterSnapshot(exposedSamples(parseExposition(text, LIMITS)), null, { nodeId: 'here', collectedAt: Date.now(), intervalMs: null });
    const memTotalKb = Number(/^MemTotal:\s+(\d+) kB/m.exec(readFileSync('/proc/meminfo', 'utf8'))![1]);
    expect(snapshot.memory?.totalBytes).toBe(memTotalKb * 1024);
  });

  it('says connection refused for a closed port, and rejects a URL that is not http or a path without a leading slash', async () => {
    const refused = await scrapeError({ transport: 'direct', url: 'http://127.0.0.1:1/metrics' });
    expect(refused.kind).toBe('unreachable');
    expect(refused.reason).toBe('ECONNREFUSED');
    const ftp = await scrapeError({ transport: 'direct', url: 'ftp://127.0.0.1/metrics' });
    expect(ftp.reason).toBe('invalid-url');
    const noSlash = await scrapeError({
      transport: 'ssh',
      connection: { label: 'never', forward: () => Promise.reject(new Error('not called')) },
      port: 9100,
      path: 'metrics',
    });
    expect(noSlash.reason).toBe('invalid-url');
  });
});
