/**
 * A fleet for `bench ssh` in the SSH lab (test/helpers/ssh-lab.ts): N logical nodes, each its own
 * SSH route (address, port), on real sshd hosts in network namespaces of this machine.
 *
 * - One sshd listens on at most 16 sockets (OpenSSH's MAX_LISTEN_SOCKS: a 17th `Port` line makes
 *   it exit with "Too many listen sockets"), so N routes take ceil(N / 16) hosts, 16 ports each.
 * - GPUs: most hosts have a fake nvidia-smi answering the engine's `--query-gpu` CSV query and
 *   `-q -x` with real captures, widened to 8 GPUs (rows of an H100 capture, <gpu> blocks of an
 *   RTX A5000 capture, each with its own index, UUID and bus id); every 4th host has none.
 * - Node work: 'real' runs the engine's scripts on the hosts as a node would (sh, awk, df, the
 *   fake nvidia-smi: about 15 processes a sample); 'replay' answers each command the engine
 *   sends with that host's own recorded answer to the very same command line, through a login
 *   shell that prints the recording (one small process). This machine's cores are shared by
 *   every lab host and by the engine; on a real fleet each node runs its script on its own CPU.
 *   Replay keeps the lab's share small enough to measure the engine at hundreds of nodes.
 * - The microbenchmark host runs everything for real.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GPU_CSV_COMMAND, GPU_XML_COMMAND, sampleCommandLine } from '../../bench/ssh-bench';
import { GPU_QUERY_FIELDS, STATIC_ARGV } from '../../electron/core/collectors/linux/scripts';
import { shellQuote } from '../../electron/core/hosts/ssh/ssh-connection';
import type { SshNode } from '../../shared/model/inventory';
import { readFixture } from '../helpers/fixtures';
import { SshLab } from '../helpers/ssh-lab';
import { knownHostsLine } from '../helpers/ssh-lab/keys';
import { mapLimit } from '../helpers/ssh-lab/run';

export type NodeWork = 'real' | 'replay';

export interface LabFleetOptions {
  nodes: number;
  /** sshd ports per host, at most 16 (default 16). */
  portsPerHost?: number;
  nodeWork: NodeWork;
  /** GPUs of each GPU host (default 8). */
  gpus?: number;
  log?: (line: string) => void;
}

export interface LabFleet {
  lab: SshLab;
  routes: SshNode[];
  microRoute: SshNode;
  knownHostsFile: string;
  setup: string[];
  gpuNote: string;
  /** CPU seconds used so far by every process on the lab's hosts (sshd, shells, scripts). */
  nodeCpuSeconds(): number;
  dispose(): Promise<void>;
}

const MAX_PORTS = 16;
const FIRST_PORT = 2200;
const CSV_CAPTURE = 'h100-80gb-hbm3-linux-drv590.48.01-load.query-gpu.csv';
const XML_CAPTURE = '2x-rtx-a5000-drv590-v13.xml';
/** Inside each host, its /usr/local/bin is its own folder (the lab binds it), so this path is per host. */
const REPLAY_DIR = '/usr/local/bin/replay';
const REPLAY_SHELL = '/usr/local/bin/cd-replay-shell';

const uuidOf = (i: number) => `GPU-00000000-0000-0000-0000-${String(i).padStart(12, '0')}`;
const busOf = (i: number) => `00000000:${(0x18 + i * 0x10).toString(16).toUpperCase().padStart(2, '0')}:00.0`;

/** The `--query-gpu` answer (noheader, nounits) of `gpus` GPUs, from one row of a real capture. */
export function csvAnswer(gpus: number): string {
  const [header, row] = readFixture('nvidia-smi', 'csv', CSV_CAPTURE).split('\n');
  const names = header!.split(', ').map((h) => h.replace(/ \[.*\]$/, ''));
  const cells = row!.split(', ');
  const values = new Map(names.map((n, i) => [n, cells[i]!]));
  return (
    Array.from({ length: gpus }, (_, i) => {
      const own: Record<string, string> = { index: String(i), uuid: uuidOf(i), 'pci.bus_id': busOf(i) };
      return GPU_QUERY_FIELDS.current.map((f) => own[f] ?? values.get(f)!.replace(/ (W|MiB|MHz|%)$/, '')).join(', ');
    }).join('\n') + '\n'
  );
}

