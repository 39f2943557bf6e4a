// `npm run bench -- ssh --ssh-config ...` against real sshd hosts of the SSH lab: a short run of
// the whole suite (engine, OpenSSH loop, microbenchmarks) through the built benchmark CLI. The lab-sized
// run is `npm run bench -- ssh` (test/bench); this only checks that the figures come out.
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EngineFigures, MicroFigures, OpensshFigures, SshBenchResult } from '../../bench/ssh-bench';
import { BENCH_CLI, runBenchCli } from '../helpers/bench-cli';
import { isolatedEnv } from '../helpers/cli';
import { SshLab } from '../helpers/ssh-lab';

let lab: SshLab;

beforeAll(async () => {
  lab = await SshLab.create({ hosts: [{ name: 'b1', nvidiaSmi: { xmlFixture: '2x-rtx-a5000-drv590-v13.xml' } }, { name: 'b2' }] });
}, 120_000);

afterAll(async () => {
  await lab?.dispose();
});

describe('npm run bench -- ssh', () => {
  it('polls N logical nodes over the hosts of an ssh config, beside the OpenSSH client, and prints the figures', () => {
    const args = [
      'ssh',
      '--json',
      '--ssh-config',
      lab.sshConfigPath,
      '--all-hosts',
      '--known-hosts',
      lab.knownHostsPath,
      '--nodes',
      '4',
      '--duration',
      '12s',
      '--rounds',
      '1',
    ];
    const run = spawnSync(process.execPath, [BENCH_CLI, ...args], { env: isolatedEnv(), encoding: 'utf8', timeout: 170_000 });
    expect(run.status, run.stderr).toBe(0);
    const { ssh } = JSON.parse(run.stdout) as { ssh: SshBenchResult };
    expect([ssh.nodes, ssh.routes]).toEqual([4, 2]);
    expect(ssh.warnings.join('\n')).toMatch(/4 logical nodes share 2 SSH connections/);
    const engine = ssh.engine as EngineFigures;
    expect(engine.run.upAtEnd).toBe(4);
    expect(engine.run.ticks.length).toBeGreaterThan(0);
    expect(engine.isolation).toMatch(/process of its own/);
    expect(engine.cpuPctOfCore).toBeGreaterThan(0);
    expect(engine.rssPeakMb).toBeGreaterThan(20);
    expect((ssh.openssh as OpensshFigures).rounds).toEqual([expect.objectContaining({ ok: 4, failed: 0 })]);
    const micro = ssh.micro as MicroFigures;
    expect(micro.connectAuthMs.noDelay.count).toBe(20);
    expect(micro.opensshRunMs?.count).toBe(20);
    // b1's fake nvidia-smi answers only -q -x (not the per-tick CSV query): reported, not fatal.
    expect('error' in micro.gpu ? micro.gpu.error : '').toMatch(/CSV query failed/);
    expect(ssh.misses).toContain('nodes: 4, the targets are for 500 (--nodes 500)');
  }, 180_000);

  it('needs hosts: without --ssh-config it says how to give them, and exits 2', () => {
    const run = runBenchCli(['ssh']);
    expect(run.status).toBe(2);
    expect(run.stderr).toMatch(/bench ssh needs SSH hosts: --ssh-config FILE/);
  });
});
