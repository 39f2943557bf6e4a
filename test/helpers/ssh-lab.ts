/**
 * SSH lab: real OpenSSH servers (Debian's /usr/sbin/sshd) on this machine, one per Linux network
 * namespace, for integration tests and benchmarks of agentless SSH collection. Needs root and
 * openssh-server, openssh-client, iproute2 (npm test and .ci/run install them).
 *
 *   const lab = await SshLab.create({
 *     hosts: [{ name: 'h1', nvidiaSmi: { xmlFixture: '2x-rtx-a5000-drv590-v13.xml' } }, { name: 'h2' }, { name: 'h9' }],
 *     bastion: { name: 'bastion', hiddenHosts: ['h9'] },
 *   });
 *   afterAll(() => lab.dispose());
 *   lab.host('h1')          // address, port, user, privateKeyPath, host key fingerprint, known_hosts line...
 *   lab.sshConfigPath       // `ssh -F` config: a Host entry per host (ProxyJump for hidden ones)
 *   lab.knownHostsPath      // every host's key; lab.knownHostsHashedPath: the same, `HashKnownHosts yes` form
 *   await lab.ssh('h1', 'hostname')  // the system ssh client with the lab's config, strict host keys
 *
 * Each host: its own namespace and address on the lab bridge (hidden hosts: on an inner network
 * behind the bastion only), its own PID, mount and UTS namespaces (so its own `hostname`, its own
 * /usr/local/bin holding a fake `nvidia-smi` and any fakePrograms (a journalctl, a dmesg),
 * optional files bound over /proc/loadavg and the like), its own host key, and an sshd logging
 * to a per-host file (lab.sshdLog(name)).
 * Logins: user `cdtest` with lab.keys.authorized (no passphrase) or lab.keys.passphrase;
 * lab.keys.unauthorized is refused.
 *
 * Labs are safe to create from test files running in parallel (each gets its own number, names
 * and subnets, see ssh-lab/network.ts). dispose() removes everything and is idempotent; a process
 * that exits without it tears its labs down on 'exit', its sshds die with it even on SIGKILL, and
 * the next SshLab.create() sweeps what a crashed run left.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, closeSync, existsSync, fstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type KeyPair, type KeyType, generateKeyPair, hashedKnownHostsLine, knownHostsLine } from './ssh-lab/keys';
import {
  LAB_DIR_PREFIX,
  claimLab,
  destroyLabSync,
  killNetnsProcessesSync,
  labOwner,
  names,
  parentPid,
  pidsInNetns,
  subnets,
  sweepStaleLabsSync,
  withLabLock,
} from './ssh-lab/network';
import { checkFakeProgramName, installFakeProgram } from './ssh-lab/fake-programs';
import { type FakeDir, type FakeFile, asFakeFile, checkFakeDir, checkFakeFile, writeFakeDirAt, writeFakeFileAt } from './ssh-lab/fake-files';
import { type NvidiaSmiBehaviour, installNvidiaSmi } from './ssh-lab/nvidia-smi';
import { type CommandResult, PROGRAMS, assertPrerequisites, mapLimit, run, sleep } from './ssh-lab/run';
import { renderSshdConfig, renderStartScript } from './ssh-lab/sshd';

export type { CommandResult } from './ssh-lab/run';
export { LabCommandError } from './ssh-lab/run';
export type { KeyPair, KeyType } from './ssh-lab/keys';
export { fingerprintSha256 } from './ssh-lab/keys';
export type { NvidiaSmiBehaviour } from './ssh-lab/nvidia-smi';
export type { FakeDir, FakeFile } from './ssh-lab/fake-files';

/**
 * A hostname a hostile or careless admin could set (the kernel takes any bytes but NUL, up to
 * 64): quotes, `;`, `$(...)`, backticks, HTML, a backslash, non-ASCII. Nothing may run it.
 */
export const HOSTILE_HOSTNAME = `evil"';$(touch /tmp/cd-pwned) \`id\` <b>&amp;|x\\ü`;

export interface LabHostSpec {
  /** The host's alias in lab.sshConfigPath, and part of its namespace name: [a-z][a-z0-9-]*, at most 20. */
  name: string;
  /** What the host reports as its name (`hostname`, `uname -n`, /proc/sys/kernel/hostname, /etc/hostname). Default: name. */
  hostname?: string;
  /** Its fake nvidia-smi; absent or null: no nvidia-smi at all (a node without GPUs). */
  nvidiaSmi?: NvidiaSmiBehaviour | null;
  /**
   * Absolute path inside the host → content bound over it, e.g. { '/proc/loadavg': '9.50 8.25 7.00 3/321 4242\n' },
   * or { content, mode, uid, gid } for a file whose mode and owner matter (/etc/shadow 0640 root:shadow).
   */
  fakeFiles?: Record<string, string | FakeFile>;
  /** Absolute path of an existing folder inside the host → the folder bound over it (its mode, owner and only files). Bound before fakeFiles. */
  fakeDirs?: Record<string, FakeDir>;
  /**
   * Program name → /bin/sh script body, installed executable in the host's /usr/local/bin (like
   * nvidia-smi), e.g. { journalctl: 'cat /path/to/capture' }. Found first by exec; not inside a
   * Host batch, whose PATH starts with /usr/bin (see ssh-lab/fake-programs.ts).
   */
  fakePrograms?: Record<string, string>;
  /** Host key type (default ed25519). */
  hostKeyType?: KeyType;
  /** sshd port (default 22; each host has its own address). */
  port?: number;
  /** Default: true on the bastion, false elsewhere. */
  allowTcpForwarding?: boolean;
  /** Extra sshd_config lines, appended. */
  sshdConfig?: string[];
}

