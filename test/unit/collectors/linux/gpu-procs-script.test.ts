// The per-tick script's compute-apps and gpu-procs sections, run on this machine under sh and
// bash: a fake nvidia-smi prints the real H200 captures with the PIDs of the capture replaced by
// processes this test starts, so the /proc reads and the user lookup are real.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LinuxNodeBuilder } from '../../../../electron/core/collectors/linux/node-builder';
import { SAMPLE_SCRIPT, SAMPLE_SECTIONS } from '../../../../electron/core/collectors/linux/scripts';
import { parseStaticFacts } from '../../../../electron/core/collectors/linux/static-facts';
import { splitSections } from '../../../../electron/core/hosts/sections';
import { readFixture } from '../../../helpers/fixtures';
import { currentLine, staticOutput } from './framing';

const asRoot = process.getuid?.() === 0;
/** Above any pid_max (2^22): never a process. */
const NO_SUCH_PID = 4194303;

const dir = mkdtempSync(join(tmpdir(), 'clusterdeck-procs-'));
const children: ChildProcess[] = [];
let jobPid = 0;
let otherPid = 0;
let startedAt = 0;

beforeAll(() => {
  startedAt = Date.now();
  // A job with arguments (its command line is what the page shows) and one of another user.
  const job = spawn('/bin/sh', ['-c', 'sleep 300', 'train-job', '--epochs', '3'], { stdio: 'ignore' });
  const other = spawn('sleep', ['301'], { stdio: 'ignore', ...(asRoot ? { uid: 65534, gid: 65534 } : {}) });
  children.push(job, other);
  jobPid = job.pid!;
  otherPid = other.pid!;
  const capture = readFixture('nvidia-smi/csv', 'h200-linux-drv590.48.01-load.query-compute-apps.csv')
    .replace(', 10291, ', `, ${jobPid}, `)
    .replace(', 10293, ', `, ${otherPid}, `)
    .replace(', 10309, ', `, ${NO_SUCH_PID}, `);
  writeFileSync(join(dir, 'apps.csv'), capture);
  writeFileSync(join(dir, 'gpu.csv'), `${currentLine('h200-linux-drv590.48.01-load.query-gpu.csv')}\n`);
  writeFileSync(
    join(dir, 'nvidia-smi'),
    [
      '#!/bin/sh',
      `case "$1" in --query-gpu=*) exec cat '${dir}/gpu.csv';; --query-compute-apps=*) exec cat '${dir}/apps.csv';; esac`,
      'echo "unexpected: $*" >&2; exit 2',
    ].join('\n'),
  );
  chmodSync(join(dir, 'nvidia-smi'), 0o755);
});

afterAll(() => {
  for (const child of children) child.kill();
  rmSync(dir, { recursive: true, force: true });
});

// As in scripts.test.ts: the fake is found only without the script's system-first PATH line.
const script = SAMPLE_SCRIPT.replace('PATH=/usr/bin:/bin:/usr/sbin:/sbin:$PATH; export PATH;', 'export PATH;');

describe('GPU processes read by the per-tick script', () => {
  for (const shell of ['sh', 'bash']) {
    it(`under ${shell}: PID, user, command line and start of each compute app; a PID that is gone has nulls`, () => {
      const stdout = execFileSync(shell, ['-c', script, 'clusterdeck', 'current'], {
        encoding: 'utf8',
        env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const split = splitSections(stdout, SAMPLE_SECTIONS);
      expect(split.warnings).toEqual([]);
      expect(split.sections.get('compute-apps')!.status).toEqual({ kind: 'ok' });
      expect(split.sections.get('gpu-procs')!.status).toEqual({ kind: 'ok' });

      const builder = new LinuxNodeBuilder('n', parseStaticFacts(staticOutput({ 'nvidia-smi-driver': ['590.48.01\n', 0] })));
      const collectedAt = Date.now();
      const tick = builder.build({ stdout, exitCode: 0, timedOut: false, truncated: false }, collectedAt);
      expect(tick.warnings).toEqual([]);
      const [gpu] = tick.snapshot.gpus;
      expect(gpu!.processCount).toBe(3);
      const processes = gpu!.processes!;
      // Largest GPU memory first, as in the capture: 28234, 2566, 1542 MiB.
      expect(processes.map((p) => [p.pid, p.usedMemoryMib, p.name])).toEqual([
        [NO_SUCH_PID, 28234, './gpu_burn'],
        [jobPid, 2566, '/root/tools/memhog'],
        [otherPid, 1542, '/root/tools/memhog'],
      ]);
      const me = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
      expect(processes[1]).toMatchObject({ type: 'C', user: me, command: '/bin/sh -c sleep 300 train-job --epochs 3' });
      expect(processes[2]).toMatchObject({ user: asRoot ? 'nobody' : me, command: 'sleep 301' });
      expect(processes[0]).toMatchObject({ user: null, command: null, startedAtMs: null });
      // Started by beforeAll: between its start (less the kernel's 10 ms tick) and now.
      for (const p of processes.slice(1)) {
        expect(p.startedAtMs!).toBeGreaterThanOrEqual(startedAt - 1000);
        expect(p.startedAtMs!).toBeLessThanOrEqual(collectedAt + 1000);
      }
    });
  }

  it('runs no /proc reads when nvidia-smi lists no compute app', () => {
    writeFileSync(join(dir, 'apps.csv'), readFixture('nvidia-smi/csv', 'h100-80gb-hbm3-linux-drv590.48.01-idle.query-compute-apps.csv'));
    const stdout = execFileSync('sh', ['-c', script, 'clusterdeck', 'current'], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const split = splitSections(stdout, SAMPLE_SECTIONS);
    expect(split.sections.get('gpu-procs')!.lines).toEqual([]);
    const builder = new LinuxNodeBuilder('n', parseStaticFacts(staticOutput({ 'nvidia-smi-driver': ['590.48.01\n', 0] })));
    const gpu = builder.build({ stdout, exitCode: 0, timedOut: false, truncated: false }, Date.now()).snapshot.gpus[0]!;
    expect(gpu.processes).toEqual([]);
    expect(gpu.processCount).toBe(0);
  });
});
