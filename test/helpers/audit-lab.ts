/**
 * The compliance audit's two SSH lab hosts (test/helpers/ssh-lab.ts): `hardened` and `weak`. Each
 * runs this machine's real Debian binaries (sshd, sudo, dpkg-query, apt-get, cat, ls...) and sees
 * its own configuration through files and folders bound over /etc, /var and /proc/sys in its own
 * mount namespace, so the audit (over SSH) and OpenSCAP (nsenter'd into the same namespace) read
 * the very same host.
 *
 * What is real and what is presented:
 * - Files a probe reads are real files with real modes and owners, bound per host: sshd_config
 *   (Debian 12's own; hardened: 0600 with an Include'd drop-in), login.defs (Debian 12's, with
 *   the hardened values), /etc/sysctl.conf and /etc/sysctl.d, passwd/shadow/group/gshadow (this
 *   machine's accounts; weak adds an unshadowed uid-0 account with an empty password),
 *   journald.conf, /etc/os-release, the cron folders, sudoers.d (the login user `cdtest` is an
 *   audit account with `sudo -n`).
 * - net.ipv4.* sysctls are per network namespace: set for real in each host's namespace.
 *   kernel.* and fs.* sysctls are global to the machine: their /proc/sys files are bound per host.
 * - Packages: the dpkg database is a file. Each host's /var/lib/dpkg/status is this machine's,
 *   plus stanzas of Debian 12 packages the host "has" (both: linux-base, which SSG needs to treat
 *   the host as one with a kernel; hardened: auditd; weak: telnetd, rsh-server, vsftpd,
 *   openbsd-inetd, and zip at its pre-security-update version). Their files are not on disk:
 *   nothing reads them.
 * - Pending updates: apt-get -s upgrade over the host's status and package lists. hardened binds
 *   an empty lists folder (no index, nothing pending); weak binds this machine's real
 *   bookworm-security index (which has zip 3.0-13+deb12u1 over the 3.0-13 weak has).
 * - Fakes only where nothing real exists in the namespace: systemd is not running (no PID 1
 *   systemd, no D-Bus), so `systemctl` and `timedatectl` are scripts bound over /usr/bin printing
 *   what systemd 252 prints; no firewall program is installed, so hardened has an `nft` in its
 *   /usr/local/bin printing a real ruleset capture; nvidia-smi prints real captures (hardened: a
 *   V100 with persistence mode and ECC on, weak: an A10G with persistence mode off).
 * - /dev/nvidia* device files are not made: /dev is the machine's devtmpfs, and a lab host cannot
 *   have device nodes of its own without a /dev of its own.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { COMPLIANCE_POLICY } from '../../electron/core/compliance/command-specs';
import { builtInPoliciesDir, loadPolicy } from '../../electron/core/compliance/policy-loader';
import type { AuditNode } from '../../electron/core/compliance/runner';
import type { Policy } from '../../electron/core/compliance/types';
import type { Host } from '../../electron/core/hosts/host';
import { loadCredentials, noSecretStore } from '../../electron/core/hosts/ssh/credentials';
import { SshHost } from '../../electron/core/hosts/ssh/ssh-host';
import { SshPool } from '../../electron/core/hosts/ssh/ssh-pool';
import { fixturePath } from './fixtures';
import { type FakeDir, type FakeFile, type LabHostSpec, SshLab } from './ssh-lab';

export const AUDIT_HOSTS = ['hardened', 'weak'] as const;
export type AuditHostName = (typeof AUDIT_HOSTS)[number];

const labFixture = (name: string) => readFileSync(fixturePath('compliance', 'lab', name), 'utf8');

/** Group id of `shadow` here (Debian: 42), for /etc/shadow and /etc/gshadow. */
function shadowGid(): number {
  const line = readFileSync('/etc/group', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('shadow:'));
  return line ? Number(line.split(':')[2]) : 42;
}

/** The lines of an account file, without `name`'s line (weak re-adds its own). */
function withoutAccount(text: string, names: readonly string[]): string[] {
  return text.split('\n').filter((line) => line !== '' && !names.includes(line.split(':')[0]!));
}