export interface BastionSpec extends LabHostSpec {
  /** Names from `hosts` that sit on the inner network, reachable only through the bastion. */
  hiddenHosts: string[];
}

export interface SshLabOptions {
  hosts: LabHostSpec[];
  bastion?: BastionSpec;
  /** Login user, created if missing (default `cdtest`). */
  user?: string;
}

/** One lab host as it is now (a snapshot: call lab.host() again after changing it). */
export interface LabHost {
  /** Alias in lab.sshConfigPath. */
  readonly name: string;
  /** IPv4 address sshd listens on (an inner-network one for hidden hosts). */
  readonly address: string;
  readonly port: number;
  readonly user: string;
  /** What the host reports as its hostname. */
  readonly hostname: string;
  /** Reachable only through the bastion. */
  readonly hidden: boolean;
  /** The alias to jump through (ProxyJump), or null. */
  readonly jumpHost: string | null;
  readonly isBastion: boolean;
  /** Its network namespace (`ip netns exec NAME ...`). */
  readonly namespace: string;
  readonly hostKeyType: KeyType;
  /** `ssh-ed25519 AAAA…` */
  readonly hostPublicKey: string;
  /** `SHA256:…`, as ssh prints it. */
  readonly hostKeyFingerprintSha256: string;
  /** The host key's .pub file (the private key is beside it). */
  readonly hostPublicKeyPath: string;
  /** This host's known_hosts line: `198.18.3.2 ssh-ed25519 AAAA…` (`[addr]:port` off port 22). */
  readonly hostPublicKeyLine: string;
  /** The login key (lab.keys.authorized). */
  readonly privateKeyPath: string;
  readonly running: boolean;
  /** sshd's pid as seen from here (PID 1 of the host's PID namespace), or null when stopped. */
  readonly sshdPid: number | null;
  /** sshd's log (LogLevel VERBOSE), appended over restarts. */
  readonly logPath: string;
  /** The folder bound over the host's /usr/local/bin. */
  readonly binDir: string;
}

export interface LabKeys {
  /** Authorized, no passphrase: the IdentityFile of every host in lab.sshConfigPath. */
  authorized: KeyPair;
  /** Authorized, protected by `passphrase`. */
  passphrase: KeyPair & { passphrase: string };
  /** A valid key that no host accepts. */
  unauthorized: KeyPair;
}

export interface SshRunOptions {
  /** known_hosts to check against: 'plain' (default), 'hashed', or a path. */
  knownHosts?: 'plain' | 'hashed' | string;
  /**
   * Log in to the target with only this private key (the lab's config is then not used; a hidden
   * host is reached through the bastion with the lab's own key).
   */
  identity?: string;
  /** More ssh arguments, before the destination (e.g. ['-o', 'ConnectTimeout=2']). */
  args?: string[];
  timeoutMs?: number;
  input?: string;
}

export const LAB_PASSPHRASE = 'clusterdeck lab passphrase';
const READY_TIMEOUT_MS = 15_000;

interface HostState {
  name: string;
  hidden: boolean;
  isBastion: boolean;
  /** Position among the bridge's hosts (veth cdlabNv<k>) or, for a hidden host, on the inner network (vh<k>). */
  ordinal: number;
  address: string;
  port: number;
  namespace: string;
  hostname: string;
  dir: string;
  binDir: string;
  configPath: string;
  startScriptPath: string;
  hostnameFile: string;
  logPath: string;
  hostKeyPath: string;
  hostKey: KeyPair | null;
  hostKeyType: KeyType;
  /** target path inside the host → file here bound over it */
  binds: Map<string, string>;
  spec: LabHostSpec;
  proc: ChildProcess | null;
  sshdPid: number | null;
  lastExit: string | null;
}

const live = new Set<SshLab>();

function teardownLive(why: string): void {
  for (const lab of [...live]) {
    try {
      lab.disposeSync();
    } catch (error) {
      process.stderr.write(`[ssh-lab] teardown on ${why} failed: ${(error as Error).message}\n`);
    }
  }
}

const onExit = () => teardownLive('exit');
/**
 * vitest ends a worker with SIGTERM (SIGKILL 500 ms later), which skips 'exit' handlers: tear
 * down first, then let SIGTERM do what it would have done. Installed only while a lab is live.
 */
const onSigterm = () => {
  teardownLive('SIGTERM');
  process.removeListener('SIGTERM', onSigterm);
  if (process.listenerCount('SIGTERM') === 0) process.kill(process.pid, 'SIGTERM');
};

