/**
 * Debian's real VictoriaMetrics (package victoria-metrics, single-node) on loopback for tests,
 * scraping like the Prometheus helper: the same scrape jobs every second, a temporary storage
 * folder, readiness polled (/health, then its /api/v1/targets until every target is up and `up`
 * has a sample for each), never a fixed sleep. Its query flags are left at their defaults, as a
 * site's would be (-search.latencyOffset 30 s among them).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, httpGet, manage, requireBinary, scrapeConfig, waitFor, waitForScrapeTargets, type ManagedProcess, type ScrapeJob } from './prometheus';

export const VICTORIA_METRICS_BIN = '/usr/bin/victoria-metrics';

export interface VictoriaMetricsLab {
  /** http://127.0.0.1:port: the Prometheus API is at /api/v1 under it. */
  url: string;
  process: ManagedProcess;
  stop(): Promise<void>;
}

/** Starts VictoriaMetrics scraping `jobs` and waits for every target; stop() kills it and removes its folder. */
export async function startVictoriaMetrics(jobs: ScrapeJob[]): Promise<VictoriaMetricsLab> {
  const bin = requireBinary(VICTORIA_METRICS_BIN, 'victoria-metrics');
  const dir = mkdtempSync(join(tmpdir(), 'cd-victoria-metrics-'));
  const port = await freePort();
  writeFileSync(join(dir, 'scrape.yml'), scrapeConfig(jobs));
  const proc = manage(bin, [
    `-httpListenAddr=127.0.0.1:${port}`,
    `-storageDataPath=${join(dir, 'data')}`,
    `-promscrape.config=${join(dir, 'scrape.yml')}`,
    // The shared scrape config has Prometheus's evaluation_interval, which vmagent does not know.
    '-promscrape.config.strictParse=false',
    '-loggerLevel=ERROR',
  ]);
  const url = `http://127.0.0.1:${port}`;
  const lab: VictoriaMetricsLab = {
    url,
    process: proc,
    async stop() {
      await proc.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  try {
    await waitFor('VictoriaMetrics /health', async () => ((await httpGet(`${url}/health`)).status === 200 ? true : null), 45_000, proc);
    // nocache: what was scraped by now, not 30 s ago (-search.latencyOffset).
    await waitForScrapeTargets(url, jobs, proc, { upQuery: 'query=up&nocache=1' });
  } catch (error) {
    await lab.stop();
    throw error;
  }
  return lab;
}

/** VictoriaMetrics' own instant answer at `atMs` as of then (nocache: not shifted back by its latency offset). */
export async function vmInstant(base: string, expr: string, atMs: number): Promise<number[]> {
  const params = new URLSearchParams({ query: expr, time: String(atMs / 1000), nocache: '1' });
  const reply = await httpGet(`${base}/api/v1/query?${params.toString()}`);
  return (JSON.parse(reply.body) as { data: { result: Array<{ value: [number, string] }> } }).data.result.map((r) => Number(r.value[1]));
}
