/**
 * The shapes the compliance audit parts agree on. A policy (policies/*.yaml, loaded by
 * policy-loader.ts) is checks; a check is a rule tree (all / any / none) over typed probes. The
 * runner collects every probe the applicable checks of a node need, plans them as host
 * operations (read, stat, exec, in one or a few Host.batch round trips), parses each output into
 * a fact with a pure parser (probes/*.ts), evaluates the rules, and keeps the evidence of every
 * verdict. Fleet rules compare a fact across nodes after every node is read.
 */
import type { BatchOp } from '../hosts/host';

export const CHECK_STATUSES = ['pass', 'fail', 'error', 'not-applicable', 'manual'] as const;
export type CheckStatus = (typeof CHECK_STATUSES)[number];

export const CHECK_SEVERITIES = ['low', 'medium', 'high', 'critical'] as const;
export type CheckSeverity = (typeof CHECK_SEVERITIES)[number];

/** Where a check comes from in the frameworks an auditor reports against. */
export interface CheckReferences {
  /** CIS benchmark section(s), e.g. "5.2.10" (the benchmark named in the policy). */
  cis: readonly string[];
  /** NIST SP 800-53 rev. 5 controls, e.g. "AC-6(2)". */
  nist: readonly string[];
  /** SCAP Security Guide rule ids, `xccdf_org.ssgproject.content_rule_...`, wherever one exists. */
  ssg: readonly string[];
}

/** A comparison of a probe's value. Exactly one operator is set (the schema checks). */
export interface ValueTest {
  equals?: string | number | boolean;
  in?: readonly (string | number)[];
  notIn?: readonly (string | number)[];
  /** Numbers: value <= max / >= min. */
  max?: number;
  min?: number;
  /** Whole-value regular expression (anchored). */
  matches?: string;
}

/**
 * The probes a rule can ask. Each names what it reads; the runner dedupes equal probes of a node
 * (key = probeKey(probe)) so 40 checks reading /etc/ssh/sshd_config read it once.
 */
export type Probe =
  /** lstat of a path: exists, type, mode, uid/gid and names. */
  | { kind: 'file'; path: string }
  /** A file's text (bounded); with `sshdIncludes`, sshd_config's Include files and drop-ins are followed. */
  | { kind: 'file-content'; path: string; sshdIncludes?: boolean }
  /** sshd's effective configuration: `sshd -T` (sudo -n where needed), else the parsed files; keywords lower case. */
  | { kind: 'sshd' }
  /** A sysctl key: live (/proc/sys) and configured (sysctl.conf, sysctl.d folders, last one wins). */
  | { kind: 'sysctl'; key: string }
  /** A package: installed and its version (dpkg-query, else rpm). */
  | { kind: 'package'; name: string }
  /** A systemd unit: active and enabled states. */
  | { kind: 'service'; unit: string }
  /** A mount point's filesystem and options (/proc/mounts). */
  | { kind: 'mount'; path: string }
  /** The account databases: passwd, group, shadow (shadow needs root: sudo -n). */
  | { kind: 'accounts' }
  /** login.defs as KEY -> value (the last line of a key counts). */
  | { kind: 'login-defs' }
  /** Every GPU's fields from `nvidia-smi -q -x` (the collectors' parser), plus persistence mode, VBIOS, InfoROM, NVSwitch presence. */
  | { kind: 'gpus' }
  /** The /dev/nvidia* device files: path, mode, owner. */
  | { kind: 'gpu-devices' }
  /** Firewall: ufw, nftables or iptables; active, and how many rules. */
  | { kind: 'firewall' }
  /** Time synchronisation: timedatectl (systemd-timesyncd) or chronyc; synchronised or not. */
  | { kind: 'time-sync' }
  /** Pending updates, and how many are security updates (apt-get -s upgrade, or dnf/yum). */
  | { kind: 'pending-updates' }
  /** Where logs go: journald Storage= (persistent?) and a syslog daemon active. */
  | { kind: 'logging' }
  /** An allowlisted read-only command (built in), or an approved custom one (pinned policies only). */
  | { kind: 'command'; id: string };