/** `nvidia-smi -q -x` of `gpus` GPUs: the capture's <gpu> blocks in turn, each with the CSV's index, UUID and bus id. */
export function xmlAnswer(gpus: number): string {
  const xml = readFixture('nvidia-smi', 'xml', XML_CAPTURE);
  const blocks = [...xml.matchAll(/\t<gpu id="[^"]*">[\s\S]*?\n\t<\/gpu>\n/g)].map((m) => m[0]);
  const start = xml.indexOf(blocks[0]!);
  const end = xml.lastIndexOf(blocks.at(-1)!) + blocks.at(-1)!.length;
  const gpuXml = Array.from({ length: gpus }, (_, i) =>
    blocks[i % blocks.length]!.replace(/<gpu id="[^"]*">/, `<gpu id="${busOf(i)}">`)
      .replace(/<uuid>[^<]*<\/uuid>/, `<uuid>${uuidOf(i)}</uuid>`)
      .replace(/<minor_number>[^<]*<\/minor_number>/, `<minor_number>${i}</minor_number>`),
  ).join('');
  return (xml.slice(0, start) + gpuXml + xml.slice(end)).replace(/<attached_gpus>\d+<\/attached_gpus>/, `<attached_gpus>${gpus}</attached_gpus>`);
}

/** A fake nvidia-smi answering the collector's queries from files in `dir`. */
function nvidiaSmiScript(dir: string): string {
  const q = (text: string) => shellQuote(text);
  return [
    `case "$*" in`,
    `  ${q('-q -x')}) exec cat ${q(join(dir, 'nvidia-smi.xml'))} ;;`,
    `  ${q('--query-gpu=driver_version --format=csv,noheader')}) exec cat ${q(join(dir, 'driver.csv'))} ;;`,
    `  ${q(GPU_CSV_COMMAND.slice('nvidia-smi '.length))}) exec cat ${q(join(dir, 'query.csv'))} ;;`,
    `esac`,
    `for a in "$@"; do case $a in --query-gpu=*) echo 'Field "unknown" is not a valid field to query.'; exit 2 ;; esac; done`,
    `echo "fake nvidia-smi: unexpected arguments: $*" >&2`,
    `exit 2`,
  ].join('\n');
}

/**
 * The replay login shell: `shell -c LINE` prints REPLAY_DIR/K.out when LINE is exactly
 * REPLAY_DIR/K.cmd; anything else goes to bash. C when a compiler is here (one small process a
 * command), else a sh script (a few processes).
 */
const REPLAY_C = `
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static char *slurp(const char *path, size_t *len) {
  int fd = open(path, O_RDONLY);
  if (fd < 0) return NULL;
  size_t cap = 65536, n = 0;
  char *buf = malloc(cap);
  ssize_t r;
  while ((r = read(fd, buf + n, cap - n)) > 0) {
    n += (size_t)r;
    if (n == cap) buf = realloc(buf, cap *= 2);
  }
  close(fd);
  *len = n;
  return buf;
}
int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "-c") == 0) {
    size_t want = strlen(argv[2]);
    for (int i = 0;; i++) {
      char path[256];
      size_t n;
      snprintf(path, sizeof path, "${REPLAY_DIR}/%d.cmd", i);
      char *cmd = slurp(path, &n);
      if (!cmd) break;
      int same = n == want && memcmp(cmd, argv[2], n) == 0;
      free(cmd);
      if (!same) continue;
      snprintf(path, sizeof path, "${REPLAY_DIR}/%d.out", i);
      char *out = slurp(path, &n);
      if (!out) return 1;
      for (size_t done = 0; done < n;) {
        ssize_t w = write(1, out + done, n - done);
        if (w <= 0) return 1;
        done += (size_t)w;
      }
      return 0;
    }
  }
  argv[0] = argv[0][0] == '-' ? "-bash" : "bash";
  execv("/bin/bash", argv);
  return 127;
}
`;

const REPLAY_SH = `#!/bin/sh
if [ "$#" -eq 2 ] && [ "$1" = -c ]; then
  for f in ${REPLAY_DIR}/*.cmd; do
    if [ "$(cat "$f")" = "$2" ]; then exec cat "\${f%.cmd}.out"; fi
  done
fi
exec /bin/bash "$@"
`;

/** Builds the replay shell once; returns its path and what it is. */
function buildReplayShell(dir: string): { path: string; kind: string } {
  const source = join(dir, 'replay-shell.c');
  writeFileSync(source, REPLAY_C);
  const binary = join(dir, 'replay-shell');
  const cc = spawnSync('cc', ['-O2', '-o', binary, source], { encoding: 'utf8' });
  if (cc.status === 0) return { path: binary, kind: 'a small C program' };
  const script = join(dir, 'replay-shell.sh');
  writeFileSync(script, REPLAY_SH, { mode: 0o755 });
  return { path: script, kind: 'a sh script (no C compiler here: a few processes a command)' };
}

/**
 * The lab's processes in a cgroup of their own: exact CPU accounting of every process they ever
 * start (cpuacct, or cpu.stat in cgroup v2), and a small CPU weight so that the lab takes the CPU
 * the engine leaves rather than starving it: 500 runnable sshd sessions would otherwise each
 * weigh as much as the engine's one thread, and stall it for seconds (on a real fleet the nodes
 * run on their own machines). Null where no cgroup file system is writable.
 */
interface LabCgroup {
  kind: string;
  usageSeconds(): number;
  remove(): void;
}

const LAB_CPU_SHARES = 128;

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function labCgroup(name: string, pids: readonly number[]): LabCgroup | null {
  const addAll = (dir: string) => {
    for (const pid of pids) {
      try {
        writeFileSync(join(dir, 'cgroup.procs'), `${pid}\n`);
      } catch {
        // gone meanwhile
      }
    }
  };
  const removeDirs = (dirs: string[]) => () => {
    for (const dir of dirs) {
      for (let i = 0; i < 60; i += 1) {
        try {
          rmdirSync(dir);
          break;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') break;
          sleepSync(50); // its processes are still exiting
        }
      }
    }
  };
  try {
    if (existsSync('/sys/fs/cgroup/cpuacct/cpuacct.usage') && existsSync('/sys/fs/cgroup/cpu/cpu.shares')) {
      const cpu = join('/sys/fs/cgroup/cpu', name);
      const acct = join('/sys/fs/cgroup/cpuacct', name);
      mkdirSync(cpu);
      mkdirSync(acct);
      writeFileSync(join(cpu, 'cpu.shares'), `${LAB_CPU_SHARES}\n`);
      addAll(cpu);
      addAll(acct);
      return {
        kind: `cgroup v1 (cpuacct; cpu.shares ${LAB_CPU_SHARES} against 1024 for the engine)`,
        usageSeconds: () => Number(readFileSync(join(acct, 'cpuacct.usage'), 'utf8')) / 1e9,
        remove: removeDirs([cpu, acct]),
      };
    }
    if (existsSync('/sys/fs/cgroup/cgroup.controllers')) {
      const dir = join('/sys/fs/cgroup', name);
      mkdirSync(dir);
      const weighted = existsSync(join(dir, 'cpu.weight'));
      if (weighted) writeFileSync(join(dir, 'cpu.weight'), `${Math.round((LAB_CPU_SHARES / 1024) * 100)}\n`);
      addAll(dir);
      const usage = () => Number(/usage_usec (\d+)/.exec(readFileSync(join(dir, 'cpu.stat'), 'utf8'))?.[1] ?? NaN) / 1e6;
      return {
        kind: `cgroup v2 (cpu.stat${weighted ? `; cpu.weight ${Math.round((LAB_CPU_SHARES / 1024) * 100)} against 100 for the engine` : ''})`,
        usageSeconds: usage,
        remove: removeDirs([dir]),
      };
    }
  } catch {
    // not writable here: fall back to reading /proc
  }
  return null;
}

/** Sum of utime + stime + cutime + cstime of every process in these network namespaces, seconds (approximate: processes that end while it reads are missed or counted twice). */
function namespaceCpuSeconds(namespaces: readonly string[]): number {
  const inodes = new Set<string>();
  for (const ns of namespaces) {
    try {
      inodes.add(`net:[${statSync(`/run/netns/${ns}`).ino}]`);
    } catch {
      // gone
    }
  }
  let ticks = 0;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (!inodes.has(readlinkSync(`/proc/${entry}/ns/net`))) continue;
      const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      // the process ended meanwhile
    }
  }
  return ticks / 100;
}

