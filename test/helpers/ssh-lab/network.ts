/**
 * The lab's network resources and their lifecycle: which lab owns which names and subnets, the
 * cross-process lock that hands them out, and the teardown shared by dispose(), the process
 * 'exit' safety net and the sweep of labs left behind by a crashed run.
 *
 * Lab N (0..255) owns, and only ever touches:
 *   bridge     cdlabNb             198.18.N.1/24 (the root namespace's address on the lab network)
 *                                  plus a route 198.19.N.0/24 dev cdlabNb, so a direct attempt
 *                                  to reach a hidden host stays on the lab bridge (and fails)
 *                                  instead of following the default route off this machine
 *   veths      cdlabNv<k>          root ends, in the bridge; the other end is eth0 in the host
 *   namespaces cdlabN-<host>       one per host; the bastion's holds the inner bridge `inner0`
 *                                  (198.19.N.1/24) and the root ends `vh<k>` of the hidden hosts
 * 198.18.0.0/15 is the block RFC 2544 reserves for benchmark networks; a subnet that overlaps an
 * existing route or address on this machine is skipped.
 *
 * Ownership: the bridge's alias says `clusterdeck-ssh-lab;pid=P;start=T;dir=D`. A lab whose
 * owner process is gone (pid dead, or reused with another start time) is stale and swept.
 */
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { basename, dirname, resolve } from 'node:path';
import { PROGRAMS, run, runSync, sleepSync } from './run';

export const MAX_LABS = 256;
const ALIAS_TAG = 'clusterdeck-ssh-lab';
const LOCK_PATH = '/run/clusterdeck-ssh-lab.lock';
/** Where the next claim starts looking (written under the lock), so a number just freed is not reused at once. */
const NEXT_LAB_PATH = '/run/clusterdeck-ssh-lab.next';
export const LAB_DIR_PREFIX = 'cd-ssh-lab-';

export const names = {
  bridge: (lab: number) => `cdlab${lab}b`,
  veth: (lab: number, host: number) => `cdlab${lab}v${host}`,
  netns: (lab: number, host: string) => `cdlab${lab}-${host}`,
  innerBridge: 'inner0',
  innerVeth: (host: number) => `vh${host}`,
};

export const subnets = {
  outer: (lab: number) => `198.18.${lab}`,
  inner: (lab: number) => `198.19.${lab}`,
};

const isLabLink = (lab: number, name: string) => new RegExp(`^cdlab${lab}(b|v\\d+)$`).test(name);
const isLabNetns = (lab: number, name: string) => name.startsWith(`cdlab${lab}-`);

// ---- who owns a lab ----

export interface Owner {
  pid: number;
  start: string;
  dir: string;
}

/** The owner's start time in clock ticks since boot (field 22 of /proc/PID/stat), or null if gone. */
export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? null;
  } catch {
    return null;
  }
}

export function ownerAlias(dir: string): string {
  return `${ALIAS_TAG};pid=${process.pid};start=${processStartTime(process.pid)};dir=${dir}`;
}

export function parseOwnerAlias(alias: string | undefined): Owner | null {
  if (!alias?.startsWith(`${ALIAS_TAG};`)) return null;
  const fields = Object.fromEntries(
    alias
      .split(';')
      .slice(1)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );
  const pid = Number(fields.pid);
  if (!Number.isInteger(pid) || pid <= 0 || !fields.start || !fields.dir) return null;
  return { pid, start: fields.start, dir: fields.dir };
}

/** Who lab N's bridge says owns it; 'missing' when there is no such bridge. */
export function labOwner(lab: number): Owner | null | 'missing' {
  const out = runSync(PROGRAMS.ip, ['-j', 'link', 'show', 'dev', names.bridge(lab)], { allowFailure: true });
  if (out.code !== 0) return 'missing';
  return parseOwnerAlias((JSON.parse(out.stdout) as LinkInfo[])[0]?.ifalias);
}

function ownerAlive(owner: Owner): boolean {
  return processStartTime(owner.pid) === owner.start;
}

// ---- listing ----

interface LinkInfo {
  ifname: string;
  ifalias?: string;
  link_type?: string;
}

function listLinksSync(netns?: string): LinkInfo[] {
  const args = [...(netns ? ['-n', netns] : []), '-j', 'link', 'show'];
  const out = runSync(PROGRAMS.ip, args, { step: 'list network interfaces', allowFailure: Boolean(netns) });
  if (out.code !== 0) return [];
  return JSON.parse(out.stdout || '[]') as LinkInfo[];
}

function listNetnsSync(): string[] {
  const out = runSync(PROGRAMS.ip, ['-j', 'netns', 'list'], { step: 'list network namespaces' });
  return (JSON.parse(out.stdout.trim() || '[]') as Array<{ name: string }>).map((n) => n.name);
}