/** A leaf of a rule: a probe and what its fact must be. */
export type RuleLeaf =
  | { file: { path: string; exists?: boolean; type?: 'file' | 'dir' | 'link'; modeMax?: number; owner?: string; group?: string; uid?: number; gid?: number } }
  | { content: { path: string; sshdIncludes?: boolean; matches?: string; absent?: string; everyLine?: { select: string; matches: string } } }
  | { sshd: { keyword: string } & ValueTest }
  | { sysctl: { key: string; live?: boolean; configured?: boolean } & ValueTest }
  | { package: { name: string; installed: boolean } }
  | { service: { unit: string; active?: boolean; enabled?: boolean } }
  | { mount: { path: string; optionsInclude?: readonly string[]; mustExist?: boolean } }
  | { accounts: { uid0Only?: readonly string[]; noEmptyPasswords?: boolean } }
  | { loginDefs: { key: string } & ValueTest }
  | { gpu: { field: string; datacenterOnly?: boolean } & ValueTest }
  | { gpuDevices: { worldWritable: false } }
  | { firewall: { active: true; minRules?: number } }
  | { timeSync: { synchronized: true } }
  | { updates: { securityMax: number } }
  | { logging: { persistent?: boolean; syslog?: boolean; either?: boolean } }
  | { fleet: { same: 'driverVersion' | 'cudaVersion' | 'vbiosPerModel' | 'inforomPerModel' | 'gpuCountVsInventory' } }
  | { command: { id: string; exitCode?: number; matches?: string; absent?: string } };

export type RuleNode = { all: readonly RuleNode[] } | { any: readonly RuleNode[] } | { none: readonly RuleNode[] } | RuleLeaf;

export interface Applicability {
  /** /etc/os-release ID or ID_LIKE must include one of these (e.g. debian, rhel). */
  osFamily?: readonly string[];
  /** VERSION_ID must match (anchored regex). */
  osVersion?: string;
  /** Only nodes that have NVIDIA GPUs (nvidia-smi lists at least one). */
  gpu?: boolean;
  /** Only nodes that have NVSwitches (fabric manager systems). */
  nvswitch?: boolean;
}

export interface Check {
  /** Stable, never reused: e.g. `gnb-ssh-001`. */
  id: string;
  title: string;
  description: string;
  rationale: string;
  remediation: string;
  severity: CheckSeverity;
  references: CheckReferences;
  applies: Applicability;
  /** Absent: a manual check (the auditor answers it). */
  rule: RuleNode | null;
  /** Why this check reads what it reads, where it differs from SSG on purpose. */
  note: string | null;
  source: { file: string; line: number | null };
}

export interface Policy {
  id: string;
  /**
   * Values a site declares (e.g. mig_mode: Disabled), overridable by the user; a ValueTest
   * operand written "$name" takes the parameter's value.
   */
  parameters: Readonly<Record<string, string | number | boolean>>;
  title: string;
  version: string;
  description: string;
  applies: Applicability;
  checks: readonly Check[];
  /** SHA-256 of the policy file (custom command probes need the user's approval of this hash). */
  sha256: string;
  builtIn: boolean;
  source: string;
  /** Custom read-only commands of a user-imported policy (run only once the user approved this file's sha256). */
  commands?: readonly CustomCommand[];
}

/** A command a user-imported policy declares for its `command` probes: an argv, never a shell line. */
export interface CustomCommand {
  /** `custom.` first: never a built-in command's id. */
  id: string;
  description: string;
  /** Absolute path of the program on the node. */
  program: string;
  args: readonly string[];
  sudo: boolean;
  timeoutMs: number | null;
}

export interface PolicyError {
  file: string;
  line: number | null;
  field: string | null;
  message: string;
}

/** What the runner did to learn one fact: for the evidence. */
export interface ProbeEvidence {
  probe: string;
  /** The command line (argv joined for display) or the path read. */
  source: string;
  exitCode: number | null;
  /** Bounded (e.g. 4 KiB) excerpt of the output the verdict rests on. */
  excerpt: string;
  /** SHA-256 of the full output read. */
  sha256: string;
  startedAt: number;
  endedAt: number;
  /** "needs privilege", "not installed"...: why the fact is unknown. */
  problem: string | null;
}

export interface CheckResult {
  nodeId: string;
  checkId: string;
  status: CheckStatus;
  /** One line an auditor reads: what was found against what was required. */
  detail: string;
  evidence: readonly ProbeEvidence[];
  /** The node's host-key fingerprint (SSH), or null for the local node. */
  hostKey: string | null;
  /** SHA-256 over the check's evidence (canonical JSON). */
  evidenceSha256: string;
}

/** A probe's plan: the host operations it needs, and the parser turning their results into a fact. */
export interface ProbePlan<Fact = unknown> {
  ops: readonly BatchOp[];
  parse(results: readonly unknown[]): Fact;
}
