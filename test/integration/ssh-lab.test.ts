// The SSH lab itself (test/helpers/ssh-lab.ts), checked with the system OpenSSH client: real
// sshd per network namespace, own hostnames and fake nvidia-smi, a hidden host behind a bastion,
// node death and return, host key rotation, and a teardown that leaves nothing behind.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HOSTILE_HOSTNAME, SshLab } from '../helpers/ssh-lab';
import { processStartTime } from '../helpers/ssh-lab/network';
import { type CommandResult, run } from '../helpers/ssh-lab/run';
import { readFixture } from '../helpers/fixtures';

const SSH = '/usr/bin/ssh';
const A5000 = '2x-rtx-a5000-drv590-v13.xml';
const T4 = 'tesla-t4-linux-drv515-v11.xml';
const FAKE_LOADAVG = '9.50 8.25 7.00 3/321 4242\n';

/** `ssh -F lab.sshConfigPath -o UserKnownHostsFile=... -o StrictHostKeyChecking=yes ARGS...` */
function ssh(lab: SshLab, args: string[], options: { knownHosts?: string; timeoutMs?: number } = {}): Promise<CommandResult> {
  const strict = ['-F', lab.sshConfigPath, '-o', `UserKnownHostsFile=${options.knownHosts ?? lab.knownHostsPath}`, '-o', 'StrictHostKeyChecking=yes'];
  return run(SSH, [...strict, ...args], { allowFailure: true, timeoutMs: options.timeoutMs ?? 20_000 });
}

function ok(result: CommandResult): string {
  expect(result, `ssh failed: ${result.stderr}`).toMatchObject({ code: 0 });
  return result.stdout;
}

/** 'connected', or why a TCP connect from this (root) namespace did not get through. */
function tcpProbe(address: string, port: number, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host: address, port });
    const done = (outcome: string) => {
      socket.destroy();
      resolve(outcome);
    };
    socket.setTimeout(timeoutMs, () => done('timeout'));
    socket.once('connect', () => done('connected'));
    socket.once('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
  });
}

/** `pgrep -f TEXT` without procps: pids whose command line contains text. */
function processesMentioning(text: string): number[] {
  return readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    })
    .map(Number);
}

function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '';
  }
}

function alive(pid: number, start: string | null): boolean {
  return start !== null && processStartTime(pid) === start;
}

async function linksAndNetns(): Promise<{ links: string[]; netns: string[] }> {
  const links = (JSON.parse((await run('ip', ['-j', 'link', 'show'])).stdout) as Array<{ ifname: string }>).map((l) => l.ifname);
  const netns = (JSON.parse((await run('ip', ['-j', 'netns', 'list'])).stdout.trim() || '[]') as Array<{ name: string }>).map((n) => n.name);
  return { links, netns };
}

/** Asserts that nothing of the lab is left: interfaces, namespaces, processes, files. */
async function expectGone(lab: SshLab, pids: Array<[number, string | null]>): Promise<void> {
  const { links, netns } = await linksAndNetns();
  expect(links.filter((l) => l.startsWith(`cdlab${lab.index}b`) || l.startsWith(`cdlab${lab.index}v`))).toEqual([]);
  expect(netns.filter((n) => n.startsWith(`cdlab${lab.index}-`))).toEqual([]);
  expect(pids.filter(([pid, start]) => alive(pid, start))).toEqual([]);
  // An ssh client killed just before (and its ProxyJump child) may take a moment to exit.
  await expect.poll(() => processesMentioning(lab.dir), { timeout: 10_000 }).toEqual([]);
  expect(existsSync(lab.dir)).toBe(false);
}

function pidsOf(lab: SshLab): Array<[number, string | null]> {
  return lab.hosts().flatMap((h) => lab.hostPids(h.name).map((pid) => [pid, processStartTime(pid)] as [number, string | null]));
}

