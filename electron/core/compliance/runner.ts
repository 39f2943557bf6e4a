/**
 * Runs a policy over nodes. Per node: every probe the checks need (plus /etc/os-release and,
 * where a check asks, the GPUs), equal probes once, all of a round's operations in one Host.batch
 * (split at MAX_BATCH_OPS: probes/index.ts collectFacts), so a node's whole audit is a few round
 * trips over its existing connection. Then every check is evaluated with its evidence; fleet rules
 * compare across the nodes read. A node whose batches all failed could not be audited: its
 * results are `error` and the run says so. Never rejects for a node's failure.
 */
import type { BatchOp, BatchOptions, BatchResults, Host } from '../hosts/host';
import { approvalState, type ApprovalState, type PolicyApprovals } from './approval';
import { evaluateCheck, parseOsRelease, ruleProbes, applicability, type FleetContext, type NodeView, type OsRelease, type Verdict } from './evaluate';
import { evidenceHash, probeEvidence } from './evidence';
import { collectFacts, probeKey, unknownFact, type CollectedFact, type CommandFact, type GpusFact, type ProbeFact } from './probes/index';
import type { Check, CheckResult, CheckStatus, CustomCommand, Policy, Probe, ProbeEvidence } from './types';
import { builtinCommand } from './builtin-commands';
import { asExec, NEEDS_PRIVILEGE } from './probes/program';

export interface AuditNode {
  nodeId: string;
  host: Host;
  /**
   * The node's SSH host-key fingerprint (SHA256:...), or null for the local node; a function is
   * asked once the node was read (the connection may open during the audit).
   */
  hostKey: string | null | (() => string | null);
}

export interface RunAuditOptions {
  policy: Policy;
  nodes: readonly AuditNode[];
  clock?: () => number;
  log?: (line: string) => void;
  /** Nodes audited at once (default 8). */
  concurrency?: number;
  /** Where policy approvals are kept: custom command probes run only for an approved file. */
  approvals?: PolicyApprovals | null;
  /** The inventory's GPU count of a node (the gpuCountVsInventory fleet rule). */
  inventoryGpuCount?: (nodeId: string) => number | null;
  /** Per batch (SSH) or per command (local). */
  timeoutMs?: number;
  /** Told as each node has been read (its checks are evaluated once all are): the UI's progress. */
  onNodeRead?: (nodeId: string, audited: boolean, error: string | null) => void;
  /** Stores the run (audit-store.ts) and returns its id. */
  save?: (run: AuditRun) => number;
}

export interface NodeAudit {
  nodeId: string;
  audited: boolean;
  /** Why the node could not be audited; null when it was. */
  error: string | null;
  hostKey: string | null;
  /** Host.batch calls made for this node (round trips). */
  batches: number;
  results: CheckResult[];
}

export interface Score {
  pass: number;
  fail: number;
  error: number;
  notApplicable: number;
  manual: number;
  /** Share of pass among pass + fail (0..1), or null when no check passed or failed. */
  score: number | null;
}

export const FRAMEWORKS = ['cis', 'nist', 'ssg'] as const;
export type Framework = (typeof FRAMEWORKS)[number];

export interface AuditScores {
  policy: Score;
  nodes: Record<string, Score>;
  /** Over the results of checks that cite the framework. */
  frameworks: Record<Framework, Score>;
}

export interface AuditRun {
  runId: number | null;
  startedAt: number;
  endedAt: number;
  policy: Policy;
  nodes: NodeAudit[];
  scores: AuditScores;
}

const OS_RELEASE: Probe[] = [
  { kind: 'file-content', path: '/etc/os-release' },
  { kind: 'file-content', path: '/usr/lib/os-release' },
];
const GPUS: Probe = { kind: 'gpus' };

/** A Host whose batches are counted, and whether any came back (the node answered). */
function countingHost(host: Host): { host: Host; stats: { calls: number; ok: number; firstError: string | null } } {
  const stats = { calls: 0, ok: 0, firstError: null as string | null };
  const wrapped: Host = {
    id: host.id,
    kind: host.kind,
    exec: (program, args, options) => host.exec(program, args, options),
    readFile: (path, options) => host.readFile(path, options),
    read: (path, options) => host.read(path, options),
    stat: (path) => host.stat(path),
    async batch<const Ops extends readonly BatchOp[]>(ops: Ops, options?: BatchOptions): Promise<BatchResults<Ops>> {
      stats.calls += 1;
      try {
        const results = await host.batch(ops, options);
        stats.ok += 1;
        return results;
      } catch (error) {
        stats.firstError ??= error instanceof Error ? error.message.slice(0, 300) : 'the batch failed';
        throw error;
      }
    },
  };
  return { host: wrapped, stats };
}

function needsGpus(policy: Policy): boolean {
  return policy.checks.some((check) => check.applies.gpu || check.applies.nvswitch || ruleProbes(check.rule).some((probe) => probe.kind === 'gpus'));
}

function isCustom(probe: Probe): probe is Extract<Probe, { kind: 'command' }> {
  return probe.kind === 'command' && builtinCommand(probe.id) === undefined;
}

