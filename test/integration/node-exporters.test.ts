// Exporters per SSH node (issue #13, "exporters without Prometheus"): the node's collector
// scrapes Debian's prometheus-node-exporter, listening only on a real sshd lab host's own
// loopback, through a direct-tcpip channel of the node's SSH connection, and a dcgm-exporter
// capture served inside the host over plain HTTP ('direct'); their parts replace the commands'
// (memory and load from the exporter's procfs, GPUs from the capture, no nvidia-smi on the host),
// the rest still comes from the commands. A failing exporter degrades the node with its reason.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SshNodeCollector } from '../../electron/core/collectors/ssh-node';
import { createEngine } from '../../electron/core/engine';
import { loadCredentials, noSecretStore } from '../../electron/core/hosts/ssh/credentials';
import { SshPool } from '../../electron/core/hosts/ssh/ssh-pool';
import { silentLogger } from '../../electron/core/log';
import { dcgmGpus } from '../../electron/core/sources/dcgm-map';
import { exposedSamples, parseExposition } from '../../electron/core/sources/exposition';
import { nodeExporterOverlay } from '../../electron/core/sources/node-exporters';
import { ConfigSchema } from '../../shared/config';
import type { NodeExporterSpec, SshNode } from '../../shared/model/inventory';
import { fixturePath, readFixture } from '../helpers/fixtures';
import { NODE_EXPORTER_BIN, requireBinary } from '../helpers/prometheus';
import { startInLabHost } from '../helpers/lab-host-process';
import { SshLab } from '../helpers/ssh-lab';

const MEMINFO = 'proc-meminfo.gopsutil-intelcorei5.txt';
const LOADAVG = 'proc-loadavg.node-exporter.txt';
const DCGM = fixturePath('prometheus', 'dcgm-exporter', 'l40s-drv595.58.03.upcloud-conformance.prom');
const EXPORTER_PORT = 9100;
const DCGM_PORT = 9400;

/** A dcgm-exporter stand-in serving the capture on every address of the host. */
const DCGM_SERVER = `
const http = require('node:http'), fs = require('node:fs');
const [file, port] = process.argv.slice(1);
http.createServer((req, res) => {
  if (req.url !== '/metrics') { res.writeHead(404); res.end(); return; }
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
  res.end(fs.readFileSync(file));
}).listen(Number(port), '0.0.0.0', () => console.log('listening'));
`;

let lab: SshLab;
let pool: SshPool;
let procDir: string;
const children: ChildProcess[] = [];
const collectors: SshNodeCollector[] = [];

function nodeWith(exporters: NodeExporterSpec[]): SshNode {
  const host = lab.host('nx-01');
  return {
    id: 'nx-01',
    host: host.address,
    port: host.port,
    user: host.user,
    identityFiles: [host.privateKeyPath],
    useAgent: false,
    proxyJump: [],
    labels: [],
    exporters,
  };
}

function collectorFor(exporters: NodeExporterSpec[]): SshNodeCollector {
  const collector = new SshNodeCollector(nodeWith(exporters), pool, { nvidiaSmiTimeoutMs: 5000, log: silentLogger, exporters: nodeExporterOverlay });
  collectors.push(collector);
  return collector;
}

const NODE_EXPORTER: NodeExporterSpec = { kind: 'node-exporter', port: EXPORTER_PORT, path: '/metrics', via: 'ssh' };
const DCGM_EXPORTER: NodeExporterSpec = { kind: 'dcgm-exporter', port: DCGM_PORT, path: '/metrics', via: 'direct' };

beforeAll(async () => {
  const exporter = requireBinary(NODE_EXPORTER_BIN, 'prometheus-node-exporter');
  lab = await SshLab.create({ hosts: [{ name: 'nx-01', allowTcpForwarding: true }] });
  pool = new SshPool({
    hostKeys: { files: [lab.knownHostsPath], acceptNew: false, trust: () => {} },
    credentials: (route) => loadCredentials(route.identityFiles, route.useAgent, noSecretStore),
  });
  // The exporter's own procfs: a captured meminfo and loadavg and this machine's /proc/stat as
  // read now, so its memory and load differ from what the commands read in the host's /proc.
  procDir = join(lab.dir, 'exporter-proc');
  mkdirSync(procDir, { recursive: true });
  writeFileSync(join(procDir, 'meminfo'), readFixture('linux', MEMINFO));
  writeFileSync(join(procDir, 'loadavg'), readFixture('linux', LOADAVG));
  writeFileSync(join(procDir, 'stat'), readFileSync('/proc/stat'));
  children.push(
    await startInLabHost(
      lab,
      'nx-01',
      [exporter, `--web.listen-address=127.0.0.1:${EXPORTER_PORT}`, '--no-collector.systemd', `--path.procfs=${procDir}`, '--log.level=info'],
      /Listening on/,
    ),
  );
  children.push(await startInLabHost(lab, 'nx-01', [process.execPath, '-e', DCGM_SERVER, DCGM, String(DCGM_PORT)], /listening/));
}, 120_000);

