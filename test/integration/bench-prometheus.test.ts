// `npm run bench -- prometheus --quick`: a short run of the whole suite through the built benchmark
// CLI: a real Prometheus scraping synthetic exporters for 20 nodes, and 20 simulated SSH nodes
// (ssh2 servers with host keys and key auth). Checks that nodes were collected with values and
// that the figures come out; never the timings themselves.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { PrometheusBenchResult, PromSideFigures } from '../../bench/prometheus-bench';
import type { EngineFigures } from '../../bench/ssh-bench';
import { FAMILY_QUERIES } from '../../electron/core/sources/source-families';
import { BENCH_CLI, assertBenchBuilt, runBenchCli } from '../helpers/bench-cli';
import { isolatedEnv } from '../helpers/cli';

describe('npm run bench -- prometheus', () => {
  it('reads 20 nodes from a real Prometheus and polls 20 simulated SSH nodes, and prints the figures', () => {
    assertBenchBuilt();
    const run = spawnSync(process.execPath, [BENCH_CLI, 'prometheus', '--quick', '--json'], { env: isolatedEnv(), encoding: 'utf8', timeout: 170_000 });
    expect(run.status, run.stderr).toBe(0);
    const { prometheus: result } = JSON.parse(run.stdout) as { prometheus: PrometheusBenchResult };
    expect([result.nodes, result.sshNodes]).toEqual([20, 20]);

    const prom = result.prometheus as PromSideFigures;
    expect(result.engine).toBe('prometheus');
    expect(prom.engine).toEqual({ name: 'Prometheus', version: expect.stringMatching(/^2\./) });
    // 20 node exporters and 15 dcgm-exporters (every 4th node has no GPUs).
    expect(prom.targets).toBe(35);
    expect(prom.run.upAtEnd).toBe(20);
    expect(prom.run.ticks.length).toBeGreaterThan(0);
    const last = prom.run.ticks.at(-1)!;
    expect([last.answered, last.withValues, last.gpus]).toEqual([20, 20, 15 * 2]);
    expect(prom.run.sample).toMatchObject({ gpus: 2 });
    expect(prom.run.sample?.cpuUtilPct).toEqual(expect.any(Number));
    expect(prom.run.sample?.memUsedBytes).toBeGreaterThan(0);
    // Each family of a tick, then the GPUs' identity query: one sample per GPU.
    expect(prom.run.families).toHaveLength(FAMILY_QUERIES.length + 1);
    expect(prom.run.families.find((f) => f.expr.includes('DCGM'))?.samples).toBeGreaterThan(0);
    expect(prom.run.families.at(-1)?.samples).toBe(15 * 2);
    expect(prom.run.charts.map((c) => c.what)).toEqual(
      expect.arrayContaining(['metrics:query gpu.util_pct 1 h', 'metrics:query gpu.util_pct 24 h', 'query_range GPU util 1 h', 'query_range GPU util 24 h']),
    );
    expect(prom.run.charts.every((c) => c.ms.length === 5 && !c.note.startsWith('failed'))).toBe(true);
    expect(prom.cpuPctOfCore).toBeGreaterThan(0);
    expect(prom.rssPeakMb).toBeGreaterThan(20);

    const ssh = result.ssh as { result: { engine: EngineFigures; misses: string[] } };
    expect(ssh.result.engine.run.upAtEnd).toBe(20);
    expect(ssh.result.engine.run.ticks.length).toBeGreaterThan(0);
    expect(ssh.result.engine.run.ticks.at(-1)?.answered).toBe(20);
    // Every 4th node has no GPUs: 15 report them.
    expect(ssh.result.engine.run.gpuNodeIds).toHaveLength(15);
    expect(ssh.result.engine.isolation).toMatch(/process of its own/);
    expect(ssh.result.engine.run.logged).toEqual([]);
    expect(result.misses).toEqual(['prometheus nodes: 20, the target is for 1000 (--nodes 1000)', 'ssh nodes: 20, the targets are for 500 (--nodes 500)']);
  }, 180_000);

  it('prints a table of figures against the targets, here read from VictoriaMetrics', () => {
    const run = runBenchCli(['prometheus', '--quick', '--ssh-nodes', '0', '--nodes', '4', '--engine', 'victoria-metrics'], isolatedEnv(), 120_000);
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^bench prometheus: 4 nodes from a real VictoriaMetrics beside 0 simulated SSH nodes/);
    expect(run.stdout).toMatch(/^  VictoriaMetrics 1\.\d+\.\d+, 7 scrape targets;/m);
    expect(run.stdout).toMatch(/Figures and targets/);
    expect(run.stdout).toMatch(/prometheus +4 +tick p50 \/ p95 \(engine collection\) .* p95 < 1000 ms/);
    expect(run.stdout).toMatch(/nodes up at the end \/ ticks with values of every node +4 \/ [1-9]\d* of [1-9]\d* +4 +ok/);
    expect(run.stdout).not.toMatch(/SSH side/);
  }, 130_000);

  it('refuses a bad flag with exit 2', () => {
    const run = runBenchCli(['prometheus', '--ssh-nodes', 'many']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/--ssh-nodes must be a positive integer/);
    const engine = runBenchCli(['prometheus', '--engine', 'influx']);
    expect(engine.status).toBe(2);
    expect(engine.stderr).toMatch(/--engine is prometheus or victoria-metrics/);
  });
});