describe('SSH lab: three hosts and a hidden one behind a bastion', () => {
  let lab: SshLab;

  beforeAll(async () => {
    lab = await SshLab.create({
      hosts: [
        { name: 'h1', nvidiaSmi: { xmlFixture: A5000 } },
        { name: 'h2', port: 2222, nvidiaSmi: { errorFixture: 'driver-not-loaded.txt', exitCode: 9 } },
        { name: 'h3', hostname: HOSTILE_HOSTNAME, fakeFiles: { '/proc/loadavg': FAKE_LOADAVG } },
        { name: 'h9', nvidiaSmi: { xmlFixture: T4 } },
      ],
      bastion: { name: 'bastion', hiddenHosts: ['h9'] },
    });
  }, 120_000);

  afterAll(async () => {
    await lab?.dispose();
  });

  it('each host answers with its own hostname and its own nvidia-smi', async () => {
    expect(ok(await ssh(lab, ['h1', 'hostname']))).toBe('h1\n');
    expect(ok(await ssh(lab, ['h2', 'hostname']))).toBe('h2\n');
    expect(ok(await ssh(lab, ['h3', 'hostname']))).toBe(`${HOSTILE_HOSTNAME}\n`);

    expect(ok(await ssh(lab, ['h1', 'nvidia-smi -q -x']))).toBe(readFixture('nvidia-smi', 'xml', A5000));
    // Login shells find it first on PATH too.
    expect(ok(await ssh(lab, ['h1', "bash -lc 'command -v nvidia-smi'"]))).toBe('/usr/local/bin/nvidia-smi\n');
    const broken = await ssh(lab, ['h2', 'nvidia-smi -q -x']);
    expect(broken.code).toBe(9);
    expect(broken.stdout).toBe(readFixture('nvidia-smi', 'errors', 'driver-not-loaded.txt'));
    const none = await ssh(lab, ['h3', 'nvidia-smi -q -x']);
    expect(none.code).toBe(127);
    expect(none.stderr).toMatch(/nvidia-smi: (command )?not found/);
  });

  it('reports the hostile hostname byte for byte everywhere a collector could read it', async () => {
    expect(Buffer.byteLength(HOSTILE_HOSTNAME)).toBeLessThanOrEqual(64);
    expect(ok(await ssh(lab, ['h3', 'uname -n']))).toBe(`${HOSTILE_HOSTNAME}\n`);
    expect(ok(await ssh(lab, ['h3', 'cat /proc/sys/kernel/hostname']))).toBe(`${HOSTILE_HOSTNAME}\n`);
    expect(ok(await ssh(lab, ['h3', 'cat /etc/hostname']))).toBe(`${HOSTILE_HOSTNAME}\n`);
    expect(lab.host('h3').hostname).toBe(HOSTILE_HOSTNAME);
    // The name is another namespace's: this machine's own hostname is untouched.
    expect(readFileSync('/proc/sys/kernel/hostname', 'utf8')).not.toContain('evil');
    await lab.setHostname('h2', 'renamed-h2');
    expect(ok(await ssh(lab, ['h2', 'hostname; cat /etc/hostname']))).toBe('renamed-h2\nrenamed-h2\n');
  });

  it('binds fake /proc files per host only', async () => {
    expect(ok(await ssh(lab, ['h3', 'cat /proc/loadavg']))).toBe(FAKE_LOADAVG);
    expect(ok(await ssh(lab, ['h1', 'cat /proc/loadavg']))).not.toBe(FAKE_LOADAVG);
    expect(readFileSync('/proc/loadavg', 'utf8')).not.toBe(FAKE_LOADAVG);
    await lab.setFakeFile('h3', '/proc/loadavg', '0.01 0.02 0.03 1/99 7\n');
    await lab.setFakeFile('h1', '/proc/uptime', '12345.67 23456.78\n');
    expect(ok(await ssh(lab, ['h3', 'cat /proc/loadavg']))).toBe('0.01 0.02 0.03 1/99 7\n');
    expect(ok(await ssh(lab, ['h1', 'cat /proc/uptime']))).toBe('12345.67 23456.78\n');
  });

  it('gives each host its own host key, in plain and hashed known_hosts', async () => {
    const hosts = lab.hosts();
    expect(new Set(hosts.map((h) => h.hostKeyFingerprintSha256)).size).toBe(hosts.length);
    for (const h of hosts) {
      // The fingerprint is the one ssh-keygen computes from the key sshd serves.
      const listed = ok(await run('ssh-keygen', ['-l', '-E', 'sha256', '-f', h.hostPublicKeyPath]));
      expect(listed.split(' ')[1]).toBe(h.hostKeyFingerprintSha256);
      expect(h.hostPublicKeyLine).toBe(`${h.port === 22 ? h.address : `[${h.address}]:${h.port}`} ${h.hostPublicKey}`);
      expect(readFileSync(lab.knownHostsPath, 'utf8')).toContain(`${h.hostPublicKeyLine}\n`);
      // ssh-keygen -F finds the host in the hashed file, which names no host in clear.
      const name = h.port === 22 ? h.address : `[${h.address}]:${h.port}`;
      expect(ok(await run('ssh-keygen', ['-F', name, '-f', lab.knownHostsHashedPath]))).toContain(h.hostPublicKey);
    }
    expect(readFileSync(lab.knownHostsHashedPath, 'utf8')).not.toMatch(/198\.1[89]\./);
    expect(ok(await ssh(lab, ['h1', 'hostname'], { knownHosts: lab.knownHostsHashedPath }))).toBe('h1\n');
    expect(ok(await ssh(lab, ['h9', 'hostname'], { knownHosts: lab.knownHostsHashedPath }))).toBe('h9\n');
    expect(lab.host('h2').port).toBe(2222);
    expect(readFileSync(lab.sshConfigPath, 'utf8')).toContain(`Host h2\n  HostName ${lab.host('h2').address}\n  Port 2222\n`);
    expect(ok(await ssh(lab, ['h2', 'hostname'], { knownHosts: lab.knownHostsHashedPath }))).toBe('renamed-h2\n');
    expect(lab.sshdLog('h1')).toContain(`Accepted publickey for ${lab.user}`);
  });

  it('accepts the passphrase key (once unlocked) and refuses the unauthorized one', async () => {
    const h1 = lab.host('h1');
    const refused = await lab.ssh('h1', 'true', { identity: lab.keys.unauthorized.privateKeyPath });
    expect(refused.code).toBe(255);
    expect(refused.stderr).toContain('Permission denied (publickey)');
    expect(lab.sshdLog('h1')).toContain(lab.keys.unauthorized.fingerprintSha256.slice(0, 20));

    // BatchMode cannot ask for the passphrase...
    expect((await lab.ssh('h1', 'true', { identity: lab.keys.passphrase.privateKeyPath })).code).toBe(255);
    // ...the passphrase opens it, and the key it opens is authorized.
    const unlocked = join(lab.dir, 'client', 'unlocked');
    writeFileSync(unlocked, readFileSync(lab.keys.passphrase.privateKeyPath), { mode: 0o600 });
    await run('ssh-keygen', ['-p', '-P', lab.keys.passphrase.passphrase, '-N', '', '-f', unlocked]);
    expect(ok(await lab.ssh('h1', 'hostname', { identity: unlocked }))).toBe('h1\n');
    expect(ok(await lab.ssh('h9', 'hostname', { identity: unlocked }))).toBe('h9\n');
    expect(h1.privateKeyPath).toBe(lab.keys.authorized.privateKeyPath);
  });

  it('reaches the hidden host only through the bastion', async () => {
    const h9 = lab.host('h9');
    const bastion = lab.host('bastion');
    expect(h9).toMatchObject({ hidden: true, jumpHost: 'bastion' });
    expect(bastion.isBastion).toBe(true);
    expect(readFileSync(lab.sshConfigPath, 'utf8')).toContain(
      `Host h9\n  HostName ${h9.address}\n  Port 22\n  User ${lab.user}\n  IdentityFile ${h9.privateKeyPath}\n  IdentitiesOnly yes\n  ProxyJump bastion\n`,
    );

    expect(await tcpProbe(bastion.address, 22, 3000)).toBe('connected');
    expect(await tcpProbe(h9.address, 22, 4000)).not.toBe('connected');
    const direct = await ssh(lab, ['-o', 'ProxyJump=none', '-o', 'ConnectTimeout=3', 'h9', 'hostname']);
    expect(direct.code).toBe(255);

    // By address, not by alias: only -J (and the host's key) gets there.
    expect(ok(await ssh(lab, ['-J', 'bastion', '-i', h9.privateKeyPath, `${lab.user}@${h9.address}`, 'hostname']))).toBe('h9\n');
    expect(ok(await ssh(lab, ['h9', 'nvidia-smi -q -x']))).toBe(readFixture('nvidia-smi', 'xml', T4));
    expect(lab.sshdLog('h9')).toMatch(/Connection from 198\.19\.\d+\.1 /); // the bastion's inner address
  });

  it('stops a node (sessions die, new connections are refused) and brings it back with the same key', async () => {
    const before = lab.host('h2');
    const session = spawn(SSH, ['-F', lab.sshConfigPath, 'h2', 'sleep 600'], { stdio: 'ignore' });
    const sessionEnded = new Promise<number | null>((resolve) => session.once('exit', (code) => resolve(code)));
    await expect.poll(() => lab.hostPids('h2').length, { timeout: 10_000 }).toBeGreaterThan(2);

    await lab.stopSshd('h2');
    expect(lab.host('h2')).toMatchObject({ running: false, sshdPid: null });
    expect(lab.hostPids('h2')).toEqual([]);
    expect(await sessionEnded).toBe(255);
    const refused = await ssh(lab, ['h2', 'hostname']);
    expect(refused.code).toBe(255);
    expect(refused.stderr).toContain('Connection refused');

    await lab.startSshd('h2');
    const after = lab.host('h2');
    expect(after.running).toBe(true);
    expect(after.hostKeyFingerprintSha256).toBe(before.hostKeyFingerprintSha256);
    expect(ok(await ssh(lab, ['h2', 'hostname']))).toBe('renamed-h2\n');
  });

  it('swaps nvidia-smi on a running host: hung, flooding, absent, back', async () => {
    lab.setNvidiaSmi('h1', { script: 'exec sleep 600' });
    // Long enough for connect, auth and exec on a loaded machine, so the hung command has started.
    const hung = await ssh(lab, ['h1', 'nvidia-smi -q -x'], { timeoutMs: 5000 });
    expect(hung.timedOut).toBe(true);
    // The hung command lingers on the node after the client gave up, as it would on a real one.
    expect(lab.hostPids('h1').map(comm)).toContain('sleep');
    expect((await lab.execInHost('h1', ['cat', '/proc/sys/kernel/hostname'])).stdout).toBe('h1\n');

    lab.setNvidiaSmi('h1', { floodBytes: 50_000_000 });
    expect(ok(await ssh(lab, ['h1', 'nvidia-smi -q -x | wc -c']))).toBe('50000000\n');

    lab.setNvidiaSmi('h1', null);
    expect((await ssh(lab, ['h1', 'nvidia-smi -q -x'])).code).toBe(127);

    lab.setNvidiaSmi('h1', { xmlFixture: A5000 });
    expect(ok(await ssh(lab, ['h1', 'nvidia-smi -q -x']))).toBe(readFixture('nvidia-smi', 'xml', A5000));
    expect((await ssh(lab, ['h1', 'nvidia-smi --query-gpu=name'])).code).toBe(2);
  });

  it('partitions a node silently and heals it', async () => {
    await lab.partition('h1');
    const cut = await ssh(lab, ['-o', 'ConnectTimeout=2', 'h1', 'hostname']);
    expect(cut.code).toBe(255);
    expect(cut.stderr).toMatch(/timed out/i);
    await lab.heal('h1');
    expect(ok(await ssh(lab, ['h1', 'hostname']))).toBe('h1\n');
  });

  it('rotates a host key: strict checking then refuses until known_hosts is rewritten', async () => {
    const before = lab.host('h3');
    const after = await lab.rotateHostKey('h3');
    expect(after.hostKeyFingerprintSha256).not.toBe(before.hostKeyFingerprintSha256);
    expect(after.running).toBe(true);

    const refused = await ssh(lab, ['h3', 'hostname']);
    expect(refused.code).toBe(255);
    expect(refused.stderr).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
    expect(refused.stderr).toContain(after.hostKeyFingerprintSha256);
    // The others are unaffected.
    expect(ok(await ssh(lab, ['h1', 'hostname']))).toBe('h1\n');

    lab.writeKnownHosts();
    expect(ok(await ssh(lab, ['h3', 'hostname']))).toBe(`${HOSTILE_HOSTNAME}\n`);

    const ecdsa = await lab.rotateHostKey('h3', { type: 'ecdsa' });
    expect(ecdsa.hostPublicKey).toMatch(/^ecdsa-sha2-nistp256 /);
    lab.writeKnownHosts();
    expect(ok(await ssh(lab, ['h3', 'hostname']))).toBe(`${HOSTILE_HOSTNAME}\n`);
  });
});