/** Every process whose network namespace is the named one (what `ip netns pids` prints). */
export function pidsInNetns(netns: string): number[] {
  let inode: number;
  try {
    inode = statSync(`/run/netns/${netns}`).ino;
  } catch {
    return [];
  }
  const want = `net:[${inode}]`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/ns/net`) === want) pids.push(Number(entry));
    } catch {
      // gone, or a zombie (no namespaces left)
    }
  }
  return pids;
}

export function parentPid(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return null;
  }
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/**
 * SIGKILLs every process in the namespaces and waits until none is left. Processes whose parent
 * is inside a namespace go first, so each dies under a parent that reaps it (no zombies handed to
 * init); then the ones started from outside (the lab's `unshare` supervisors).
 */
export function killNetnsProcessesSync(netns: string | readonly string[], timeoutMs = 10_000): void {
  const all = typeof netns === 'string' ? [netns] : netns;
  const current = () => all.flatMap((ns) => pidsInNetns(ns));
  const deadline = Date.now() + timeoutMs;
  const inside = new Set(current());
  const hasParentInside = (pid: number) => inside.has(parentPid(pid) ?? -1);
  for (const pid of inside) if (hasParentInside(pid)) killQuietly(pid);
  const innerDeadline = Math.min(deadline, Date.now() + 2000);
  while (Date.now() < innerDeadline && current().some(hasParentInside)) sleepSync(5);
  let pids: number[];
  while ((pids = current()).length > 0) {
    if (Date.now() > deadline) throw new Error(`processes ${pids.join(', ')} in network namespaces ${all.join(', ')} survived SIGKILL for ${timeoutMs} ms`);
    pids.forEach(killQuietly);
    sleepSync(5);
  }
}

// ---- the lock ----

/**
 * Runs fn while holding an exclusive flock(1) on LOCK_PATH, shared by every process on this
 * machine. The lock lives in a child `flock` process: ending its stdin releases it, and so does
 * this process dying, so a crash never leaves it held.
 */
export async function withLabLock<T>(fn: () => Promise<T>): Promise<T> {
  const child = spawn(PROGRAMS.flock, ['--exclusive', '--timeout', '120', LOCK_PATH, '/bin/sh', '-c', 'echo locked; exec cat >/dev/null'], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((done) => child.once('close', () => done()));
  await new Promise<void>((resolveLocked, reject) => {
    child.once('error', (error) => reject(new Error(`cannot run ${PROGRAMS.flock}: ${error.message}`)));
    child.once('close', (code) => reject(new Error(`flock ${LOCK_PATH} exited with ${code} before locking: ${stderr.trim()}`)));
    child.stdout.once('data', () => resolveLocked());
  });
  try {
    return await fn();
  } finally {
    child.stdin.end();
    await exited;
  }
}

// ---- claiming a lab number ----

function parseCidr(cidr: string): [number, number] | null {
  const match = /^(\d+)\.(\d+)\.(\d+)\.(\d+)(?:\/(\d+))?$/.exec(cidr);
  if (!match) return null;
  const ip = match.slice(1, 5).reduce((acc, part) => acc * 256 + Number(part), 0);
  const bits = match[5] === undefined ? 32 : Number(match[5]);
  const size = 2 ** (32 - bits);
  const start = Math.floor(ip / size) * size;
  return [start, start + size - 1];
}

/** IPv4 ranges this machine already routes or has addresses in, other than labs' own. */
async function rangesInUse(): Promise<Array<[number, number]>> {
  const routes = JSON.parse((await run(PROGRAMS.ip, ['-j', '-4', 'route', 'show', 'table', 'all'], { step: 'list routes' })).stdout || '[]') as Array<{
    dst: string;
    dev?: string;
    type?: string;
  }>;
  const addrs = JSON.parse((await run(PROGRAMS.ip, ['-j', '-4', 'addr', 'show'], { step: 'list addresses' })).stdout || '[]') as Array<{
    ifname: string;
    addr_info: Array<{ local: string; prefixlen: number }>;
  }>;
  const ranges: Array<[number, number]> = [];
  for (const r of routes) {
    if (r.dst === 'default' || /^cdlab\d+b$/.test(r.dev ?? '') || r.type === 'broadcast') continue;
    const range = parseCidr(r.dst);
    if (range) ranges.push(range);
  }
  for (const a of addrs) {
    if (/^cdlab\d+b$/.test(a.ifname)) continue;
    for (const info of a.addr_info) {
      const range = parseCidr(`${info.local}/${info.prefixlen}`);
      if (range) ranges.push(range);
    }
  }
  return ranges;
}

/**
 * Picks a free lab number and creates its bridge with the owner alias. Call under withLabLock
 * (after sweepStaleLabs) so no two labs pick the same number.
 */
export async function claimLab(dir: string): Promise<number> {
  const links = new Set(listLinksSync().map((l) => l.ifname));
  const netns = listNetnsSync();
  const used = await rangesInUse();
  const overlaps = (cidr: string) => {
    const [a, b] = parseCidr(cidr)!;
    return used.some(([c, d]) => a <= d && c <= b);
  };
  // Round robin from where the last claim stopped: a test checking that its disposed lab left
  // nothing behind must not find a lab that another test file just built under the same number.
  let start = 0;
  try {
    start = Number.parseInt(readFileSync(NEXT_LAB_PATH, 'utf8'), 10) || 0;
  } catch {
    // First claim on this machine.
  }
  for (let i = 0; i < MAX_LABS; i++) {
    const lab = (start + i) % MAX_LABS;
    if (links.has(names.bridge(lab)) || netns.some((n) => isLabNetns(lab, n))) continue;
    if (overlaps(`${subnets.outer(lab)}.0/24`) || overlaps(`${subnets.inner(lab)}.0/24`)) continue;
    const bridge = names.bridge(lab);
    const step = `create the lab bridge ${bridge}`;
    await run(PROGRAMS.ip, ['link', 'add', 'name', bridge, 'type', 'bridge'], { step });
    await run(PROGRAMS.ip, ['link', 'set', 'dev', bridge, 'alias', ownerAlias(dir)], { step });
    await run(PROGRAMS.ip, ['addr', 'add', `${subnets.outer(lab)}.1/24`, 'dev', bridge], { step });
    await run(PROGRAMS.ip, ['link', 'set', 'dev', bridge, 'up'], { step });
    await run(PROGRAMS.ip, ['route', 'add', `${subnets.inner(lab)}.0/24`, 'dev', bridge], { step });
    writeFileSync(NEXT_LAB_PATH, `${(lab + 1) % MAX_LABS}\n`);
    return lab;
  }
  throw new Error(`no free SSH lab number: all ${MAX_LABS} are taken or their subnets (198.18.N.0/24, 198.19.N.0/24) are in use here`);
}

// ---- teardown ----

function isLabDir(dir: string): boolean {
  const full = resolve(dir);
  return basename(full).startsWith(LAB_DIR_PREFIX) && (dirname(full) === resolve(tmpdir()) || dirname(full) === '/tmp');
}

/**
 * Removes everything lab N owns, in the order that leaves nothing behind: every process in its
 * namespaces, each veth (root ends, then those inside the namespaces), the namespaces, the
 * bridge (its route goes with it), the lab folder. Tolerates parts already gone; then checks
 * that nothing of lab N is left and throws if something is.
 */
export function destroyLabSync(lab: number, dir: string | null): void {
  const namespaces = listNetnsSync().filter((n) => isLabNetns(lab, n));
  killNetnsProcessesSync(namespaces);

  const batch = (netns: string | null, lines: string[]) => {
    if (lines.length === 0) return;
    // -force: go on past a line that fails (a veth whose peer was just deleted with it).
    runSync(PROGRAMS.ip, [...(netns ? ['-n', netns] : []), '-force', '-batch', '-'], { input: `${lines.join('\n')}\n`, allowFailure: true });
  };
  batch(
    null,
    listLinksSync()
      .map((l) => l.ifname)
      .filter((n) => isLabLink(lab, n) && n !== names.bridge(lab))
      .map((n) => `link del dev ${n}`),
  );
  for (const ns of namespaces) {
    batch(
      ns,
      listLinksSync(ns)
        .filter((l) => l.link_type !== 'loopback' && l.ifname !== 'lo')
        .map((l) => `link del dev ${l.ifname}`),
    );
  }
  batch(
    null,
    namespaces.map((ns) => `netns del ${ns}`),
  );
  if (dir && isLabDir(dir) && existsSync(dir)) rmSync(dir, { recursive: true, force: true });

  // Checked while the bridge still holds number N: once it is gone, a lab of another test file may
  // claim N (this runs without the lab lock), and its new interfaces are not leftovers of ours.
  const leftLinks = listLinksSync()
    .map((l) => l.ifname)
    .filter((n) => isLabLink(lab, n) && n !== names.bridge(lab));
  const leftNetns = listNetnsSync().filter((n) => isLabNetns(lab, n));
  // The bridge goes last, its route with it.
  batch(null, listLinksSync().some((l) => l.ifname === names.bridge(lab)) ? [`link del dev ${names.bridge(lab)}`] : []);
  if (leftLinks.length > 0 || leftNetns.length > 0) {
    throw new Error(`SSH lab ${lab} teardown left interfaces [${leftLinks.join(', ')}] and namespaces [${leftNetns.join(', ')}]`);
  }
}

/**
 * Tears down every lab whose owner process is gone (a crashed or killed earlier run), and lab
 * namespaces/veths without a bridge. Call under withLabLock. Returns the lab numbers swept.
 */
export function sweepStaleLabsSync(): number[] {
  const links = listLinksSync();
  const netns = listNetnsSync();
  const labs = new Set<number>();
  for (const l of links) {
    const m = /^cdlab(\d+)(?:b|v\d+)$/.exec(l.ifname);
    if (m) labs.add(Number(m[1]));
  }
  for (const n of netns) {
    const m = /^cdlab(\d+)-/.exec(n);
    if (m) labs.add(Number(m[1]));
  }
  const swept: number[] = [];
  for (const lab of [...labs].sort((a, b) => a - b)) {
    const bridge = links.find((l) => l.ifname === names.bridge(lab));
    const owner = parseOwnerAlias(bridge?.ifalias);
    if (bridge && owner && ownerAlive(owner)) continue;
    destroyLabSync(lab, owner?.dir ?? null);
    swept.push(lab);
  }
  return swept;
}