function track(lab: SshLab, alive: boolean): void {
  if (alive) live.add(lab);
  else live.delete(lab);
  if (live.size > 0 && !process.listeners('exit').includes(onExit)) {
    process.on('exit', onExit);
    process.on('SIGTERM', onSigterm);
  } else if (live.size === 0) {
    process.removeListener('exit', onExit);
    process.removeListener('SIGTERM', onSigterm);
  }
}

function validate(options: SshLabOptions): void {
  const all = [...options.hosts, ...(options.bastion ? [options.bastion] : [])];
  if (all.length === 0) throw new Error('an SSH lab needs at least one host');
  const seen = new Set<string>();
  for (const spec of all) {
    if (!/^[a-z][a-z0-9-]{0,19}$/.test(spec.name)) throw new Error(`lab host name ${JSON.stringify(spec.name)}: use [a-z][a-z0-9-]*, at most 20 characters`);
    if (seen.has(spec.name)) throw new Error(`lab host name ${spec.name} is used twice`);
    seen.add(spec.name);
    if (spec.hostname !== undefined) {
      const bytes = Buffer.byteLength(spec.hostname);
      if (bytes < 1 || bytes > 64 || /[\0\n]/.test(spec.hostname)) {
        throw new Error(`hostname of ${spec.name}: 1 to 64 bytes without NUL or newline (the kernel's limit), got ${JSON.stringify(spec.hostname)}`);
      }
    }
    if (spec.port !== undefined && (!Number.isInteger(spec.port) || spec.port < 1 || spec.port > 65535)) throw new Error(`port of ${spec.name}: ${spec.port}`);
    for (const program of Object.keys(spec.fakePrograms ?? {})) checkFakeProgramName(spec.name, program);
    for (const [target, file] of Object.entries(spec.fakeFiles ?? {})) {
      if (!target.startsWith('/') || target.split('/').includes('..')) throw new Error(`fake file of ${spec.name}: ${target} is not an absolute path`);
      checkFakeFile(`fake file ${target} of ${spec.name}`, asFakeFile(file));
    }
    for (const [target, dir] of Object.entries(spec.fakeDirs ?? {})) {
      if (!target.startsWith('/') || target === '/' || target.split('/').includes('..'))
        throw new Error(`fake folder of ${spec.name}: ${target} is not an absolute path`);
      checkFakeDir(`fake folder ${target} of ${spec.name}`, dir);
    }
  }
  const hidden = options.bastion?.hiddenHosts ?? [];
  for (const name of hidden) {
    if (!options.hosts.some((h) => h.name === name)) throw new Error(`bastion.hiddenHosts names ${name}, which is not in hosts`);
  }
  if (options.hosts.length - hidden.length + (options.bastion ? 1 : 0) > 253 || hidden.length > 253) throw new Error('at most 253 hosts per network');
  if (options.user !== undefined && !/^[a-z_][a-z0-9_-]{0,30}$/.test(options.user)) throw new Error(`user name ${options.user}`);
}

async function ensureUser(user: string): Promise<void> {
  const step = `create the lab's login user ${user}`;
  const passwd = await run(PROGRAMS.getent, ['passwd', user], { allowFailure: true });
  if (passwd.code !== 0) {
    const group = await run(PROGRAMS.getent, ['group', user], { allowFailure: true });
    await run(PROGRAMS.useradd, ['--create-home', '--shell', '/bin/bash', ...(group.code === 0 ? ['--gid', user] : ['--user-group']), user], { step });
  }
  // With UsePAM no, sshd refuses a locked account ('!' in shadow) even for key logins.
  const hash = (await run(PROGRAMS.getent, ['shadow', user], { step })).stdout.split(':')[1] ?? '';
  if (hash === '' || hash.startsWith('!')) await run(PROGRAMS.usermod, ['-p', '*', user], { step });
}

