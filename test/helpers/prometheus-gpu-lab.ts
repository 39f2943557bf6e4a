/**
 * A real Prometheus scraping a real node exporter and two dcgm-exporter captures, as a small GPU
 * fleet: the L4 capture on 127.0.0.1 (the node exporter's host, another port: one node with both)
 * and the T4 capture on localhost (a second node, GPUs only).
 */
import { join } from 'node:path';
import { serveCapture, type LocalServer } from './http-server';
import { startNodeExporter, startPrometheus, type NodeExporterLab, type PrometheusLab, type ScrapeJob } from './prometheus';

/** The dcgm-exporter captures in test/fixtures. */
export const DCGM_CAPTURES = join(__dirname, '..', 'fixtures', 'prometheus', 'dcgm-exporter');

export interface GpuPrometheusLab {
  exporter: NodeExporterLab;
  /** Serves l4-drv580.105.08.kops-conformance.prom, job 'dcgm', target 127.0.0.1:port. */
  dcgmA: LocalServer;
  /** Serves tesla-t4-drv460.106.00-exporter2x.datadog.prom, job 'dcgm-b', target localhost:port. */
  dcgmB: LocalServer;
  /** The scrape jobs Prometheus was started with: node, dcgm, dcgm-b. */
  jobs: ScrapeJob[];
  prometheus: PrometheusLab;
  stop(): Promise<void>;
}

/** Starts the exporters and Prometheus, waiting until every target is up; on failure stops what started. */
export async function startGpuPrometheusLab(): Promise<GpuPrometheusLab> {
  const started: Partial<GpuPrometheusLab> = {};
  const stop = async () => {
    await started.prometheus?.stop();
    await started.exporter?.stop();
    await started.dcgmA?.close();
    await started.dcgmB?.close();
  };
  try {
    const exporter = (started.exporter = await startNodeExporter());
    const dcgmA = (started.dcgmA = await serveCapture(join(DCGM_CAPTURES, 'l4-drv580.105.08.kops-conformance.prom')));
    const dcgmB = (started.dcgmB = await serveCapture(join(DCGM_CAPTURES, 'tesla-t4-drv460.106.00-exporter2x.datadog.prom')));
    const jobs: ScrapeJob[] = [
      { job: 'node', targets: [exporter.address] },
      { job: 'dcgm', targets: [`127.0.0.1:${dcgmA.port}`] },
      { job: 'dcgm-b', targets: [`localhost:${dcgmB.port}`] },
    ];
    const prometheus = (started.prometheus = await startPrometheus({ jobs }));
    return { exporter, dcgmA, dcgmB, jobs, prometheus, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