/** The probes of a node's audit: built-in ones go through collectFacts; custom commands apart. */
export function auditProbes(policy: Policy): { builtin: Probe[]; custom: Extract<Probe, { kind: 'command' }>[] } {
  const all = [...OS_RELEASE, ...(needsGpus(policy) ? [GPUS] : []), ...policy.checks.flatMap((check) => ruleProbes(check.rule))];
  const seen = new Set<string>();
  const builtin: Probe[] = [];
  const custom: Extract<Probe, { kind: 'command' }>[] = [];
  for (const probe of all) {
    const key = probeKey(probe);
    if (seen.has(key)) continue;
    seen.add(key);
    if (isCustom(probe)) custom.push(probe);
    else builtin.push(probe);
  }
  return { builtin, custom };
}

/** Approved custom commands in one batch of their own (declared argv; the host's policy checks them again). */
async function runCustomCommands(
  host: Host,
  probes: readonly Extract<Probe, { kind: 'command' }>[],
  policy: Policy,
  approval: ApprovalState,
  now: () => number,
  timeoutMs: number | undefined,
): Promise<CollectedFact[]> {
  const declared = new Map((policy.commands ?? []).map((command) => [command.id, command]));
  const unusable = (probe: Extract<Probe, { kind: 'command' }>, problem: string): CollectedFact => ({
    probe,
    key: probeKey(probe),
    fact: unknownFact(probe, problem),
    trace: [],
  });
  if (approval.kind !== 'approved') {
    const why =
      approval.kind === 'refused'
        ? approval.reason
        : `custom command not approved: approve the policy file ${policy.source} (sha256 ${policy.sha256.slice(0, 16)}…)${approval.kind === 'needs-approval' && approval.changed ? '; it changed since it was approved' : ''}`;
    return probes.map((probe) => unusable(probe, why));
  }
  const runnable = probes
    .map((probe) => ({ probe, command: declared.get(probe.id) }))
    .filter((p): p is { probe: (typeof probes)[number]; command: CustomCommand } => p.command !== undefined);
  const ops: BatchOp[] = runnable.map(({ command }) => ({
    kind: 'exec',
    program: command.program,
    args: command.args,
    ...(command.sudo ? { sudo: true } : {}),
  }));
  const startedAt = now();
  let results: readonly unknown[];
  try {
    results = ops.length ? await host.batch(ops, { timeoutMs: Math.max(timeoutMs ?? 0, ...runnable.map((r) => r.command.timeoutMs ?? 0)) || undefined }) : [];
  } catch (error) {
    return probes.map((probe) => unusable(probe, error instanceof Error ? error.message.slice(0, 300) : 'the batch failed'));
  }
  const endedAt = now();
  const byId = new Map<string, CollectedFact>();
  runnable.forEach(({ probe }, i) => {
    const exec = asExec(results[i]);
    const problem = exec.needsPrivilege ? NEEDS_PRIVILEGE : exec.notFound ? 'not installed' : exec.timedOut ? 'timed out' : null;
    const fact: CommandFact = { kind: 'command', id: probe.id, exitCode: exec.exitCode, stdout: exec.stdout, stderr: exec.stderr, problem, warnings: [] };
    byId.set(probe.id, { probe, key: probeKey(probe), fact, trace: [{ op: ops[i]!, result: results[i], startedAt, endedAt }] });
  });
  return probes.map((probe) => byId.get(probe.id) ?? unusable(probe, `command ${probe.id} is not declared in the policy`));
}

interface NodeFacts {
  node: AuditNode;
  facts: Map<string, CollectedFact>;
  audited: boolean;
  error: string | null;
  batches: number;
}

async function readNode(node: AuditNode, options: RunAuditOptions, approval: ApprovalState, now: () => number): Promise<NodeFacts> {
  const { builtin, custom } = auditProbes(options.policy);
  const { host, stats } = countingHost(node.host);
  const facts = await collectFacts(host, builtin, { timeoutMs: options.timeoutMs, now });
  if (custom.length && stats.ok > 0) {
    for (const collected of await runCustomCommands(host, custom, options.policy, approval, now, options.timeoutMs)) facts.set(collected.key, collected);
  }
  const audited = stats.calls === 0 || stats.ok > 0;
  return { node, facts, audited, error: audited ? null : `the node could not be audited: ${stats.firstError ?? 'no answer'}`, batches: stats.calls };
}

function osOf(facts: Map<string, CollectedFact>): { os: OsRelease | null; problem: string | null } {
  let problem: string | null = null;
  for (const probe of OS_RELEASE) {
    const fact = facts.get(probeKey(probe))?.fact;
    if (fact?.kind !== 'file-content') continue;
    if (typeof fact.text === 'string' && fact.exists !== false) return { os: parseOsRelease(fact.text), problem: null };
    problem ??= fact.problem ?? (fact.exists === false ? 'is missing' : null);
  }
  return { os: null, problem: problem ?? 'was not read' };
}

