/**
 * What the compliance probes run and read on nodes, for the exec policy (hosts/exec-policy.ts).
 * Every command is read-only; data (a path, a package, a unit) only ever travels as a validated
 * argument of its own, never inside script text. `sudo -n` is allowed where the fact needs root
 * (sshd -T, shadow, the firewall's rules) and never prompts: a refusal is "needs privilege".
 */
import { absolutePath, ExecPolicy, packageName, pathUnder, systemdUnit, type ArgValidator, type HostAccess } from '../hosts/exec-policy';
import { BUILTIN_COMMANDS } from './builtin-commands';

/** The folders whose files and metadata a probe may read (never /home, /root, /tmp, /srv). */
export const READABLE_ROOTS = ['/etc', '/proc', '/sys', '/run', '/usr', '/lib', '/var', '/dev', '/boot', '/opt'] as const;

/** Files only root may read are read with `sudo -n cat` under these folders alone. */
export const SUDO_READ_ROOTS = ['/etc'] as const;

export const SSHD_PROGRAM = '/usr/sbin/sshd';

/** dpkg-query's format: the ohai layout (package, version, architecture, db status). */
export const DPKG_FORMAT = '${Package}\\t${Version}\\t${Architecture}\\t${db:Status-Status}\\n';
/** rpm's format: cnquery's layout (name, epoch:version-release, arch, summary). */
export const RPM_FORMAT = '%{NAME} %{EPOCHNUM}:%{VERSION}-%{RELEASE} %{ARCH} %{SUMMARY}\\n';

export const SYSTEMCTL_SHOW_PROPERTIES = '--property=LoadState,ActiveState,SubState,UnitFileState';

export const LIST_DIR_ARGS = (dir: string): string[] => ['-1A', '--', dir];
export const SUDO_CAT_ARGS = (path: string): string[] => ['--', path];

const underRoots = pathUnder(READABLE_ROOTS);
/** A folder under the readable roots, or a root itself (/dev for the GPU device files). */
const readableFolder: ArgValidator = {
  name: `${underRoots.name}, or one of them`,
  test: (arg) => (READABLE_ROOTS as readonly string[]).includes(arg) || underRoots.test(arg),
};

export const COMPLIANCE_ACCESS: HostAccess = {
  commands: [
    {
      id: 'compliance.sshd-T',
      program: SSHD_PROGRAM,
      args: ['-T'],
      sudo: true,
      description: "sshd's effective configuration (needs root to load the host keys)",
    },
    {
      id: 'compliance.cat-privileged',
      program: 'cat',
      args: ['--', pathUnder(SUDO_READ_ROOTS)],
      sudo: true,
      description: 'a configuration file only root may read (/etc/shadow, a 0600 sshd_config)',
    },
    {
      id: 'compliance.list-dir',
      program: 'ls',
      args: ['-1A', '--', readableFolder],
      sudo: true,
      description: "a folder's names (sysctl.d, sshd_config.d, journald.conf.d, /dev); sudo where only root may list it",
    },
    {
      id: 'compliance.dpkg-query',
      program: 'dpkg-query',
      args: ['-W', '-f', DPKG_FORMAT, packageName()],
      description: 'whether a package is installed (Debian)',
    },
    { id: 'compliance.rpm-q', program: 'rpm', args: ['-q', '--queryformat', RPM_FORMAT, packageName()], description: 'whether a package is installed (RPM)' },
    {
      id: 'compliance.systemctl-show',
      program: 'systemctl',
      args: ['show', SYSTEMCTL_SHOW_PROPERTIES, systemdUnit()],
      description: "a unit's load, active and enablement state",
    },
    { id: 'compliance.nvidia-smi-xml', program: 'nvidia-smi', args: ['-q', '-x'], description: 'every GPU detail as XML' },
    { id: 'compliance.ufw-status', program: 'ufw', args: ['status', 'verbose'], sudo: true, description: 'ufw state and rules (root only)' },
    { id: 'compliance.nft-ruleset', program: 'nft', args: ['list', 'ruleset'], sudo: true, description: 'the nftables ruleset (root only)' },
    { id: 'compliance.iptables-save', program: 'iptables-save', args: [], sudo: true, description: 'the iptables rules (root only)' },
    { id: 'compliance.timedatectl-show', program: 'timedatectl', args: ['show'], description: 'NTP synchronisation (systemd 239 and later)' },
    { id: 'compliance.timedatectl-status', program: 'timedatectl', args: ['status'], description: 'NTP synchronisation (older systemd)' },
    { id: 'compliance.chronyc-tracking', program: 'chronyc', args: ['tracking'], description: "chrony's synchronisation state" },
    { id: 'compliance.apt-get-simulate', program: 'apt-get', args: ['-s', 'upgrade'], description: 'pending updates, simulated (changes nothing)' },
    { id: 'compliance.yum-security', program: 'yum', args: ['-q', 'check-update', '--security'], description: 'pending security updates (yum/dnf)' },
    ...BUILTIN_COMMANDS.map((c) => ({ id: `compliance.builtin.${c.id}`, program: c.program, args: [...c.args], description: c.description })),
  ],
  paths: [
    { id: 'compliance.system-files', path: pathUnder(READABLE_ROOTS), description: 'system configuration, /proc and /sys values, device files (read or stat)' },
  ],
};

/** The compliance probes' declarations alone (tests, the audit CLI composes it with others). */
export const COMPLIANCE_POLICY = ExecPolicy.of(COMPLIANCE_ACCESS);

/** Whether a policy-named path may be read at all (before planning a probe on it). */
export const readablePath = underRoots;
export const listablePath = readableFolder;
export const plainAbsolutePath = absolutePath();