/** This machine's account files, made sure to hold the lab's login user (sshd and sudo need it). */
function machineAccounts(): { passwd: string[]; shadow: string[]; group: string[]; gshadow: string[] } {
  const read = (path: string) => withoutAccount(readFileSync(path, 'utf8'), ['toor']);
  const accounts = { passwd: read('/etc/passwd'), shadow: read('/etc/shadow'), group: read('/etc/group'), gshadow: read('/etc/gshadow') };
  if (!accounts.passwd.some((l) => l.startsWith('cdtest:'))) accounts.passwd.push('cdtest:x:1001:1001::/home/cdtest:/bin/bash');
  if (!accounts.shadow.some((l) => l.startsWith('cdtest:'))) accounts.shadow.push('cdtest:*:20000:0:99999:7:::');
  return accounts;
}

/** Sets `KEY value` lines of login.defs in place (the file keeps its comments and order). */
function setLoginDefs(text: string, values: Record<string, string>): string {
  let out = text;
  for (const [key, value] of Object.entries(values)) {
    const line = new RegExp(`^${key}\\s+\\S+$`, 'm');
    if (!line.test(out)) throw new Error(`login.defs fixture has no ${key} line`);
    out = out.replace(line, `${key}\t${value}`);
  }
  return out;
}

/** A dpkg status stanza of an installed Debian 12 package (fields as dpkg writes them). */
function dpkgStanza(p: { name: string; version: string; arch: string; section: string; depends?: string; description: string }): string {
  return [
    `Package: ${p.name}`,
    'Status: install ok installed',
    'Priority: optional',
    `Section: ${p.section}`,
    'Installed-Size: 100',
    'Maintainer: Debian maintainers <debian-devel@lists.debian.org>',
    `Architecture: ${p.arch}`,
    `Version: ${p.version}`,
    ...(p.depends ? [`Depends: ${p.depends}`] : []),
    `Description: ${p.description}`,
    '',
  ].join('\n');
}

/** Debian 12 packages each host has (versions of bookworm / bookworm-security). */
const PACKAGES = {
  linuxBase: { name: 'linux-base', version: '4.12.1~deb12u1', arch: 'all', section: 'kernel', description: 'Linux image base package' },
  auditd: { name: 'auditd', version: '1:3.0.9-1', arch: 'amd64', section: 'admin', description: 'User space tools for security auditing' },
  telnetd: { name: 'telnetd', version: '0.17+2.4-2+deb12u1', arch: 'amd64', section: 'net', description: 'basic telnet server' },
  rshServer: { name: 'rsh-server', version: '0.17-24', arch: 'amd64', section: 'net', description: 'server program for remote shell connections' },
  vsftpd: { name: 'vsftpd', version: '3.0.3-13+b2', arch: 'amd64', section: 'net', description: 'lightweight, efficient FTP server written for security' },
  openbsdInetd: { name: 'openbsd-inetd', version: '0.20221205-1', arch: 'amd64', section: 'net', description: 'OpenBSD Internet Superserver' },
  /** bookworm's zip; bookworm-security has 3.0-13+deb12u1. */
  zipOld: { name: 'zip', version: '3.0-13', arch: 'amd64', section: 'utils', depends: 'libbz2-1.0, libc6 (>= 2.34)', description: 'Archiver for .zip files' },
} as const;

const CONTROLLED_PACKAGES = new Set<string>(Object.values(PACKAGES).map((p) => p.name));

/** This machine's dpkg status without the packages the lab decides per host, plus `extra`. */
function dpkgStatus(extra: ReadonlyArray<(typeof PACKAGES)[keyof typeof PACKAGES]>): string {
  const stanzas = readFileSync('/var/lib/dpkg/status', 'utf8')
    .split(/\n\n+/)
    .filter((s) => s.trim() !== '' && !CONTROLLED_PACKAGES.has(/^Package: (\S+)$/m.exec(s)?.[1] ?? ''));
  return `${[...stanzas.map((s) => `${s.trimEnd()}\n`), ...extra.map(dpkgStanza)].join('\n')}`;
}

