/**
 * Child-process entry of the storage benchmark: runs one job sent by the parent and sends back
 * its result. A run of its own gives each workload a clean heap and its own peak RSS.
 */
import { runSqliteJob, writeOpenMetrics, type OpenMetricsJob, type SqliteJob } from './baselines';
import { runTsdbJob, type TsdbJob } from './store-bench-workload';

export type BenchJob = TsdbJob | SqliteJob | OpenMetricsJob;

export function runJob(job: BenchJob): unknown {
  switch (job.kind) {
    case 'tsdb':
      return runTsdbJob(job);
    case 'sqlite':
      return runSqliteJob(job);
    case 'openmetrics':
      return writeOpenMetrics(job);
  }
}

if (require.main === module && process.send) {
  process.once('message', (job: BenchJob) => {
    let reply: { result?: unknown; error?: string };
    try {
      reply = { result: runJob({ ...job, ...(job.kind === 'tsdb' ? { isolated: true } : {}) }) };
    } catch (error) {
      reply = { error: (error as Error).message ?? String(error) };
    }
    process.send!(reply, () => process.exit(0));
  });
}
