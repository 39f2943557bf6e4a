/**
 * Child-process entry of the storage benchmark: runs one job sent by the parent and sends back
 * its result. A run of its own gives each workload a clean heap and its own peak RSS. The Tsdb
 * runs are the app's own (`clusterdeck bench store --input`); the baselines are the benchmark's.
 */
import { runTsdbJob, type TsdbJob } from '../electron/server/store-bench/tsdb-run';
import { answerOneJob } from '../electron/server/store-bench/tsdb-run-worker';
import { runSqliteJob, writeOpenMetrics, type OpenMetricsJob, type SqliteJob } from './baselines';

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
  answerOneJob((job: BenchJob) => runJob({ ...job, ...(job.kind === 'tsdb' ? { isolated: true } : {}) }));
}
