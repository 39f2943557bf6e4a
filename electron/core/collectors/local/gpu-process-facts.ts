/**
 * The local node's GPU processes (from its `nvidia-smi -q -x`) with owner, command line and
 * start read from this machine's /proc and /etc/passwd: the same facts, in the same form
 * (proc-process.ts), as the SSH nodes' per-tick script gives. Each read is bounded; a PID that is
 * gone or hidden keeps null user and command. Outside Linux there is no /proc: nothing changes.
 */
import { open } from 'node:fs/promises';
import type { Gpu } from '../../../../shared/model/gpu';
import { withProcFacts } from '../linux/gpu-processes';
import { parseGpuProcs, type GpuProcs } from '../linux/proc-process';

/**
 * USER_HZ, the unit of /proc/PID/stat's starttime: 100 on every architecture Linux and Node run
 * on together (x86, arm, arm64, ppc64, s390x, riscv64); the SSH script asks getconf instead.
 */
const LOCAL_CLOCK_TICKS = 100;
const MAX_PIDS = 512;
const CMDLINE_BYTES = 1024;
const PASSWD_BYTES = 4 * 1024 * 1024;

/** The first `max` bytes of a file as text, or null when it cannot be read. */
async function head(path: string, max: number): Promise<string | null> {
  try {
    const file = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(max);
      let length = 0;
      while (length < max) {
        const { bytesRead } = await file.read(buffer, length, max - length, null);
        if (bytesRead === 0) break;
        length += bytesRead;
      }
      return buffer.subarray(0, length).toString('utf8');
    } finally {
      await file.close();
    }
  } catch {
    return null;
  }
}

/** What /proc says about `pids` on this machine (`root` is a test seam). */
export async function readLocalGpuProcs(pids: number[], root = ''): Promise<GpuProcs> {
  const out: GpuProcs = { clockTicksPerSec: LOCAL_CLOCK_TICKS, uptimeSec: null, byPid: new Map(), users: new Map(), warnings: [] };
  const uptime = Number((await head(`${root}/proc/uptime`, 256))?.split(' ')[0]);
  out.uptimeSec = Number.isFinite(uptime) ? uptime : null;
  const lines: string[] = [];
  for (const pid of [...new Set(pids)].slice(0, MAX_PIDS)) {
    const [stat, status, cmdline] = await Promise.all([
      head(`${root}/proc/${pid}/stat`, 4096),
      head(`${root}/proc/${pid}/status`, 16 * 1024),
      head(`${root}/proc/${pid}/cmdline`, CMDLINE_BYTES),
    ]);
    if (stat !== null) lines.push(`stat ${pid} ${stat.split('\n')[0]}`);
    const uid = status
      ?.split('\n')
      .find((l) => l.startsWith('Uid:'))
      ?.split(/\s+/)[1];
    if (uid !== undefined) lines.push(`uid ${pid} ${uid}`);
    if (cmdline !== null) lines.push(`cmd ${pid} ${cmdline.replaceAll('\n', ' ')}`);
  }
  const parsed = parseGpuProcs(lines.join('\n'));
  out.byPid = parsed.byPid;
  const uids = new Set([...parsed.byPid.values()].map((f) => f.uid).filter((u): u is number => u !== null));
  for (const line of (await head(`${root}/etc/passwd`, PASSWD_BYTES))?.split('\n') ?? []) {
    const [name, , uid] = line.split(':');
    if (name && uid !== undefined && uids.has(Number(uid)) && /^\d+$/.test(uid)) out.users.set(Number(uid), name.slice(0, 256));
  }
  out.warnings = parsed.warnings;
  return out;
}

/** The GPUs with their listed processes' /proc facts filled in (Linux only). */
export async function withLocalProcFacts(gpus: Gpu[], collectedAt: number, platform: NodeJS.Platform = process.platform): Promise<Gpu[]> {
  if (platform !== 'linux') return gpus;
  const pids = gpus.flatMap((gpu) => gpu.processes?.map((p) => p.pid) ?? []);
  if (pids.length === 0) return gpus;
  return withProcFacts(gpus, await readLocalGpuProcs(pids), collectedAt);
}