/** `systemctl show --property=LoadState,ActiveState,SubState,UnitFileState UNIT` as systemd 252 prints it. */
function fakeSystemctl(units: Record<string, 'enabled' | 'disabled'>): string {
  const cases = Object.entries(units)
    .map(([unit, state]) =>
      state === 'enabled'
        ? `  ${unit}) printf 'LoadState=loaded\\nActiveState=active\\nSubState=running\\nUnitFileState=enabled\\n' ;;`
        : `  ${unit}) printf 'LoadState=loaded\\nActiveState=inactive\\nSubState=dead\\nUnitFileState=disabled\\n' ;;`,
    )
    .join('\n');
  return [
    '#!/bin/sh',
    '# Fake systemctl of an audit lab host: systemd is not running in the lab (test/helpers/audit-lab.ts).',
    'if [ "$1" != show ]; then echo "fake systemctl: only show is served: $*" >&2; exit 1; fi',
    'for unit; do :; done',
    'case "$unit" in',
    cases,
    "  *) printf 'LoadState=not-found\\nActiveState=inactive\\nSubState=dead\\nUnitFileState=\\n' ;;",
    'esac',
    '',
  ].join('\n');
}

/** `timedatectl show` / `timedatectl status` as systemd 252 prints them. */
function fakeTimedatectl(synchronized: boolean): string {
  const yes = synchronized ? 'yes' : 'no';
  return [
    '#!/bin/sh',
    '# Fake timedatectl of an audit lab host: systemd-timedated is not running in the lab (test/helpers/audit-lab.ts).',
    'case "$1" in',
    `  show) printf 'Timezone=Etc/UTC\\nLocalRTC=no\\nCanNTP=yes\\nNTP=${yes}\\nNTPSynchronized=${yes}\\nTimeUSec=Tue 2025-06-24 10:00:00 UTC\\nRTCTimeUSec=Tue 2025-06-24 10:00:00 UTC\\n' ;;`,
    `  status|'') printf '               Local time: Tue 2025-06-24 10:00:00 UTC\\n           Universal time: Tue 2025-06-24 10:00:00 UTC\\n                 RTC time: Tue 2025-06-24 10:00:00\\n                Time zone: Etc/UTC (UTC, +0000)\\nSystem clock synchronized: ${yes}\\n              NTP service: ${synchronized ? 'active' : 'inactive'}\\n          RTC in local TZ: no\\n' ;;`,
    '  *) echo "fake timedatectl: $*" >&2; exit 1 ;;',
    'esac',
    '',
  ].join('\n');
}

const executable = (content: string): FakeFile => ({ content, mode: 0o755 });
const cronDir = (mode: number): FakeDir => ({
  mode,
  files: { '.placeholder': '# DO NOT EDIT OR REMOVE\n# This file is a simple placeholder to keep dpkg from removing this directory\n' },
});

/** The sudoers drop-in of the audit account: `sudo -n` for what the probes run as root. */
const SUDOERS: FakeDir = { mode: 0o755, files: { 'cdtest-audit': { content: 'cdtest ALL=(root) NOPASSWD: ALL\n', mode: 0o440 } } };

/** Hardened sysctl values, one configuration file (kernel.yama.* is absent: this kernel has no Yama). */
const HARDENED_SYSCTL_CONF = [
  '# GPU node hardening (audit lab).',
  'kernel.randomize_va_space = 2',
  'kernel.dmesg_restrict = 1',
  'kernel.kptr_restrict = 1',
  'kernel.yama.ptrace_scope = 1',
  'fs.suid_dumpable = 0',
  'fs.protected_hardlinks = 1',
  'fs.protected_symlinks = 1',
  'net.ipv4.ip_forward = 0',
  'net.ipv4.conf.all.rp_filter = 1',
  'net.ipv4.conf.default.rp_filter = 1',
  'net.ipv4.conf.all.send_redirects = 0',
  'net.ipv4.conf.all.accept_redirects = 0',
  '',
].join('\n');

/** Global sysctls, per host through their /proc/sys files. */
const GLOBAL_SYSCTLS: Record<AuditHostName, Record<string, number>> = {
  hardened: {
    'kernel/randomize_va_space': 2,
    'kernel/dmesg_restrict': 1,
    'kernel/kptr_restrict': 1,
    'fs/suid_dumpable': 0,
    'fs/protected_hardlinks': 1,
    'fs/protected_symlinks': 1,
  },
  weak: {
    'kernel/randomize_va_space': 1,
    'kernel/dmesg_restrict': 0,
    'kernel/kptr_restrict': 0,
    'fs/suid_dumpable': 2,
    'fs/protected_hardlinks': 0,
    'fs/protected_symlinks': 0,
  },
};

