/**
 * `clusterdeck collect --once --json --prometheus URL`: a real Prometheus scraping a real node
 * exporter and dcgm-exporter captures, listed in the same document as SSH and local nodes.
 * Runs the command's function in this process (cli.ts registers its flags with withPrometheusFlags),
 * and once the built CLI, to see the flags are registered.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NodeSnapshotSchema, type NodeSnapshot } from '../../shared/model/node';
import { collect, type CollectDocument, type CollectFlags } from '../../electron/server/commands/collect';
import { UsageError } from '../../electron/server/usage-error';
import { runCli } from '../helpers/cli';
import { recordingProxy, serve } from '../helpers/http-server';
import { promInstant, type PrometheusLab } from '../helpers/prometheus';
import { startGpuPrometheusLab, type GpuPrometheusLab } from '../helpers/prometheus-gpu-lab';
import { tempDir } from '../helpers/tmp';

async function run(flags: Partial<CollectFlags>): Promise<{ code: number; out: string }> {
  let out = '';
  const code = await collect({ once: true, config: join(tempDir(), 'config.yaml'), ...flags }, (text) => (out += text));
  return { code, out };
}

describe('clusterdeck collect --once --prometheus URL (real Prometheus, node exporter, dcgm-exporter captures)', () => {
  let lab: GpuPrometheusLab;
  let prometheus: PrometheusLab;

  beforeAll(async () => {
    lab = await startGpuPrometheusLab();
    prometheus = lab.prometheus;
  }, 90_000);

  afterAll(() => lab?.stop());

  it("lists the source's nodes as snapshots in the same document as local and SSH nodes, values equal to Prometheus's", async () => {
    const { code, out } = await run({ json: true, prometheus: prometheus.url });
    expect(code).toBe(0);
    const document = JSON.parse(out) as CollectDocument;
    expect(Object.keys(document).sort()).toEqual(['collectedAt', 'nodes']);
    const nodes = document.nodes as NodeSnapshot[];
    expect(nodes.map((n) => n.id)).toEqual(['127.0.0.1', 'localhost']);
    for (const node of nodes) expect(NodeSnapshotSchema.safeParse(node).success).toBe(true);

    // The same fields as this machine's own snapshot from `collect --once --json`.
    const local = JSON.parse((await run({ json: true })).out) as CollectDocument;
    expect(Object.keys(nodes[0]!).sort()).toEqual(Object.keys(local.nodes[0]!).sort());

    const [node, gpuOnly] = nodes as [NodeSnapshot, NodeSnapshot];
    expect(node.collectedAt).toBe(document.collectedAt);
    expect(node.memory?.totalBytes).toBe((await promInstant(prometheus.url, 'node_memory_MemTotal_bytes', node.collectedAt))[0]);
    expect(node.memory?.availableBytes).toBe((await promInstant(prometheus.url, 'node_memory_MemAvailable_bytes', node.collectedAt))[0]);
    expect(node.filesystems.length).toBeGreaterThan(0);
    expect(node.network.length).toBeGreaterThan(0);
    expect(node.gpus.map((g) => [g.productName, g.temperatureC])).toEqual([['NVIDIA L4', 31]]);
    expect(gpuOnly.gpus.map((g) => g.productName)).toEqual(['Tesla T4']);
    expect(gpuOnly.memory).toBeNull(); // no node exporter there: missing, not 0

    const text = await run({ prometheus: prometheus.url });
    expect(text.out).toMatch(/NVIDIA L4/);
    expect(text.out).toMatch(/ {2}memory {2}[\d.]+ \/ [\d.]+ GiB/);
  }, 60_000);

  it('takes the node label, a bearer token file and a tenant', async () => {
    const proxy = await recordingProxy(prometheus.url);
    const dir = tempDir();
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, 's3cret-token\n', { mode: 0o600 });
    try {
      const { code, out } = await run({ json: true, prometheus: proxy.url, prometheusNodeLabel: 'job', bearerTokenFile: tokenFile, tenant: 'team-a' });
      expect(code).toBe(0);
      expect((JSON.parse(out) as CollectDocument).nodes.map((n) => n.id)).toEqual(['dcgm', 'dcgm-b', 'node']);
      expect(proxy.requests.length).toBeGreaterThan(0);
      for (const { headers } of proxy.requests) expect([headers.authorization, headers['x-scope-orgid']]).toEqual(['Bearer s3cret-token', 'team-a']);
      expect(out).not.toContain('s3cret');
    } finally {
      await proxy.close();
    }
  }, 60_000);

  it('a down or garbage source, or a bad flag, is a clear error', async () => {
    const closed = await serve(() => {});
    const downUrl = closed.url;
    await closed.close();
    await expect(run({ json: true, prometheus: downUrl })).rejects.toThrow(
      /^the source cannot be read: http:\/\/127\.0\.0\.1:\d+\/api\/v1\/query is unreachable: connection refused$/,
    );

    const login = await serve((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body>login</body></html>'));
    try {
      await expect(run({ json: true, prometheus: login.url })).rejects.toThrow(
        /^the source cannot be read: .* is not a Prometheus API: it answered an HTML page$/,
      );
    } finally {
      await login.close();
    }

    await expect(run({ json: true, prometheus: prometheus.url, prometheusNodeLabel: 'no_such_label' })).rejects.toThrow(
      /has no node_exporter or dcgm-exporter series with a no_such_label label/,
    );
    await expect(run({ prometheus: 'ftp://example.org' })).rejects.toThrow(UsageError);
    await expect(run({ prometheus: prometheus.url, prometheusNodeLabel: 'bad-label' })).rejects.toThrow(/--prometheus-node-label/);
    await expect(run({ prometheus: prometheus.url, bearerTokenFile: join(tempDir(), 'missing') })).rejects.toThrow(
      /the bearer token file .* cannot be read: ENOENT/,
    );
    await expect(run({ tenant: 'team-a' })).rejects.toThrow(/need --prometheus URL/);
  }, 60_000);

  it('the built CLI takes --prometheus: `clusterdeck collect --once --json --prometheus URL`', () => {
    const result = runCli(['collect', '--once', '--json', '--prometheus', prometheus.url]);
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const document = JSON.parse(result.stdout) as CollectDocument;
    expect(document.nodes.map((n) => n.id)).toEqual(['127.0.0.1', 'localhost']);
    expect((document.nodes[0] as NodeSnapshot).gpus.map((g) => g.productName)).toEqual(['NVIDIA L4']);
  }, 90_000);
});