function tail(path: string, lines = 40): string {
  try {
    return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function readFrom(path: string, offset: number): string {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return '';
  }
  try {
    const size = fstatSync(fd).size;
    if (size <= offset) return '';
    const buffer = Buffer.alloc(size - offset);
    readSync(fd, buffer, 0, buffer.length, offset);
    return buffer.toString('utf8');
  } finally {
    closeSync(fd);
  }
}

function writePrivate(path: string, text: string, mode: number): void {
  writeFileSync(path, text, { mode });
  chmodSync(path, mode);
}

export class SshLab {
  /** This lab's number (0..255): its bridge is cdlab<index>b, its namespaces cdlab<index>-<host>. */
  readonly index: number;
  /** Folder of every generated file (keys, configs, logs, fake bins); removed by dispose(). */
  readonly dir: string;
  readonly user: string;
  readonly keys: LabKeys;
  /** OpenSSH client config with a Host entry per host, and a `Host *` block using knownHostsPath. */
  readonly sshConfigPath: string;
  readonly knownHostsPath: string;
  readonly knownHostsHashedPath: string;
  /** This machine's address on the lab bridge: where every connection to a visible host comes from. */
  readonly rootAddress: string;
  readonly bridge: string;

  private readonly states = new Map<string, HostState>();
  private disposed = false;

  private constructor(index: number, dir: string, user: string, keys: LabKeys) {
    this.index = index;
    this.dir = dir;
    this.user = user;
    this.keys = keys;
    this.sshConfigPath = join(dir, 'ssh_config');
    this.knownHostsPath = join(dir, 'known_hosts');
    this.knownHostsHashedPath = join(dir, 'known_hosts.hashed');
    this.rootAddress = `${subnets.outer(index)}.1`;
    this.bridge = names.bridge(index);
  }

  /** Builds and starts a lab; on any failure tears down what was made and throws with the details. */
  static async create(options: SshLabOptions): Promise<SshLab> {
    assertPrerequisites();
    validate(options);
    const user = options.user ?? 'cdtest';
    const dir = mkdtempSync(join(tmpdir(), LAB_DIR_PREFIX));
    chmodSync(dir, 0o755); // the login user reads authorized_keys and fixtures in here
    let index: number;
    try {
      index = await withLabLock(async () => {
        sweepStaleLabsSync();
        mkdirSync('/run/sshd', { recursive: true, mode: 0o755 }); // sshd's privilege separation folder
        await ensureUser(user);
        return claimLab(dir);
      });
    } catch (error) {
      rmSync(dir, { recursive: true, force: true });
      throw error;
    }
    const clientDir = join(dir, 'client');
    mkdirSync(clientDir, { mode: 0o700 });
    let lab: SshLab | null = null;
    try {
      const client: Array<[string, { comment: string; passphrase?: string }]> = [
        ['id_ed25519', { comment: `${user}@ssh-lab-${index}` }],
        ['id_ed25519_passphrase', { comment: `${user}-passphrase@ssh-lab-${index}`, passphrase: LAB_PASSPHRASE }],
        ['id_ed25519_unauthorized', { comment: `not-authorized@ssh-lab-${index}` }],
      ];
      const [authorized, passphrase, unauthorized] = await mapLimit(client, 3, ([file, o]) => generateKeyPair(join(clientDir, file), o));
      lab = new SshLab(index, dir, user, { authorized: authorized!, passphrase: { ...passphrase!, passphrase: LAB_PASSPHRASE }, unauthorized: unauthorized! });
      track(lab, true);
      await lab.build(options);
      return lab;
    } catch (error) {
      let diagnostics = lab?.diagnostics() ?? '';
      try {
        if (lab) lab.disposeSync();
        else destroyLabSync(index, dir);
      } catch (cleanupError) {
        diagnostics += `\nteardown after the failure failed too: ${(cleanupError as Error).message}`;
      }
      throw new Error(`SshLab.create failed: ${(error as Error).message}${diagnostics ? `\n--- lab state ---\n${diagnostics}` : ''}`, { cause: error });
    }
  }

  /** Tears down labs left by processes that are gone (also done by every create()). Returns their numbers. */
  static sweepLeftovers(): Promise<number[]> {
    assertPrerequisites();
    return withLabLock(async () => sweepStaleLabsSync());
  }

  // ---- building ----

  private async build(options: SshLabOptions): Promise<void> {
    const hiddenNames = new Set(options.bastion?.hiddenHosts ?? []);
    const visible = [...options.hosts.filter((h) => !hiddenNames.has(h.name)), ...(options.bastion ? [options.bastion] : [])];
    const hidden = (options.bastion?.hiddenHosts ?? []).map((name) => options.hosts.find((h) => h.name === name)!);
    writePrivate(join(this.dir, 'authorized_keys'), `${this.keys.authorized.publicKey}\n${this.keys.passphrase.publicKey}\n`, 0o644);
    mkdirSync(join(this.dir, 'hosts'), { mode: 0o755 });

    visible.forEach((spec, k) => this.addState(spec, false, spec === options.bastion, k, `${subnets.outer(this.index)}.${k + 2}`));
    hidden.forEach((spec, k) => this.addState(spec, true, false, k, `${subnets.inner(this.index)}.${k + 2}`));
    await mapLimit([...this.states.values()], 8, (s) => this.prepareHost(s));
    await this.buildNetwork(visible, hidden, options.bastion?.name ?? null);
    await mapLimit([...this.states.values()], 8, (s) => this.startSshd(s.name));
    this.writeSshConfig();
    this.writeKnownHosts();
  }

  private addState(spec: LabHostSpec, hidden: boolean, isBastion: boolean, ordinal: number, address: string): void {
    const dir = join(this.dir, 'hosts', spec.name);
    this.states.set(spec.name, {
      name: spec.name,
      hidden,
      isBastion,
      ordinal,
      address,
      port: spec.port ?? 22,
      namespace: names.netns(this.index, spec.name),
      hostname: spec.hostname ?? spec.name,
      dir,
      binDir: join(dir, 'bin'),
      configPath: join(dir, 'sshd_config'),
      startScriptPath: join(dir, 'start.sh'),
      hostnameFile: join(dir, 'hostname'),
      logPath: join(dir, 'sshd.log'),
      hostKeyPath: join(dir, `ssh_host_${spec.hostKeyType ?? 'ed25519'}_key`),
      hostKey: null,
      hostKeyType: spec.hostKeyType ?? 'ed25519',
      binds: new Map(),
      spec,
      proc: null,
      sshdPid: null,
      lastExit: null,
    });
  }

  private async prepareHost(s: HostState): Promise<void> {
    mkdirSync(s.dir, { mode: 0o755 });
    mkdirSync(s.binDir, { mode: 0o755 });
    mkdirSync(join(s.dir, 'files'), { mode: 0o755 });
    chmodSync(s.binDir, 0o755);
    s.hostKey = await generateKeyPair(s.hostKeyPath, { type: s.hostKeyType, comment: `host-key@${s.name}` });
    writeFileSync(s.hostnameFile, s.hostname);
    installNvidiaSmi(s.binDir, s.dir, s.name, s.spec.nvidiaSmi ?? null);
    for (const [program, body] of Object.entries(s.spec.fakePrograms ?? {})) installFakeProgram(s.binDir, s.name, program, body);
    mkdirSync(join(s.dir, 'dirs'), { mode: 0o755 });
    for (const [target, fakeDir] of Object.entries(s.spec.fakeDirs ?? {})) {
      const folder = join(s.dir, 'dirs', `${s.binds.size}-${target.replace(/[^A-Za-z0-9.-]+/g, '_')}`);
      writeFakeDirAt(folder, fakeDir);
      s.binds.set(target, folder);
    }
    const fakes: Record<string, string | FakeFile> = { ...(existsSync('/etc/hostname') ? { '/etc/hostname': `${s.hostname}\n` } : {}), ...s.spec.fakeFiles };
    for (const [target, content] of Object.entries(fakes)) this.writeFakeFile(s, target, content);
    writeFileSync(
      s.configPath,
      renderSshdConfig({
        hostName: s.name,
        listenAddress: s.address,
        port: s.port,
        hostKeyPath: s.hostKeyPath,
        authorizedKeysPath: join(this.dir, 'authorized_keys'),
        user: this.user,
        allowTcpForwarding: s.spec.allowTcpForwarding ?? s.isBastion,
        extraLines: s.spec.sshdConfig ?? [],
      }),
    );
    this.writeStartScript(s);
  }

  private writeFakeFile(s: HostState, target: string, content: string | FakeFile): string {
    let file = s.binds.get(target);
    if (!file) {
      file = join(s.dir, 'files', `${s.binds.size}-${target.replace(/[^A-Za-z0-9.-]+/g, '_')}`);
      s.binds.set(target, file);
    }
    // In place: the bind mount holds this inode, so a new file would not be seen.
    writeFakeFileAt(file, asFakeFile(content));
    return file;
  }

  private writeStartScript(s: HostState): void {
    writeFileSync(
      s.startScriptPath,
      renderStartScript({
        hostName: s.name,
        hostnameFile: s.hostnameFile,
        binDir: s.binDir,
        binds: [...s.binds].map(([target, file]) => [file, target] as const),
        configPath: s.configPath,
      }),
      { mode: 0o755 },
    );
  }

  private async buildNetwork(visible: LabHostSpec[], hidden: LabHostSpec[], bastion: string | null): Promise<void> {
    const ip = (args: string[], input: string | undefined, step: string) => run(PROGRAMS.ip, args, { input, step });
    const root: string[] = [];
    for (const spec of visible) {
      const s = this.states.get(spec.name)!;
      const veth = names.veth(this.index, s.ordinal);
      root.push(`netns add ${s.namespace}`, `link add ${veth} type veth peer name eth0 netns ${s.namespace}`, `link set dev ${veth} master ${this.bridge} up`);
    }
    for (const spec of hidden) root.push(`netns add ${this.states.get(spec.name)!.namespace}`);
    await ip(['-batch', '-'], `${root.join('\n')}\n`, 'create the namespaces and veths');

    if (bastion) {
      const b = this.states.get(bastion)!;
      const inner = [
        `link add name ${names.innerBridge} type bridge`,
        `addr add ${subnets.inner(this.index)}.1/24 dev ${names.innerBridge}`,
        `link set dev ${names.innerBridge} up`,
      ];
      for (const spec of hidden) {
        const s = this.states.get(spec.name)!;
        inner.push(
          `link add ${names.innerVeth(s.ordinal)} type veth peer name eth0 netns ${s.namespace}`,
          `link set dev ${names.innerVeth(s.ordinal)} master ${names.innerBridge} up`,
        );
      }
      await ip(['-n', b.namespace, '-batch', '-'], `${inner.join('\n')}\n`, `create the inner network in ${b.namespace}`);
      // The bastion relays SSH (ProxyJump), never packets: hidden hosts stay off the lab bridge.
      await run(PROGRAMS.ip, ['netns', 'exec', b.namespace, '/bin/sh', '-c', 'echo 0 > /proc/sys/net/ipv4/ip_forward'], {
        step: 'turn off forwarding on the bastion',
      });
    }
    await mapLimit([...this.states.values()], 8, (s) =>
      ip(['-n', s.namespace, '-batch', '-'], `link set dev lo up\naddr add ${s.address}/24 dev eth0\nlink set dev eth0 up\n`, `configure ${s.namespace}`),
    );
  }

  // ---- sshd ----

  private state(name: string): HostState {
    const s = this.states.get(name);
    if (!s) throw new Error(`no lab host ${JSON.stringify(name)}; there are ${[...this.states.keys()].join(', ')}`);
    if (this.disposed) throw new Error(`the SSH lab ${this.index} is disposed`);
    return s;
  }

  /** Starts a stopped host's sshd (same host key, same address) and waits until it listens. */
  async startSshd(name: string): Promise<LabHost> {
    const s = this.state(name);
    if (s.proc) return this.host(name);
    const logFd = openSync(s.logPath, 'a');
    const offset = fstatSync(logFd).size;
    const args = [
      '--pdeathsig',
      'KILL', // our child dies with this process, even on SIGKILL...
      PROGRAMS.ip,
      'netns',
      'exec',
      s.namespace,
      PROGRAMS.unshare,
      '--fork',
      '--pid',
      '--kill-child=SIGKILL', // ...and takes the host's whole PID namespace with it
      '--mount-proc',
      '--mount',
      '--uts',
      '--propagation',
      'private',
      '/bin/sh',
      s.startScriptPath,
    ];
    let spawnError: Error | null = null;
    const child = spawn(PROGRAMS.setpriv, args, { stdio: ['ignore', logFd, logFd] });
    closeSync(logFd);
    child.unref();
    s.proc = child;
    s.lastExit = null;
    child.once('error', (error) => (spawnError = error));
    child.once('exit', (code, signal) => {
      if (s.proc === child) {
        s.proc = null;
        s.sshdPid = null;
      }
      s.lastExit = signal ? `killed by ${signal}` : `exited with code ${code}`;
    });
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      const log = readFrom(s.logPath, offset);
      if (/Server listening on \S+ port \d+/.test(log)) break;
      const failed = spawnError
        ? `could not start: ${(spawnError as Error).message}`
        : this.disposed
          ? 'the lab was disposed meanwhile'
          : s.proc !== child
            ? `sshd ${s.lastExit ?? 'exited'}`
            : Date.now() > deadline
              ? `sshd did not listen within ${READY_TIMEOUT_MS} ms`
              : null;
      if (failed) {
        if (s.proc === child) {
          if (!this.disposed) killNetnsProcessesSync(s.namespace);
          s.proc = null;
        }
        throw new Error(
          `start sshd of lab host ${name} (${s.namespace}, ${s.address}:${s.port}): ${failed}\ncommand: ${PROGRAMS.setpriv} ${args.join(' ')}\nlog ${s.logPath}:\n${log.trimEnd() || '(empty)'}`,
        );
      }
      await sleep(15);
    }
    // sshd is the only child of the `unshare` we started (and PID 1 of the host's PID namespace).
    s.sshdPid = pidsInNetns(s.namespace).find((pid) => parentPid(pid) === child.pid) ?? null;
    if (!s.sshdPid) throw new Error(`start sshd of lab host ${name}: it listens, but its pid is not a child of ${child.pid}`);
    return this.host(name);
  }

  /**
   * The node dies: SIGKILL to its sshd and every process on it (sessions, hung commands), so
   * open connections are closed by the kernel; new ones are refused. Host key and address stay.
   * For a node that vanishes without a word, use partition().
   */
  async stopSshd(name: string): Promise<void> {
    const s = this.state(name);
    const proc = s.proc;
    killNetnsProcessesSync(s.namespace);
    if (proc && proc.exitCode === null && proc.signalCode === null) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 5000);
        proc.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    s.proc = null;
    s.sshdPid = null;
  }

  /** A new host key (type: the current one unless given), sshd restarted; known_hosts files keep the old key. */
  async rotateHostKey(name: string, options: { type?: KeyType } = {}): Promise<LabHost> {
    const s = this.state(name);
    const wasRunning = s.proc !== null;
    await this.stopSshd(name);
    const type = options.type ?? s.hostKeyType;
    const newPath = join(s.dir, `ssh_host_${type}_key`);
    if (newPath !== s.hostKeyPath) {
      rmSync(s.hostKeyPath, { force: true });
      rmSync(`${s.hostKeyPath}.pub`, { force: true });
      writeFileSync(s.configPath, readFileSync(s.configPath, 'utf8').replace(`HostKey ${s.hostKeyPath}\n`, `HostKey ${newPath}\n`));
    }
    s.hostKey = await generateKeyPair(newPath, { type, comment: `host-key@${s.name}` });
    s.hostKeyPath = newPath;
    s.hostKeyType = type;
    if (wasRunning) await this.startSshd(name);
    return this.host(name);
  }

  /** Replaces the host's nvidia-smi at once (running host included); null removes it. */
  setNvidiaSmi(name: string, behaviour: NvidiaSmiBehaviour | null): void {
    const s = this.state(name);
    installNvidiaSmi(s.binDir, s.dir, s.name, behaviour);
  }

  /** Replaces one of the host's fake programs at once (running host included); null removes it. */
  setFakeProgram(name: string, program: string, body: string | null): void {
    const s = this.state(name);
    installFakeProgram(s.binDir, s.name, program, body);
  }

  /**
   * Binds `content` over `target` on the host (e.g. '/proc/meminfo'). A target bound before is
   * rewritten in place (a reader at that very moment may see it half written).
   */
  async setFakeFile(name: string, target: string, content: string | FakeFile): Promise<void> {
    const s = this.state(name);
    if (!target.startsWith('/') || target.split('/').includes('..')) throw new Error(`fake file target must be an absolute path: ${target}`);
    const isNew = !s.binds.has(target);
    const file = this.writeFakeFile(s, target, content);
    if (!isNew) return;
    this.writeStartScript(s);
    if (s.sshdPid) {
      await run(PROGRAMS.nsenter, ['--target', String(s.sshdPid), '--mount', '--', 'mount', '--bind', file, target], {
        step: `bind ${target} on lab host ${name}`,
      });
    }
  }

  /** Changes what the host reports as its hostname (UTS name and /etc/hostname), running or not. */
  async setHostname(name: string, hostname: string): Promise<void> {
    const s = this.state(name);
    validate({ hosts: [{ name, hostname }] });
    s.hostname = hostname;
    writeFileSync(s.hostnameFile, hostname);
    if (s.binds.has('/etc/hostname')) this.writeFakeFile(s, '/etc/hostname', `${hostname}\n`);
    if (s.sshdPid) {
      await run(
        PROGRAMS.nsenter,
        ['--target', String(s.sshdPid), '--uts', '--', '/bin/sh', '-c', 'cat "$1" > /proc/sys/kernel/hostname', 'sh', s.hostnameFile],
        {
          step: `set the hostname of lab host ${name}`,
        },
      );
    }
  }

  /** Cuts the host's cable: packets to and from it vanish (no RST, no FIN), connections hang. */
  async partition(name: string): Promise<void> {
    await this.setLink(name, 'down');
  }

  /** Plugs the cable back in. */
  async heal(name: string): Promise<void> {
    await this.setLink(name, 'up');
  }

  private async setLink(name: string, state: 'up' | 'down'): Promise<void> {
    const s = this.state(name);
    const bastion = [...this.states.values()].find((b) => b.isBastion);
    const args = s.hidden
      ? ['-n', bastion!.namespace, 'link', 'set', 'dev', names.innerVeth(s.ordinal), state]
      : ['link', 'set', 'dev', names.veth(this.index, s.ordinal), state];
    await run(PROGRAMS.ip, args, { step: `set the link of lab host ${name} ${state}` });
  }

  // ---- looking at hosts ----

  host(name: string): LabHost {
    const s = this.state(name);
    const key = s.hostKey!;
    const bastion = [...this.states.values()].find((b) => b.isBastion);
    return Object.freeze({
      name: s.name,
      address: s.address,
      port: s.port,
      user: this.user,
      hostname: s.hostname,
      hidden: s.hidden,
      jumpHost: s.hidden ? bastion!.name : null,
      isBastion: s.isBastion,
      namespace: s.namespace,
      hostKeyType: s.hostKeyType,
      hostPublicKey: key.publicKey,
      hostKeyFingerprintSha256: key.fingerprintSha256,
      hostPublicKeyPath: key.publicKeyPath,
      hostPublicKeyLine: knownHostsLine(s.address, s.port, key.publicKey),
      privateKeyPath: this.keys.authorized.privateKeyPath,
      running: s.proc !== null,
      sshdPid: s.proc ? s.sshdPid : null,
      logPath: s.logPath,
      binDir: s.binDir,
    });
  }

  hosts(): LabHost[] {
    return [...this.states.keys()].map((name) => this.host(name));
  }

  /** Every process now on the host (its network namespace), as pids seen from here. */
  hostPids(name: string): number[] {
    return pidsInNetns(this.state(name).namespace);
  }

  /** The host's sshd log so far. */
  sshdLog(name: string): string {
    return readFileSync(this.state(name).logPath, 'utf8');
  }

  /** Runs argv as root inside the running host (its network, mount, UTS and PID namespaces). */
  execInHost(name: string, argv: string[], options: { timeoutMs?: number; input?: string } = {}): Promise<CommandResult> {
    const s = this.state(name);
    if (!s.sshdPid) throw new Error(`lab host ${name} is not running`);
    return run(PROGRAMS.nsenter, ['--target', String(s.sshdPid), '--net', '--mount', '--uts', '--pid', '--', ...argv], { ...options, allowFailure: true });
  }

  /** State and log tail of every host, for a failing test's message. */
  diagnostics(): string {
    return [...this.states.values()]
      .map(
        (s) =>
          `## ${s.name} (${s.namespace}, ${s.address}:${s.port}) ${s.proc ? `running, sshd pid ${s.sshdPid}` : `stopped${s.lastExit ? ` (${s.lastExit})` : ''}`}\n${tail(s.logPath, 20)}`,
      )
      .join('\n');
  }

  // ---- the system ssh client ----

  /** ssh arguments up to and including the destination (append a remote command, or none). */
  sshArgs(name: string, options: SshRunOptions = {}): string[] {
    const s = this.state(name);
    const knownHosts =
      options.knownHosts === undefined || options.knownHosts === 'plain'
        ? this.knownHostsPath
        : options.knownHosts === 'hashed'
          ? this.knownHostsHashedPath
          : options.knownHosts;
    const strict = ['-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes'];
    if (!options.identity) return ['-F', this.sshConfigPath, ...strict, ...(options.args ?? []), name];
    const direct = ['-F', '/dev/null', ...strict, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'UpdateHostKeys=no', '-o', 'ConnectTimeout=10'];
    const jump: string[] = [];
    if (s.hidden) {
      const b = [...this.states.values()].find((x) => x.isBastion)!;
      const proxy = [
        PROGRAMS.ssh,
        ...direct,
        '-i',
        this.keys.authorized.privateKeyPath,
        '-o',
        'IdentitiesOnly=yes',
        '-p',
        String(b.port),
        '-W',
        '[%h]:%p',
        `${this.user}@${b.address}`,
      ];
      jump.push('-o', `ProxyCommand=${proxy.join(' ')}`);
    }
    return [...direct, ...jump, '-i', options.identity, '-o', 'IdentitiesOnly=yes', '-p', String(s.port), ...(options.args ?? []), `${this.user}@${s.address}`];
  }

  /** Runs `command` on the host with the system ssh client (strict host key checking); never throws on failure. */
  ssh(name: string, command: string, options: SshRunOptions = {}): Promise<CommandResult> {
    return run(PROGRAMS.ssh, [...this.sshArgs(name, options), command], { timeoutMs: options.timeoutMs ?? 30_000, input: options.input, allowFailure: true });
  }

  // ---- client files ----

  private writeSshConfig(): void {
    const lines = [`# SSH lab ${this.index}: each host is an sshd in its own network namespace on this machine (test/helpers/ssh-lab).`];
    for (const s of this.states.values()) {
      lines.push(
        `Host ${s.name}`,
        `  HostName ${s.address}`,
        `  Port ${s.port}`,
        `  User ${this.user}`,
        `  IdentityFile ${this.keys.authorized.privateKeyPath}`,
        '  IdentitiesOnly yes',
      );
      if (s.hidden) lines.push(`  ProxyJump ${this.host(s.name).jumpHost}`);
    }
    lines.push(
      '',
      'Host *',
      `  UserKnownHostsFile ${this.knownHostsPath}`,
      '  GlobalKnownHostsFile /dev/null',
      '  StrictHostKeyChecking yes',
      '  UpdateHostKeys no',
      '  BatchMode yes',
      '  ConnectTimeout 10',
    );
    writePrivate(this.sshConfigPath, `${lines.join('\n')}\n`, 0o644);
  }

  /** (Re)writes knownHostsPath and knownHostsHashedPath with every host's current key (create() does this once). */
  writeKnownHosts(): void {
    const hosts = [...this.states.values()];
    const header = `# SSH lab ${this.index} host keys (test/helpers/ssh-lab)\n`;
    writePrivate(this.knownHostsPath, header + hosts.map((s) => `${knownHostsLine(s.address, s.port, s.hostKey!.publicKey)}\n`).join(''), 0o644);
    writePrivate(this.knownHostsHashedPath, hosts.map((s) => `${hashedKnownHostsLine(s.address, s.port, s.hostKey!.publicKey)}\n`).join(''), 0o644);
  }

  // ---- teardown ----

  /**
   * Kills every sshd and process on the lab's hosts, deletes each veth, the namespaces and the
   * bridge, removes the lab folder, then checks that nothing is left (throws if so). Idempotent.
   */
  async dispose(): Promise<void> {
    const procs = [...this.states.values()].map((s) => s.proc).filter((p): p is ChildProcess => p !== null);
    this.disposeSync();
    // Let this process reap its sshd supervisors, so none is left as a zombie.
    await Promise.all(
      procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null || p.signalCode !== null) return resolve();
            const timer = setTimeout(resolve, 2000);
            p.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
          }),
      ),
    );
  }

  /** dispose() without waiting for this process to reap its children (for 'exit' handlers). */
  disposeSync(): void {
    if (this.disposed) return;
    // Only while the bridge still names this lab as ours: a lab swept as a leftover may have
    // handed its number to another lab since.
    const owner = labOwner(this.index);
    if (owner !== 'missing' && owner?.dir === this.dir && owner.pid === process.pid) destroyLabSync(this.index, this.dir);
    else rmSync(this.dir, { recursive: true, force: true });
    this.disposed = true;
    track(this, false);
    for (const s of this.states.values()) s.sshdPid = null;
  }
}
