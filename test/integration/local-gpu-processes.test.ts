// The local node's GPU processes: a fake nvidia-smi first on PATH prints a real capture (Tesla T4,
// Xorg and a python job) whose PIDs are replaced by a process this test starts and one that does
// not exist, so the /proc and /etc/passwd reads are this machine's own.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createEngine } from '../../electron/core/engine';
import { silentLogger } from '../../electron/core/log';
import { ConfigSchema } from '../../shared/config';
import { NodeSnapshotSchema } from '../../shared/model/node';
import { fakeNvidiaSmi } from '../helpers/fake-nvidia-smi';
import { readFixture } from '../helpers/fixtures';
import { tempDir } from '../helpers/tmp';

const NO_SUCH_PID = 4194303;
const originalPath = process.env.PATH;
const children: ChildProcess[] = [];

afterEach(() => {
  process.env.PATH = originalPath;
});
afterAll(() => {
  for (const child of children) child.kill();
});

describe('the local node lists who is on its GPUs', () => {
  it('with user, command line and start from /proc; a PID that is gone keeps nulls', async () => {
    const startedAt = Date.now();
    const job = spawn('/bin/sh', ['-c', 'sleep 300', 'infer', '--model', 'llama'], { stdio: 'ignore' });
    children.push(job);
    const xml = readFixture('nvidia-smi/xml', 'tesla-t4-linux-drv515-v11.xml')
      .replace('<pid>5762</pid>', `<pid>${job.pid}</pid>`)
      .replace('<pid>675</pid>', `<pid>${NO_SUCH_PID}</pid>`);
    const file = join(tempDir(), 'capture.xml');
    writeFileSync(file, xml);
    process.env.PATH = fakeNvidiaSmi({ script: `[ "$1 $2" = "-q -x" ] || exit 2\ncat '${file}'` }).path;
    const engine = createEngine({
      config: ConfigSchema.parse({ collection: { intervalMs: 1000 } }),
      dbPath: ':memory:',
      configPath: '/nonexistent/config.yaml',
      mode: 'serve',
      log: silentLogger,
    });
    const [snapshot] = await engine.collectOnce();
    engine.close();
    expect(NodeSnapshotSchema.parse(snapshot)).toEqual(snapshot);
    expect(snapshot!.errors).toEqual([]);
    const [t4] = snapshot!.gpus;
    expect(t4!.processCount).toBe(2);
    const me = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
    // Largest GPU memory first: python 1005 MiB, Xorg 22 MiB.
    expect(t4!.processes![0]).toMatchObject({
      pid: job.pid,
      type: 'C',
      name: 'python',
      usedMemoryMib: 1005,
      user: me,
      command: '/bin/sh -c sleep 300 infer --model llama',
    });
    // The start comes from /proc's clock ticks since boot and the boot time, read at another
    // instant than this clock (a busy machine puts seconds between them): right within 3 s.
    expect(t4!.processes![0]!.startedAtMs!).toBeGreaterThanOrEqual(startedAt - 3000);
    expect(t4!.processes![0]!.startedAtMs!).toBeLessThanOrEqual(snapshot!.collectedAt + 3000);
    expect(t4!.processes![1]).toEqual({
      pid: NO_SUCH_PID,
      type: 'G',
      name: '/usr/lib/xorg/Xorg',
      command: null,
      user: null,
      usedMemoryMib: 22,
      startedAtMs: null,
      gpuInstanceId: null,
      computeInstanceId: null,
    });
  });
});