function checkEvidence(check: Check, facts: Map<string, CollectedFact>, verdict: Verdict): ProbeEvidence[] {
  const probes = ruleProbes(check.rule);
  if (check.applies.osFamily?.length || check.applies.osVersion !== undefined || verdict.status === 'not-applicable') probes.push(...OS_RELEASE);
  if (check.applies.gpu || check.applies.nvswitch) probes.push(GPUS);
  const keys = [...new Set(probes.map(probeKey))];
  return keys.flatMap((key) => {
    const collected = facts.get(key);
    return collected ? probeEvidence(collected) : [];
  });
}

function result(nodeId: string, checkId: string, verdict: Verdict, evidence: ProbeEvidence[], hostKey: string | null): CheckResult {
  const base = { nodeId, checkId, status: verdict.status, detail: verdict.detail, evidence, hostKey };
  return { ...base, evidenceSha256: evidenceHash(base) };
}

export function emptyScore(): Score {
  return { pass: 0, fail: 0, error: 0, notApplicable: 0, manual: 0, score: null };
}

export function scoreOf(statuses: readonly CheckStatus[]): Score {
  const score = emptyScore();
  for (const status of statuses) {
    if (status === 'not-applicable') score.notApplicable += 1;
    else score[status] += 1;
  }
  score.score = score.pass + score.fail > 0 ? score.pass / (score.pass + score.fail) : null;
  return score;
}

export function scoreRun(policy: Policy, nodes: readonly NodeAudit[]): AuditScores {
  const checks = new Map(policy.checks.map((check) => [check.id, check]));
  const all = nodes.flatMap((node) => node.results);
  const frameworks = {} as Record<Framework, Score>;
  for (const framework of FRAMEWORKS)
    frameworks[framework] = scoreOf(all.filter((r) => (checks.get(r.checkId)?.references[framework].length ?? 0) > 0).map((r) => r.status));
  return {
    policy: scoreOf(all.map((r) => r.status)),
    nodes: Object.fromEntries(nodes.map((node) => [node.nodeId, scoreOf(node.results.map((r) => r.status))])),
    frameworks,
  };
}

/** Runs `work` over items, at most `limit` at once, results in the items' order. */
async function mapLimited<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, async () => {
    while (next < items.length) {
      const index = next;
      next += 1;
      out[index] = await work(items[index]!);
    }
  });
  await Promise.all(lanes);
  return out;
}

export async function runAudit(options: RunAuditOptions): Promise<AuditRun> {
  const clock = options.clock ?? Date.now;
  const log = options.log ?? (() => {});
  const { policy } = options;
  const startedAt = clock();
  const approval = approvalState(policy, options.approvals ?? null);
  if (approval.kind === 'needs-approval' || approval.kind === 'refused') {
    log(`policy ${policy.id}: custom commands will not run (${approval.kind === 'refused' ? approval.reason : 'the file is not approved'})`);
  }
  const read = await mapLimited(options.nodes, options.concurrency ?? 8, async (node) => {
    const facts = await readNode(node, options, approval, clock);
    log(facts.audited ? `${node.nodeId}: read in ${facts.batches} round trip${facts.batches === 1 ? '' : 's'}` : `${node.nodeId}: ${facts.error}`);
    options.onNodeRead?.(node.nodeId, facts.audited, facts.audited ? null : facts.error);
    return facts;
  });

  const gpus = new Map<string, GpusFact | null>();
  for (const node of read) {
    const fact = node.facts.get(probeKey(GPUS))?.fact;
    gpus.set(node.node.nodeId, node.audited && fact?.kind === 'gpus' ? fact : null);
  }
  const fleet: FleetContext = { gpus, inventoryGpuCount: options.inventoryGpuCount };

  const nodes: NodeAudit[] = read.map(({ node: given, facts, audited, error, batches }) => {
    const node = { nodeId: given.nodeId, hostKey: typeof given.hostKey === 'function' ? given.hostKey() : given.hostKey };
    let results: CheckResult[];
    if (!audited) {
      results = policy.checks.map((check) =>
        result(node.nodeId, check.id, { status: 'error', detail: error ?? 'the node could not be audited' }, [], node.hostKey),
      );
    } else {
      const { os, problem } = osOf(facts);
      const view: NodeView = {
        nodeId: node.nodeId,
        os,
        osProblem: problem,
        fleet,
        fact: (probe: Probe): ProbeFact | undefined => facts.get(probeKey(probe))?.fact,
      };
      const policyApplies = applicability(policy.applies, os, problem, gpus.get(node.nodeId));
      results = policy.checks.map((check) => {
        const verdict =
          policyApplies.status === 'pass' ? evaluateCheck(check, view) : { ...policyApplies, detail: `policy ${policy.id}: ${policyApplies.detail}` };
        return result(node.nodeId, check.id, verdict, checkEvidence(check, facts, verdict), node.hostKey);
      });
    }
    return { nodeId: node.nodeId, audited, error, hostKey: node.hostKey, batches, results };
  });

  const run: AuditRun = { runId: null, startedAt, endedAt: clock(), policy, nodes, scores: scoreRun(policy, nodes) };
  if (options.save) run.runId = options.save(run);
  return run;
}
