/**
 * What the collectors run and read on nodes, for the exec policy (hosts/exec-policy.ts): the
 * full `nvidia-smi -q -x`, the Linux collectors' constant scripts (collectors/linux/scripts.ts)
 * with their one argument from a fixed set, and the system files they parse.
 */
import { ExecPolicy, oneOf, type HostAccess } from '../hosts/exec-policy';
import { GPU_QUERY_PROFILES, SAMPLE_TOOL_VARIANTS, sampleArgv, sampleScript, STATIC_SCRIPT } from './linux/scripts';

/** The name the sample script runs under ($0), as sampleArgv passes it. */
const SCRIPT_NAME = sampleArgv('none')[3]!;

export const COLLECTOR_ACCESS: HostAccess = {
  commands: [
    {
      id: 'collectors.nvidia-smi-xml',
      program: 'nvidia-smi',
      args: ['-q', '-x'],
      description: 'every GPU detail as XML (local node; SSH nodes every few minutes)',
    },
    {
      id: 'collectors.linux-facts',
      program: 'sh',
      args: ['-c', STATIC_SCRIPT],
      description: 'connect-time facts of an SSH node (OS, CPU, which tools it has)',
    },
    {
      id: 'collectors.linux-sample',
      program: 'sh',
      args: [
        '-c',
        oneOf('one of the per-tick sample scripts', SAMPLE_TOOL_VARIANTS.map(sampleScript)),
        SCRIPT_NAME,
        oneOf('a GPU query profile', [...GPU_QUERY_PROFILES, 'none']),
      ],
      description:
        'the per-tick sample of an SSH node (/proc, df, nvidia-smi CSV; the GPU processes with their owner, command line and start from /proc and /etc/passwd)',
    },
  ],
  paths: [
    { id: 'collectors.proc-stat', path: '/proc/stat', description: 'CPU counters' },
    { id: 'collectors.proc-meminfo', path: '/proc/meminfo', description: 'memory' },
    { id: 'collectors.proc-loadavg', path: '/proc/loadavg', description: 'load average' },
    { id: 'collectors.proc-net-dev', path: '/proc/net/dev', description: 'network counters' },
    { id: 'collectors.proc-diskstats', path: '/proc/diskstats', description: 'disk counters (local node)' },
    { id: 'collectors.proc-uptime', path: '/proc/uptime', description: 'uptime' },
    { id: 'collectors.os-release', path: '/etc/os-release', description: 'OS name and version' },
  ],
};

/** The collectors' declarations alone: the default of a collector built without the engine's policy. */
export const COLLECTOR_POLICY = ExecPolicy.of(COLLECTOR_ACCESS);