afterAll(async () => {
  for (const collector of collectors) collector.close();
  pool?.closeAll();
  for (const child of children) child.kill('SIGKILL');
  await lab?.dispose();
});

describe('an SSH node with exporters', () => {
  it('takes memory, CPU and load from node_exporter through the SSH tunnel and the GPUs from dcgm-exporter over HTTP', async () => {
    const collector = collectorFor([NODE_EXPORTER, DCGM_EXPORTER]);
    await collector.prime();
    const snapshot = await collector.collect(Date.now());
    expect(collector.state().lastError).toBeNull();
    expect(collector.state().status).toBe('up');
    // node_exporter's (its procfs), not the host's /proc.
    expect(snapshot!.memory!.totalBytes).toBe(16_115_528 * 1024);
    expect(snapshot!.memory!.availableBytes).toBe(11_225_936 * 1024);
    expect([snapshot!.cpu!.load1, snapshot!.cpu!.load5, snapshot!.cpu!.load15]).toEqual([0.21, 0.37, 0.39]);
    const cores = readFileSync(join(procDir, 'stat'), 'utf8').match(/^cpu\d+ /gm)!.length;
    expect(snapshot!.cpu!.cores).toBe(cores);
    // The GPUs of the capture, though the host has no nvidia-smi at all.
    const expected = dcgmGpus(exposedSamples(parseExposition(readFileSync(DCGM, 'utf8'), { maxSeries: 100_000, maxBytes: 16 * 1024 * 1024 })));
    expect(snapshot!.gpuStatus.state).toBe('ok');
    expect(snapshot!.gpus).toEqual(expected);
    // Not covered by the exporters (hostname, OS) still from the commands.
    expect(snapshot!.hostname).toBe('nx-01');
    expect(snapshot!.os.platform).toBe('linux');
  });

  it('the engine reads a node added with exporters through them (nodes:add, then a tick)', async () => {
    const engine = createEngine({
      config: ConfigSchema.parse({ collection: { intervalMs: 1000, nvidiaSmiTimeoutMs: 5000 } }),
      dbPath: ':memory:',
      configPath: '/nonexistent.yaml',
      mode: 'serve',
      log: silentLogger,
      includeLocal: false,
      knownHostsFile: lab.knownHostsPath,
      userKnownHostsFiles: [],
      acceptNewHostKeys: false,
    });
    try {
      await engine.handlers['nodes:add']({ node: nodeWith([NODE_EXPORTER, DCGM_EXPORTER]) });
      const [snapshot] = await engine.collectOnce();
      expect(snapshot!.memory!.totalBytes).toBe(16_115_528 * 1024);
      expect(snapshot!.gpus.length).toBeGreaterThan(0);
    } finally {
      engine.close();
    }
  });

  it('without exporters the same host reads its own /proc and has no GPU', async () => {
    const collector = collectorFor([]);
    await collector.prime();
    const snapshot = await collector.collect(Date.now());
    expect(snapshot!.memory!.totalBytes).not.toBe(16_115_528 * 1024);
    expect(snapshot!.gpuStatus.state).toBe('no-gpu');
  });

  it('a failing exporter degrades the node with its reason and keeps the rest: no crash', async () => {
    const collector = collectorFor([
      { ...NODE_EXPORTER, port: EXPORTER_PORT + 1 },
      { ...DCGM_EXPORTER, path: '/nope' },
    ]);
    await collector.prime();
    const snapshot = await collector.collect(Date.now());
    expect(collector.state().status).toBe('degraded');
    expect(collector.state().lastError).toMatch(/^node-exporter: 127\.0\.0\.1:9101\/metrics on .* connection refused on the node/);
    expect(snapshot!.errors.map((e) => e.collector)).toEqual(expect.arrayContaining(['node-exporter', 'dcgm-exporter']));
    expect(snapshot!.errors.find((e) => e.collector === 'dcgm-exporter')!.message).toMatch(/answered HTTP 404/);
    expect(snapshot!.gpuStatus.state).toBe('failed');
    // The commands' readings stand in for the exporter's.
    expect(snapshot!.memory!.totalBytes).toBeGreaterThan(0);
    expect(snapshot!.memory!.totalBytes).not.toBe(16_115_528 * 1024);
  });
});