describe('SSH lab teardown', () => {
  it('dispose leaves no namespace, interface, process or file behind, and is idempotent', async () => {
    const lab = await SshLab.create({ hosts: [{ name: 'a' }, { name: 'b' }, { name: 'c' }], bastion: { name: 'jump', hiddenHosts: ['c'] } });
    let pids: Array<[number, string | null]> = [];
    try {
      const session = spawn(SSH, ['-F', lab.sshConfigPath, 'c', 'sleep 600'], { stdio: 'ignore' });
      await expect.poll(() => lab.hostPids('c').length, { timeout: 10_000 }).toBeGreaterThan(2);
      const { links, netns } = await linksAndNetns();
      expect(links).toContain(lab.bridge);
      expect(netns.filter((n) => n.startsWith(`cdlab${lab.index}-`)).sort()).toEqual(['a', 'b', 'c', 'jump'].map((h) => `cdlab${lab.index}-${h}`));
      pids = pidsOf(lab);
      expect(pids.length).toBeGreaterThanOrEqual(4 * 2);
      await lab.dispose();
      const exited = session.exitCode !== null || session.signalCode !== null ? Promise.resolve() : once(session, 'exit');
      session.kill();
      await exited;
    } finally {
      await lab.dispose();
    }
    await lab.dispose();
    await expectGone(lab, pids);
    expect(() => lab.host('a')).toThrow(/disposed/);
  });

  it('sweeps a lab whose owner process is gone', async () => {
    const lab = await SshLab.create({ hosts: [{ name: 'x' }, { name: 'y' }] });
    const pids = pidsOf(lab);
    try {
      // Pretend the lab belongs to a process that crashed: a pid that has exited.
      const gone = spawn('true');
      await new Promise((resolve) => gone.once('exit', resolve));
      await run('ip', ['link', 'set', 'dev', lab.bridge, 'alias', `clusterdeck-ssh-lab;pid=${gone.pid};start=1;dir=${lab.dir}`]);
      const swept = await SshLab.sweepLeftovers();
      await expectGone(lab, pids);
      // (A create() in a test file running in parallel may have swept it first.)
      if (!swept.includes(lab.index)) expect(swept.every(Number.isInteger)).toBe(true);
    } finally {
      await lab.dispose();
    }
  });

  it('rejects a bad lab description before touching the network', async () => {
    await expect(SshLab.create({ hosts: [{ name: 'Bad Name' }] })).rejects.toThrow(/lab host name/);
    await expect(SshLab.create({ hosts: [{ name: 'a' }], bastion: { name: 'b', hiddenHosts: ['zz'] } })).rejects.toThrow(/not in hosts/);
    await expect(SshLab.create({ hosts: [{ name: 'a', hostname: 'x'.repeat(65) }] })).rejects.toThrow(/64 bytes/);
    await expect(SshLab.create({ hosts: [{ name: 'a', nvidiaSmi: { xmlFixture: 'no-such.xml' } }] })).rejects.toThrow(
      /no nvidia-smi fixture xml\/no-such\.xml/,
    );
  });

  it('says why a host did not start, and tears the half-built lab down', async () => {
    const before = await linksAndNetns();
    const failure = SshLab.create({ hosts: [{ name: 'ok' }, { name: 'bad', fakeFiles: { '/proc/no-such-file': 'x' } }] });
    await expect(failure).rejects.toThrow(/start sshd of lab host bad .*: sshd exited with code \d+[\s\S]*mount[\s\S]*\/proc\/no-such-file/);
    const after = await linksAndNetns();
    // Nothing new of ours is left (labs of test files running in parallel may come and go).
    expect(after.netns.filter((n) => /^cdlab\d+-(ok|bad)$/.test(n) && !before.netns.includes(n))).toEqual([]);
  });
});

describe('SSH lab at benchmark size', () => {
  it('twenty hosts come up, each answers with its own name, and go away', async () => {
    const started = performance.now();
    const lab = await SshLab.create({
      hosts: Array.from({ length: 20 }, (_, i) => ({ name: `n${i + 1}`, nvidiaSmi: { xmlFixture: A5000 } })),
    });
    const created = performance.now();
    let pids: Array<[number, string | null]> = [];
    try {
      const answers = await Promise.all(lab.hosts().map((h) => ssh(lab, [h.name, 'hostname; nvidia-smi -q -x | wc -c'])));
      answers.forEach((a, i) => expect(ok(a)).toBe(`n${i + 1}\n${Buffer.byteLength(readFixture('nvidia-smi', 'xml', A5000))}\n`));
      pids = pidsOf(lab);
    } finally {
      const disposing = performance.now();
      await lab.dispose();
      console.info(`[ssh-lab] 20 hosts: create ${Math.round(created - started)} ms, dispose ${Math.round(performance.now() - disposing)} ms`);
    }
    await expectGone(lab, pids);
  }, 180_000);
});