/** Network sysctls, set for real in each host's network namespace (ip_forward first: it resets others). */
export const NETNS_SYSCTLS: Record<AuditHostName, Array<[string, number]>> = {
  hardened: [
    ['net.ipv4.ip_forward', 0],
    ['net.ipv4.conf.all.rp_filter', 1],
    ['net.ipv4.conf.default.rp_filter', 1],
    ['net.ipv4.conf.all.send_redirects', 0],
    ['net.ipv4.conf.all.accept_redirects', 0],
  ],
  weak: [
    ['net.ipv4.ip_forward', 1],
    ['net.ipv4.conf.all.rp_filter', 0],
    ['net.ipv4.conf.default.rp_filter', 0],
    ['net.ipv4.conf.all.send_redirects', 1],
    ['net.ipv4.conf.all.accept_redirects', 1],
  ],
};

const HARDENED_SSHD_CONFIG = [
  '# GPU node hardening (audit lab): every keyword the baseline reads, set explicitly.',
  'Include /etc/ssh/sshd_config.d/*.conf',
  'PermitRootLogin no',
  'PasswordAuthentication no',
  'PermitEmptyPasswords no',
  'KbdInteractiveAuthentication no',
  'UsePAM yes',
  'MaxAuthTries 4',
  'X11Forwarding no',
  'IgnoreRhosts yes',
  'HostbasedAuthentication no',
  'PermitUserEnvironment no',
  'LoginGraceTime 60',
  'Banner /etc/issue.net',
  'LogLevel INFO',
  'Ciphers aes256-gcm@openssh.com,aes128-gcm@openssh.com,aes256-ctr,aes192-ctr,aes128-ctr',
  'MACs hmac-sha2-512-etm@openssh.com,hmac-sha2-256-etm@openssh.com,hmac-sha2-512,hmac-sha2-256',
  'KexAlgorithms curve25519-sha256,curve25519-sha256@libssh.org,diffie-hellman-group16-sha512,diffie-hellman-group18-sha512',
  'PrintMotd no',
  'AcceptEnv LANG LC_*',
  'Subsystem sftp /usr/lib/openssh/sftp-server',
  '',
].join('\n');

/** hardened's drop-in: the idle timeout lives here, as sites do it (sshd reads it through Include). */
const HARDENED_SSHD_DROP_IN = ['# Idle sessions (audit lab).', 'ClientAliveInterval 300', 'ClientAliveCountMax 3', ''].join('\n');

/** weak: Debian 12's stock sshd_config (0644) and no drop-in; its weak keywords are appended. */
const WEAK_SSHD_ADDITIONS = [
  '',
  '# Weak settings (audit lab).',
  'PermitRootLogin yes',
  'PermitEmptyPasswords yes',
  'PermitUserEnvironment yes',
  'LogLevel QUIET',
  'Ciphers +aes128-cbc,3des-cbc',
  'KexAlgorithms +diffie-hellman-group14-sha1',
  '',
].join('\n');

/**
 * weak's apt lists: this machine's bookworm-security index alone (the whole archive's index would
 * take apt-get -s, run as a user who cannot write apt's cache, longer than a probe's timeout).
 */
function securityLists(): FakeDir {
  const dir = '/var/lib/apt/lists';
  const names = existsSync(dir)
    ? readdirSync(dir).filter((n) => /_debian-security_dists_bookworm-security_(InRelease|main_binary-amd64_Packages(\.\w+)?)$/.test(n))
    : [];
  if (!names.some((n) => n.endsWith('InRelease')) || !names.some((n) => n.includes('_Packages'))) {
    throw new Error(
      `the audit lab's weak host needs this machine's bookworm-security apt index in ${dir} (run apt-get update); found: ${names.join(', ') || 'nothing'}`,
    );
  }
  return { files: Object.fromEntries(names.map((n) => [n, { content: readFileSync(join(dir, n)) }])) };
}

