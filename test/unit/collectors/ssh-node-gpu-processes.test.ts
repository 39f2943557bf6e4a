// An SSH node's GPU processes between the per-tick sample and the XML read every few minutes,
// over a fake connection: the per-tick list stands, the XML adds MIG instance ids and devices.
import { describe, expect, it } from 'vitest';
import { STATIC_ARGV } from '../../../electron/core/collectors/linux/scripts';
import { SshNodeCollector } from '../../../electron/core/collectors/ssh-node';
import type { ExecResult } from '../../../electron/core/hosts/host';
import { shellQuote } from '../../../electron/core/hosts/ssh/ssh-connection';
import type { SshPool } from '../../../electron/core/hosts/ssh/ssh-pool';
import { silentLogger } from '../../../electron/core/log';
import { NodeSnapshotSchema } from '../../../shared/model/node';
import { readFixture } from '../../helpers/fixtures';
import { ALL_FILES, currentLine, framed, staticOutput } from './linux/framing';

const MASKED_UUID = 'GPU-00000000-0000-0000-0000-000000000000';

const result = (stdout: string): ExecResult => ({ exitCode: 0, stdout, stderr: '', notFound: false, timedOut: false, truncated: false, durationMs: 1 });

/** The H100 MIG captures per tick; the A100 MIG XML capture given the H100's (masked) UUID and one process in GPU instance 3. */
function fakeNode() {
  const staticLine = ['sh', ...STATIC_ARGV.slice(1)].map(shellQuote).join(' ');
  const sample = framed([
    ['boot-id', 'aaaaaaaa-0000-4000-8000-000000000001\n'],
    ['proc-uptime', '5000.00 3000.00\n'],
    ['nvidia-smi', `${currentLine('h100-80gb-hbm3-mig-linux-drv590.48.01-load.query-gpu.csv')}\n`, 0],
    ['compute-apps', readFixture('nvidia-smi/csv', 'h100-80gb-hbm3-mig-linux-drv590.48.01-load.query-compute-apps.csv'), 0],
    ['gpu-procs', 'hz 100\nuptime 5000.00 1\nuid 21180 1000\ncmd 21180 /root/tools/memhog --size 2g\nuser 1000 alice\n', 0],
  ]);
  const xml = readFixture('nvidia-smi/xml', 'a100-sxm4-80gb-mig-drv535-v12.xml')
    .replace(/<uuid>[^<]*<\/uuid>/, `<uuid>${MASKED_UUID}</uuid>`)
    .replace(
      '<processes />',
      '<processes><process_info><gpu_instance_id>3</gpu_instance_id><compute_instance_id>0</compute_instance_id><pid>21180</pid><type>C</type><process_name>/root/tools/memhog</process_name><used_memory>2296 MiB</used_memory></process_info></processes>',
    );
  const connection = {
    endpoint: { host: 'node', port: 22, user: 'u' },
    problem: null,
    connects: 1,
    ready: async () => {},
    resetBackoff: () => {},
    exec: async (line: string): Promise<ExecResult> => {
      if (line === staticLine) {
        return result(
          staticOutput({
            'nvidia-smi-driver': ['590.48.01\n', 0],
            capabilities: [`${ALL_FILES.map((f) => `file ${f}`).join('\n')}\ncommand awk\ncommand df\ncommand nvidia-smi\ncommand timeout\n`, 0],
          }),
        );
      }
      return result(line.startsWith('sh ') ? sample : xml);
    },
  };
  const pool = { connection: () => connection, release: () => {} } as unknown as SshPool;
  return new SshNodeCollector({ id: 'n1', host: 'node', port: 22, user: 'u', identityFiles: [], useAgent: false, proxyJump: [], labels: [] }, pool, {
    nvidiaSmiTimeoutMs: 5000,
    log: silentLogger,
  });
}

describe('SSH node GPU processes with the XML details', () => {
  it('keeps the per-tick processes and count, with the MIG instance the XML names, and the MIG devices', async () => {
    const collector = fakeNode();
    const snapshot = NodeSnapshotSchema.parse(await collector.collect(Date.now()));
    const [gpu] = snapshot.gpus;
    expect(gpu!.processCount).toBe(3);
    expect(gpu!.processes!.map((p) => [p.pid, p.usedMemoryMib, p.gpuInstanceId, p.computeInstanceId])).toEqual([
      [21198, 7484, null, null],
      [21180, 2296, 3, 0],
      [21181, 1272, null, null],
    ]);
    expect(gpu!.processes![1]).toMatchObject({ user: 'alice', command: '/root/tools/memhog --size 2g' });
    expect(gpu!.migDevices!.map((d) => d.gpuInstanceId)).toEqual([3, 4, 5, 6]);
    collector.close();
  });
});
