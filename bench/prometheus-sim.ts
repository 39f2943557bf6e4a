/**
 * The synthetic exporters of `bench prometheus`: ONE process serving, for each simulated node, a
 * node_exporter and (on GPU nodes) a dcgm-exporter /metrics on a loopback address of its own
 * (127.78.x.y), as a real fleet has them on every host. The real Prometheus scrapes them all
 * (instance = address:port; the source strips the port, so both exporters make one node).
 * Forked by prometheus-bench.ts so that its CPU is counted apart from the engine's.
 */
import * as http from 'node:http';
import { nodeSeries, seriesTemplates, type NodeSeries } from './prometheus-sim-series';

export interface ExporterSimJob {
  nodes: number;
  gpus: number;
}

export interface ExporterTarget {
  /** The node id the source will give it: the address. */
  node: string;
  nodeExporter: string;
  /** host:port of its dcgm-exporter, or null (no GPUs). */
  dcgm: string | null;
}

export interface ExporterSimReady {
  targets: ExporterTarget[];
  seriesPerNode: { node: number; dcgm: number };
}

/** The i-th node's loopback address: 127.78.x.y, y in 1..250. */
export function exporterAddress(i: number): string {
  return `127.78.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}

/** Every 4th node has no GPUs (a login or storage node), as in the SSH lab. */
const hasGpu = (i: number) => i % 4 !== 3;

function serve(host: string, body: (nowMs: number) => string): Promise<{ server: http.Server; port: number }> {
  const server = http.createServer((req, res) => {
    if (req.url !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(body(Date.now()));
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve({ server, port: (server.address() as { port: number }).port }));
  });
}

export async function startExporterSim(job: ExporterSimJob): Promise<{ ready: ExporterSimReady; close(): void }> {
  const templates = seriesTemplates();
  const startMs = Date.now();
  const servers: http.Server[] = [];
  const targets: ExporterTarget[] = [];
  let counts = { node: 0, dcgm: 0 };
  for (let i = 0; i < job.nodes; i += 1) {
    const host = exporterAddress(i);
    const series: NodeSeries = nodeSeries(templates, i, `psim-${String(i + 1).padStart(4, '0')}`, hasGpu(i) ? job.gpus : 0, startMs);
    if (i === 0) counts = series.counts;
    const node = await serve(host, series.nodeExporter);
    servers.push(node.server);
    let dcgm: string | null = null;
    if (hasGpu(i) && job.gpus > 0) {
      const d = await serve(host, series.dcgm);
      servers.push(d.server);
      dcgm = `${host}:${d.port}`;
    }
    targets.push({ node: host, nodeExporter: `${host}:${node.port}`, dcgm });
  }
  return {
    ready: { targets, seriesPerNode: counts },
    close: () => servers.forEach((s) => s.close()),
  };
}

if (require.main === module && process.send) {
  process.once('message', (job: ExporterSimJob) => {
    startExporterSim(job)
      .then(({ ready }) => process.send!({ ready }))
      .catch((error: unknown) => process.send!({ error: (error as Error).message ?? String(error) }, () => process.exit(1)));
  });
  process.on('disconnect', () => process.exit(0));
}