/** The two hosts' specs (reads this machine's accounts and dpkg status: call after the lab user exists, or it is added). */
export function auditLabSpecs(): LabHostSpec[] {
  const shadow = shadowGid();
  const accounts = machineAccounts();
  const stockSshd = labFixture('sshd_config.debian-12');
  const loginDefs = labFixture('login.defs.debian-12');
  const sysctlConf = labFixture('sysctl.conf.debian-12');
  const osRelease = labFixture('os-release.debian-12');
  const journald = labFixture('journald.conf.debian-12');
  const sysctlFiles = (host: AuditHostName): Record<string, string> =>
    Object.fromEntries(Object.entries(GLOBAL_SYSCTLS[host]).map(([key, value]) => [`/proc/sys/${key}`, `${value}\n`]));
  const lines = (list: string[]) => `${list.join('\n')}\n`;

  const hardened: LabHostSpec = {
    name: 'hardened',
    nvidiaSmi: { xmlFixture: 'v100-sxm3-32gb-retired-pages-drv410-v10.xml' },
    fakeDirs: {
      '/etc/ssh/sshd_config.d': { files: { '50-idle-timeout.conf': HARDENED_SSHD_DROP_IN } },
      '/etc/sysctl.d': { files: { '60-gpu-node-hardening.conf': HARDENED_SYSCTL_CONF } },
      '/etc/sudoers.d': SUDOERS,
      '/etc/cron.d': cronDir(0o700),
      '/etc/cron.daily': cronDir(0o700),
      '/etc/cron.weekly': cronDir(0o700),
      '/var/lib/apt/lists': { files: {} },
    },
    fakeFiles: {
      '/etc/os-release': osRelease,
      '/etc/hosts': hostsFile('hardened'),
      '/etc/ssh/sshd_config': { content: HARDENED_SSHD_CONFIG, mode: 0o600 },
      '/etc/login.defs': setLoginDefs(loginDefs, { PASS_MAX_DAYS: '365', PASS_MIN_DAYS: '1', PASS_WARN_AGE: '14', UMASK: '027' }),
      '/etc/sysctl.conf': sysctlConf,
      '/etc/passwd': { content: lines(accounts.passwd), mode: 0o644 },
      '/etc/shadow': { content: lines(accounts.shadow), mode: 0o640, gid: shadow },
      '/etc/group': { content: lines(accounts.group), mode: 0o644 },
      '/etc/gshadow': { content: lines(accounts.gshadow), mode: 0o640, gid: shadow },
      '/etc/systemd/journald.conf': journald.replace(/^#Storage=auto$/m, 'Storage=persistent'),
      '/var/lib/dpkg/status': dpkgStatus([PACKAGES.linuxBase, PACKAGES.auditd]),
      '/usr/bin/systemctl': executable(fakeSystemctl({ 'auditd.service': 'enabled', 'systemd-journald.service': 'enabled' })),
      '/usr/bin/timedatectl': executable(fakeTimedatectl(true)),
      ...sysctlFiles('hardened'),
    },
    fakePrograms: { nft: `cat ${shQuote(fixturePath('compliance', 'lab', 'nft-list-table-ip.docker-bridges.moby.txt'))}` },
  };

  const weak: LabHostSpec = {
    name: 'weak',
    nvidiaSmi: { xmlFixture: 'a10g-drv515-v11.xml' },
    fakeDirs: {
      '/etc/ssh/sshd_config.d': { files: {} },
      '/etc/sysctl.d': { files: { 'README.sysctl': 'Kernel system variables configuration files (audit lab: none here).\n' } },
      '/etc/sudoers.d': SUDOERS,
      '/etc/cron.d': cronDir(0o755),
      '/etc/cron.daily': cronDir(0o755),
      '/etc/cron.weekly': cronDir(0o755),
      '/var/lib/apt/lists': securityLists(),
    },
    fakeFiles: {
      '/etc/os-release': osRelease,
      '/etc/hosts': hostsFile('weak'),
      '/etc/ssh/sshd_config': { content: `${stockSshd.trimEnd()}\n${WEAK_SSHD_ADDITIONS}`, mode: 0o644 },
      '/etc/login.defs': loginDefs,
      '/etc/sysctl.conf': sysctlConf,
      // An unshadowed uid-0 account with an empty password; group-writable passwd; world-readable shadows.
      '/etc/passwd': { content: lines([...accounts.passwd, 'toor::0:0:spare root:/root:/bin/bash']), mode: 0o664 },
      '/etc/shadow': { content: lines([...accounts.shadow, 'toor::20000:0:99999:7:::']), mode: 0o644 },
      '/etc/group': { content: lines(accounts.group), mode: 0o644 },
      '/etc/gshadow': { content: lines(accounts.gshadow), mode: 0o644, gid: shadow },
      '/etc/systemd/journald.conf': journald.replace(/^#Storage=auto$/m, 'Storage=volatile'),
      '/var/lib/dpkg/status': dpkgStatus([PACKAGES.linuxBase, PACKAGES.telnetd, PACKAGES.rshServer, PACKAGES.vsftpd, PACKAGES.openbsdInetd, PACKAGES.zipOld]),
      '/usr/bin/systemctl': executable(fakeSystemctl({ 'systemd-journald.service': 'enabled' })),
      '/usr/bin/timedatectl': executable(fakeTimedatectl(false)),
      ...sysctlFiles('weak'),
    },
  };
  return [hardened, weak];
}

/** The host's own name resolves (sudo looks it up, and says so on stderr when it cannot). */
const hostsFile = (name: AuditHostName) => `127.0.0.1\tlocalhost\n127.0.1.1\t${name}\n::1\tlocalhost ip6-localhost ip6-loopback\n`;

/** The GPU count the inventory declares per node: hardened's one V100 as inventoried; weak's inventory says 2, its nvidia-smi shows 1 (a GPU gone). */
export const INVENTORY_GPU_COUNT: Record<AuditHostName, number> = { hardened: 1, weak: 2 };

function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** Starts both hosts and sets their network sysctls; dispose() the lab when done. */
export async function createAuditLab(): Promise<SshLab> {
  const lab = await SshLab.create({ hosts: auditLabSpecs() });
  try {
    for (const name of AUDIT_HOSTS) {
      for (const [key, value] of NETNS_SYSCTLS[name]) {
        const result = await lab.execInHost(name, ['/usr/sbin/sysctl', '-q', '-w', `${key}=${value}`]);
        if (result.code !== 0) throw new Error(`set ${key}=${value} on ${name}: ${result.stderr.trim()}`);
      }
    }
  } catch (error) {
    await lab.dispose();
    throw error;
  }
  return lab;
}

/** Where a lab fixture lives (for messages). */
export const auditLabFixtureDir = () => join(fixturePath('compliance', 'lab'));

/** The lab's hosts as audit nodes over real SSH (SshPool + SshHost with the compliance exec policy); close the pool when done. */
export function auditNodes(lab: SshLab): { pool: SshPool; nodes: AuditNode[]; batches: Map<string, number> } {
  const pool = new SshPool({
    hostKeys: { files: [lab.knownHostsPath], acceptNew: false, trust: () => {} },
    credentials: (route) => loadCredentials(route.identityFiles, route.useAgent, noSecretStore),
  });
  const batches = new Map<string, number>();
  const nodes = AUDIT_HOSTS.map((name): AuditNode => {
    const h = lab.host(name);
    const connection = pool.connection({ endpoint: { host: h.address, port: h.port, user: h.user }, identityFiles: [h.privateKeyPath], useAgent: false });
    const ssh = new SshHost(name, connection, COMPLIANCE_POLICY);
    // Counts the exec requests the audit makes on this node's connection (one per batch or exec).
    const host: Host = {
      id: ssh.id,
      kind: ssh.kind,
      exec: (program, args, options) => (batches.set(name, (batches.get(name) ?? 0) + 1), ssh.exec(program, args, options)),
      readFile: (path, options) => (batches.set(name, (batches.get(name) ?? 0) + 1), ssh.readFile(path, options)),
      read: (path, options) => (batches.set(name, (batches.get(name) ?? 0) + 1), ssh.read(path, options)),
      stat: (path) => (batches.set(name, (batches.get(name) ?? 0) + 1), ssh.stat(path)),
      batch: (ops, options) => (batches.set(name, (batches.get(name) ?? 0) + 1), ssh.batch(ops, options)),
    };
    return { nodeId: name, host, hostKey: h.hostKeyFingerprintSha256 };
  });
  return { pool, nodes, batches };
}

/** The built-in gpu-node-baseline policy, loaded as the app loads it. */
export function builtInBaseline(): Policy {
  const load = loadPolicy(join(builtInPoliciesDir(), 'gpu-node-baseline.yaml'), { builtIn: true });
  if (!load.policy)
    throw new Error(`policies/gpu-node-baseline.yaml does not load:\n${load.errors.map((e) => `${e.file}:${e.line}: ${e.field}: ${e.message}`).join('\n')}`);
  return load.policy;
}
