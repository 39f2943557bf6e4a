// Who is on the GPUs of an SSH node, end to end: a real sshd host (test/helpers/ssh-lab.ts)
// whose fake nvidia-smi answers the GPU query and the compute-apps query from the real H200
// captures, with the capture's PIDs replaced by processes this test starts on the host (one as
// root, one as the login user), so the per-tick script's /proc and /etc/passwd reads are real.
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine } from '../../electron/core/engine';
import { silentLogger } from '../../electron/core/log';
import { ConfigSchema } from '../../shared/config';
import { NodeSnapshotSchema } from '../../shared/model/node';
import { SshLab } from '../helpers/ssh-lab';

const NO_SUCH_PID = 4194303;
const shared = mkdtempSync(join(tmpdir(), 'cd-gpu-procs-'));
chmodSync(shared, 0o755);
const pidMapFile = join(shared, 'pids');

let lab: SshLab;

/** Starts argv in the background on the host; its PID there. */
async function startOnHost(argv: string[]): Promise<number> {
  const result = await lab.execInHost('gpu1', ['/bin/sh', '-c', '"$@" >/dev/null 2>&1 </dev/null & echo $!', 'start', ...argv]);
  const pid = Number(result.stdout.trim());
  if (!Number.isSafeInteger(pid) || pid <= 0) throw new Error(`could not start ${argv.join(' ')} on the host: ${result.stdout}${result.stderr}`);
  return pid;
}

beforeAll(async () => {
  lab = await SshLab.create({
    hosts: [
      {
        name: 'gpu1',
        nvidiaSmi: {
          xmlFixture: 'tesla-t4-linux-drv515-v11.xml',
          queryGpuFixture: 'h200-linux-drv590.48.01-load.query-gpu.csv',
          computeAppsFixture: 'h200-linux-drv590.48.01-load.query-compute-apps.csv',
          pidMapFile,
        },
      },
    ],
  });
}, 120_000);

afterAll(async () => {
  await lab?.dispose();
  rmSync(shared, { recursive: true, force: true });
});

describe('GPU processes of an SSH node', () => {
  it('come with the user and command line read from /proc over the same connection; a gone PID has nulls', async () => {
    const host = lab.host('gpu1');
    const rootJob = await startOnHost(['/bin/sh', '-c', 'sleep 600', 'burn', '--seconds', '600']);
    const userJob = await startOnHost(['setpriv', `--reuid=${host.user}`, `--regid=${host.user}`, '--init-groups', 'sleep', '601']);
    writeFileSync(pidMapFile, `10291, ${rootJob}\n10293, ${userJob}\n10309, ${NO_SUCH_PID}\n`, { mode: 0o644 });

    const engine = createEngine({
      config: ConfigSchema.parse({ collection: { intervalMs: 2000, nvidiaSmiTimeoutMs: 5000 } }),
      dbPath: ':memory:',
      configPath: '/nonexistent.yaml',
      mode: 'serve',
      log: silentLogger,
      includeLocal: false,
      useInventory: false,
      sshNodes: [
        { id: 'gpu1', host: host.address, port: host.port, user: host.user, identityFiles: [host.privateKeyPath], useAgent: false, proxyJump: [], labels: [] },
      ],
      knownHostsFile: lab.knownHostsPath,
      userKnownHostsFiles: [],
      acceptNewHostKeys: false,
    });
    try {
      const [snapshot] = await engine.collectOnce();
      expect(NodeSnapshotSchema.parse(snapshot)).toEqual(snapshot);
      expect(snapshot!.gpuStatus).toMatchObject({ state: 'ok', driverVersion: '590.48.01' });
      const [h200] = snapshot!.gpus;
      expect(h200!.productName).toBe('NVIDIA H200');
      expect(h200!.processCount).toBe(3);
      const processes = h200!.processes!;
      expect(processes.map((p) => [p.pid, p.usedMemoryMib, p.name])).toEqual([
        [NO_SUCH_PID, 28234, './gpu_burn'],
        [rootJob, 2566, '/root/tools/memhog'],
        [userJob, 1542, '/root/tools/memhog'],
      ]);
      expect(processes[0]).toMatchObject({ user: null, command: null, startedAtMs: null });
      expect(processes[1]).toMatchObject({ type: 'C', user: 'root', command: '/bin/sh -c sleep 600 burn --seconds 600' });
      expect(processes[2]).toMatchObject({ type: 'C', user: host.user, command: 'sleep 601' });
      for (const p of processes.slice(1)) {
        expect(p.startedAtMs!).toBeGreaterThan(snapshot!.collectedAt - 120_000);
        expect(p.startedAtMs!).toBeLessThanOrEqual(snapshot!.collectedAt + 1000);
      }
    } finally {
      engine.close();
    }
  });
});