export async function createLabFleet(options: LabFleetOptions): Promise<LabFleet> {
  const log = options.log ?? (() => {});
  const portsPerHost = options.portsPerHost ?? MAX_PORTS;
  if (!Number.isInteger(portsPerHost) || portsPerHost < 1 || portsPerHost > MAX_PORTS)
    throw new Error(`--ports must be 1..${MAX_PORTS} (sshd listens on at most ${MAX_PORTS} sockets)`);
  const gpus = options.gpus ?? 8;
  const hostCount = Math.ceil(options.nodes / portsPerHost);
  if (hostCount > 250) throw new Error(`${options.nodes} nodes need ${hostCount} lab hosts; the lab has room for 250`);
  const names = Array.from({ length: hostCount }, (_, i) => `n${String(i + 1).padStart(3, '0')}`);
  const hasGpu = (i: number) => i % 4 !== 3;
  const ports = Array.from({ length: portsPerHost }, (_, i) => FIRST_PORT + i);

  const dir = mkdtempSync(join(tmpdir(), 'cd-bench-lab-'));
  chmodSync(dir, 0o755);
  const gpuDir = join(dir, 'gpu');
  mkdirSync(gpuDir, { mode: 0o755 });
  writeFileSync(join(gpuDir, 'query.csv'), csvAnswer(gpus));
  writeFileSync(join(gpuDir, 'nvidia-smi.xml'), xmlAnswer(gpus));
  writeFileSync(join(gpuDir, 'driver.csv'), '590.48.01\n'.repeat(gpus));
  const nvidiaSmi = { script: nvidiaSmiScript(gpuDir) };

  log(`creating the SSH lab: ${hostCount} hosts x ${portsPerHost} ports, and a host for the microbenchmarks`);
  const started = performance.now();
  let lab: SshLab;
  try {
    lab = await SshLab.create({
      hosts: [
        ...names.map((name, i) => ({ name, port: FIRST_PORT, sshdConfig: ports.slice(1).map((p) => `Port ${p}`), nvidiaSmi: hasGpu(i) ? nvidiaSmi : null })),
        { name: 'micro', nvidiaSmi },
      ],
    });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  log(`lab up in ${((performance.now() - started) / 1000).toFixed(1)} s`);

  const hostNames = [...names, 'micro'];
  const cgroup = labCgroup(
    `clusterdeck-bench-lab${lab.index}-${process.pid}`,
    hostNames.flatMap((name) => lab.hostPids(name)),
  );
  const dispose = async () => {
    await lab.dispose();
    cgroup?.remove();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const knownHostsFile = join(dir, 'known_hosts');
    const lines: string[] = [];
    for (const name of names) for (const port of ports) lines.push(knownHostsLine(lab.host(name).address, port, lab.host(name).hostPublicKey));
    lines.push(lab.host('micro').hostPublicKeyLine);
    writeFileSync(knownHostsFile, `${lines.join('\n')}\n`, { mode: 0o644 });

    const routeOf = (name: string, port: number, id: string): SshNode => {
      const host = lab.host(name);
      return { id, host: host.address, port, user: host.user, identityFiles: [host.privateKeyPath], useAgent: false, proxyJump: [], labels: [] };
    };
    const routes: SshNode[] = [];
    for (let k = 0; k < options.nodes; k += 1) {
      // Round-robin over hosts first, so a small run still spreads over every host.
      const name = names[k % hostCount]!;
      const port = ports[Math.floor(k / hostCount)]!;
      routes.push(routeOf(name, port, `${name}-${port}`));
    }
    const microRoute = routeOf('micro', lab.host('micro').port, 'micro');

    let replayKind = '';
    if (options.nodeWork === 'replay') {
      const shell = buildReplayShell(dir);
      replayKind = shell.kind;
      const commands = [STATIC_ARGV.map(shellQuote).join(' '), sampleCommandLine('current'), sampleCommandLine('none'), GPU_XML_COMMAND, GPU_CSV_COMMAND];
      const passwd = readFileSync('/etc/passwd', 'utf8')
        .split('\n')
        .map((line) => {
          const fields = line.split(':');
          if (fields[0] !== lab.user || fields.length < 7) return line;
          fields[6] = REPLAY_SHELL;
          return fields.join(':');
        })
        .join('\n');
      log(`recording each host's answers to the engine's commands, then switching its login shell to the replay shell`);
      await mapLimit(names, 8, async (name) => {
        const host = lab.host(name);
        const replayDir = join(host.binDir, 'replay');
        mkdirSync(replayDir, { mode: 0o755 });
        // A host without nvidia-smi is never asked the GPU queries by the engine: those stay real.
        for (const [k, command] of commands.slice(0, hasGpu(names.indexOf(name)) ? commands.length : 3).entries()) {
          const run = await lab.ssh(name, command, { timeoutMs: 60_000 });
          writeFileSync(join(replayDir, `${k}.cmd`), command, { mode: 0o644 });
          writeFileSync(join(replayDir, `${k}.out`), run.stdout, { mode: 0o644 });
        }
        copyFileSync(shell.path, join(host.binDir, 'cd-replay-shell'));
        chmodSync(join(host.binDir, 'cd-replay-shell'), 0o755);
        await lab.setFakeFile(name, '/etc/passwd', passwd);
      });
      // Every host now answers from its recording, and still runs anything else.
      const check = await lab.ssh(names[0]!, commands[1]!, { timeoutMs: 30_000 });
      if (!check.stdout.includes('@@clusterdeck:done@@')) throw new Error(`the replay shell on ${names[0]} did not answer the sample: ${check.stderr}`);
    }

    const gpuHosts = names.filter((_, i) => hasGpu(i)).length;
    const setup = [
      `lab: ${hostCount} sshd hosts (OpenSSH, each in its own network namespace on this machine) x ${portsPerHost} ports = ${hostCount * portsPerHost} routes, ${options.nodes} used: every node its own TCP connection and SSH session`,
      options.nodeWork === 'replay'
        ? `node work: replay. Each host answers the engine's exact command lines with its own recorded answer to them (a login shell that prints the recording: ${replayKind}); the same bytes cross SSH and are parsed, but the ~15 processes of the real script are not run. --node-work real runs them`
        : `node work: real. Every host runs the engine's scripts (sh, awk, df, nvidia-smi: about 15 processes a sample) on this machine's ${hostCount > 0 ? 'shared' : ''} cores`,
      `the lab hosts share this machine's cores with the engine; their CPU is counted apart (node side), not as the engine's: ${cgroup ? `their processes run in a ${cgroup.kind}` : 'from /proc (no writable cgroup here: approximate, and the lab competes with the engine at equal weight)'}`,
    ];
    const gpuNote = `${gpuHosts} of ${hostCount} hosts have a fake nvidia-smi printing ${gpus} GPUs (rows of the real capture ${CSV_CAPTURE} for --query-gpu, <gpu> blocks of ${XML_CAPTURE} for -q -x, each GPU with its own index, UUID, bus id); ${hostCount - gpuHosts} have no nvidia-smi. No GPU here: nvidia-smi's own run time on a node is not measured.`;
    const namespaces = hostNames.map((name) => lab.host(name).namespace);
    const nodeCpuSeconds = cgroup ? () => cgroup.usageSeconds() : () => namespaceCpuSeconds(namespaces);
    return { lab, routes, microRoute, knownHostsFile, setup, gpuNote, nodeCpuSeconds, dispose };
  } catch (error) {
    await dispose();
    throw error;
  }
}
