/**
 * The facts the probes learn, one shape per probe kind. Every fact says why it is unknown
 * (`problem`: "needs privilege", "not installed", "missing"...) rather than guessing, and carries
 * the parser's warnings (odd lines skipped). A value that could not be read is null.
 */
import type { Gpu } from '../../../../shared/model/gpu';

export interface FactBase {
  /** Why the fact (or its main part) is unknown; null when it was read. */
  problem: string | null;
  warnings: string[];
}

export interface FileFact extends FactBase {
  kind: 'file';
  path: string;
  /** null: could not tell (denied, error). */
  exists: boolean | null;
  type: 'file' | 'dir' | 'link' | 'other' | null;
  /** Permission bits with setuid/setgid/sticky, e.g. 0o644. */
  mode: number | null;
  uid: number | null;
  gid: number | null;
  owner: string | null;
  group: string | null;
}

export interface ContentFile {
  path: string;
  text: string;
  truncated: boolean;
}

export interface FileContentFact extends FactBase {
  kind: 'file-content';
  path: string;
  exists: boolean | null;
  /** The file, then (with sshdIncludes) every included file in the order sshd reads them. */
  files: ContentFile[];
  /** Every file's text joined with newlines (what `matches` / `absent` / `everyLine` read). */
  text: string | null;
}

export interface SshdMatchBlock {
  /** The Match line's criteria as written, e.g. "User anoncvs". */
  criteria: string;
  file: string;
  line: number;
}

export interface SshdFact extends FactBase {
  kind: 'sshd';
  /** Where the values come from: sshd's own `sshd -T`, or the parsed configuration files. */
  source: 'sshd -T' | 'files' | null;
  /**
   * Keyword (lower case) -> the effective value: the first one outside Match blocks (files; as
   * sshd takes it), or `sshd -T`'s line (repeated keywords such as hostkey: the first).
   */
  options: Record<string, string>;
  /** Keyword -> every value in order (sshd -T repeats hostkey, listenaddress...). */
  all: Record<string, string[]>;
  /** Match blocks found in the files (their values are not in `options`). */
  matchBlocks: SshdMatchBlock[];
  /** The files read, in sshd's order (empty for sshd -T). */
  files: string[];
}

export interface SysctlFact extends FactBase {
  kind: 'sysctl';
  key: string;
  /** /proc/sys value, blanks collapsed to one space; null when unreadable or no such key. */
  live: string | null;
  liveProblem: string | null;
  /** The value the configuration files set (the last one in systemd-sysctl order), or null if none sets it. */
  configured: string | null;
  /** The file that sets it. */
  configuredIn: string | null;
  configuredProblem: string | null;
}

export interface PackageFact extends FactBase {
  kind: 'package';
  name: string;
  /** null: no package manager answered (problem says why). */
  installed: boolean | null;
  version: string | null;
  manager: 'dpkg' | 'rpm' | null;
}

export interface ServiceFact extends FactBase {
  kind: 'service';
  unit: string;
  /** false when systemd does not know the unit (LoadState=not-found). */
  exists: boolean | null;
  active: boolean | null;
  activeState: string | null;
  /** UnitFileState in the states `systemctl is-enabled` exits 0 for (enabled, static, alias...). */
  enabled: boolean | null;
  enabledState: string | null;
}

export interface MountFact extends FactBase {
  kind: 'mount';
  path: string;
  mounted: boolean | null;
  device: string | null;
  fstype: string | null;
  options: string[];
}

export interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
  shell: string;
}

export interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

export interface AccountsFact extends FactBase {
  kind: 'accounts';
  users: PasswdEntry[];
  groups: GroupEntry[];
  /** Names whose uid is 0. */
  uid0: string[];
  /** Accounts whose password hash is empty (shadow, or passwd's own field); null when shadow could not be read. */
  emptyPasswords: string[] | null;
  /** Why shadow is unknown ("needs privilege"), null when read. */
  shadowProblem: string | null;
}

export interface LoginDefsFact extends FactBase {
  kind: 'login-defs';
  /** KEY -> value (the last line of a key counts, as login and useradd read it). */
  values: Record<string, string>;
}

/** One GPU: the collectors' fields plus what an audit asks besides. */
export interface GpuFact extends Gpu {
  persistenceMode: string | null;
  vbiosVersion: string | null;
  inforomImage: string | null;
  inforomOem: string | null;
  inforomEcc: string | null;
  eccModePending: string | null;
  migModePending: string | null;
  /** Fabric state of an NVSwitch system (e.g. "Completed"); null without NVSwitch fabric. */
  fabricState: string | null;
  /** A datacenter GPU (Tesla/A100/H100/L40/B200... or an ECC-capable board), by product name and ECC support. */
  datacenter: boolean;
}

export interface GpusFact extends FactBase {
  kind: 'gpus';
  /** nvidia-smi answered (false: not installed; null: failed). */
  present: boolean | null;
  driverVersion: string | null;
  cudaVersion: string | null;
  gpus: GpuFact[];
  /** Whether the node has NVSwitches (a fabric state on its GPUs); null when unknown. */
  nvswitch: boolean | null;
}

export interface DeviceFile {
  path: string;
  mode: number;
  owner: string | null;
  group: string | null;
  worldWritable: boolean;
}

export interface GpuDevicesFact extends FactBase {
  kind: 'gpu-devices';
  devices: DeviceFile[];
  /** Paths of the world-writable ones. */
  worldWritable: string[];
  nvswitchDevices: number;
}

export interface FirewallFact extends FactBase {
  kind: 'firewall';
  /** Some firewall filters traffic: ufw active, or nftables / iptables holding rules. */
  active: boolean | null;
  /** The tool that answered for it. */
  tool: 'ufw' | 'nftables' | 'iptables' | null;
  /** Rules of that tool. */
  rules: number | null;
  ufw: { active: boolean; rules: number } | null;
  nftables: { rules: number; chains: number } | null;
  iptables: { rules: number; dropPolicies: number } | null;
}

export interface TimeSyncFact extends FactBase {
  kind: 'time-sync';
  synchronized: boolean | null;
  source: 'timedatectl' | 'chronyc' | null;
  ntpEnabled: boolean | null;
}

export interface PendingUpdatesFact extends FactBase {
  kind: 'pending-updates';
  manager: 'apt' | 'yum' | null;
  pending: number | null;
  security: number | null;
  /** Names of the security updates (at most 200). */
  securityPackages: string[];
}

export interface LoggingFact extends FactBase {
  kind: 'logging';
  /** journald Storage= (after drop-ins); "auto" when unset. */
  storage: string | null;
  journalDirExists: boolean | null;
  /** Journal kept on disk: Storage=persistent, or auto with /var/log/journal present. */
  persistent: boolean | null;
  /** rsyslog or syslog-ng active. */
  syslog: boolean | null;
  syslogDaemons: { unit: string; active: boolean | null }[];
}

export interface CommandFact extends FactBase {
  kind: 'command';
  id: string;
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export type ProbeFact =
  | FileFact
  | FileContentFact
  | SshdFact
  | SysctlFact
  | PackageFact
  | ServiceFact
  | MountFact
  | AccountsFact
  | LoginDefsFact
  | GpusFact
  | GpuDevicesFact
  | FirewallFact
  | TimeSyncFact
  | PendingUpdatesFact
  | LoggingFact
  | CommandFact;

/** The fact of a probe kind. */
export type FactOf<K extends ProbeFact['kind']> = Extract<ProbeFact, { kind: K }>;
