/**
 * The probe registry: probe kind -> its program (host operations in rounds, then a pure parse
 * into a typed fact). The runner dedupes a node's probes by probeKey, steps them together (one
 * Host.batch per round: collectFacts below does it), and hands each fact to the rule evaluator.
 * A fact never guesses: what could not be read is null, with `problem` saying why.
 */
import type { BatchOp, Host } from '../../hosts/host';
import { MAX_BATCH_OPS } from '../../hosts/host';
import type { Probe } from '../types';
import type { FactOf, ProbeFact } from './facts';
import { MAX_PROBE_ROUNDS, type ProbeProgram } from './program';
import { accountsProgram, unknownAccounts } from './accounts';
import { commandProgram, unknownCommand } from './command';
import { fileProgram, unknownFile } from './file-stat';
import { fileContentProgram, unknownFileContent } from './file-content';
import { firewallProgram, unknownFirewall } from './firewall';
import { gpuDevicesProgram, unknownGpuDevices } from './gpu-devices';
import { gpusProgram, unknownGpus } from './gpus';
import { loggingProgram, unknownLogging } from './logging';
import { loginDefsProgram, unknownLoginDefs } from './login-defs';
import { mountProgram, unknownMount } from './mount';
import { packageProgram, unknownPackage } from './package';
import { pendingUpdatesProgram, unknownPendingUpdates } from './pending-updates';
import { serviceProgram, unknownService } from './service';
import { sshdProgram, unknownSshd } from './sshd-config';
import { sysctlProgram, unknownSysctl } from './sysctl';
import { timeSyncProgram, unknownTimeSync } from './time-sync';

export type * from './facts';
export { MAX_PROBE_ROUNDS, NEEDS_PRIVILEGE } from './program';

type ProbeOf<K extends Probe['kind']> = Extract<Probe, { kind: K }>;
interface ProbeKind<K extends Probe['kind']> {
  program(probe: ProbeOf<K>): ProbeProgram<FactOf<K>>;
  /** The fact when nothing could be learnt (the node fell away, a parser failed). */
  unknown(probe: ProbeOf<K>, problem: string): FactOf<K>;
}

const REGISTRY: { [K in Probe['kind']]: ProbeKind<K> } = {
  file: { program: fileProgram, unknown: unknownFile },
  'file-content': { program: fileContentProgram, unknown: unknownFileContent },
  sshd: { program: sshdProgram, unknown: unknownSshd },
  sysctl: { program: sysctlProgram, unknown: unknownSysctl },
  package: { program: packageProgram, unknown: unknownPackage },
  service: { program: serviceProgram, unknown: unknownService },
  mount: { program: mountProgram, unknown: unknownMount },
  accounts: { program: accountsProgram, unknown: unknownAccounts },
  'login-defs': { program: loginDefsProgram, unknown: unknownLoginDefs },
  gpus: { program: gpusProgram, unknown: unknownGpus },
  'gpu-devices': { program: gpuDevicesProgram, unknown: unknownGpuDevices },
  firewall: { program: firewallProgram, unknown: unknownFirewall },
  'time-sync': { program: timeSyncProgram, unknown: unknownTimeSync },
  'pending-updates': { program: pendingUpdatesProgram, unknown: unknownPendingUpdates },
  logging: { program: loggingProgram, unknown: unknownLogging },
  command: { program: commandProgram, unknown: unknownCommand },
};

/** Equal probes have equal keys: the runner reads each once per node. */
export function probeKey(probe: Probe): string {
  switch (probe.kind) {
    case 'file':
    case 'mount':
      return `${probe.kind}:${probe.path}`;
    case 'file-content':
      return `file-content:${probe.sshdIncludes ? 'sshd:' : ''}${probe.path}`;
    case 'sysctl':
      return `sysctl:${probe.key.replaceAll('/', '.')}`;
    case 'package':
      return `package:${probe.name}`;
    case 'service':
      return `service:${probe.unit}`;
    case 'command':
      return `command:${probe.id}`;
    default:
      return probe.kind;
  }
}

/** The fact of a probe that could not be read at all. */
export function unknownFact(probe: Probe, problem: string): ProbeFact {
  const kind = REGISTRY[probe.kind] as ProbeKind<Probe['kind']>;
  return kind.unknown(probe as never, problem);
}

/** One round of a probe: its ops, and the step its results lead to. */
export interface ProbeRound {
  ops: readonly BatchOp[];
  /** Never throws: a parser failure is a fact with the problem. Call once per round. */
  parse(results: readonly unknown[]): ProbeOutcome;
}

export type ProbeOutcome = { done: true; fact: ProbeFact } | { done: false; next: ProbeRound };

/** A probe's first round. A probe of unknown kind (or one that fails) ends as an unknown fact. */
export function planProbe(probe: Probe): ProbeRound {
  const kind = REGISTRY[probe.kind] as ProbeKind<Probe['kind']> | undefined;
  if (kind === undefined) {
    const fact = {
      kind: 'command',
      id: String((probe as { kind?: unknown }).kind),
      exitCode: null,
      stdout: '',
      stderr: '',
      problem: 'unknown probe kind',
      warnings: [],
    } as ProbeFact;
    return { ops: [], parse: () => ({ done: true, fact }) };
  }
  const fail = (error: unknown): ProbeOutcome => ({
    done: true,
    fact: unknownFact(probe, `probe failed: ${error instanceof Error ? error.message.slice(0, 200) : 'error'}`),
  });
  let program: ProbeProgram<ProbeFact>;
  try {
    program = kind.program(probe as never);
  } catch (error) {
    const outcome = fail(error);
    return { ops: [], parse: () => outcome };
  }
  const roundOf = (step: IteratorResult<readonly BatchOp[], ProbeFact>, round: number): ProbeRound => {
    if (step.done) return { ops: [], parse: () => ({ done: true, fact: step.value }) };
    let used = false;
    return {
      ops: step.value,
      parse(results) {
        if (used) return fail(new Error('a round parsed twice'));
        used = true;
        if (results.length !== step.value.length) return fail(new Error(`${results.length} results for ${step.value.length} ops`));
        if (round >= MAX_PROBE_ROUNDS) return fail(new Error(`more than ${MAX_PROBE_ROUNDS} rounds`));
        try {
          const next = program.next(results);
          if (next.done) return { done: true, fact: next.value };
          return { done: false, next: roundOf(next, round + 1) };
        } catch (error) {
          return fail(error);
        }
      },
    };
  };
  try {
    return roundOf(program.next([]), 1);
  } catch (error) {
    const outcome = fail(error);
    return { ops: [], parse: () => outcome };
  }
}

/** What one op of a probe read, for the evidence. */
export interface ProbeTrace {
  op: BatchOp;
  result: unknown;
  startedAt: number;
  endedAt: number;
}

export interface CollectedFact {
  probe: Probe;
  key: string;
  fact: ProbeFact;
  /** Every op the probe ran, in order, with its result. */
  trace: ProbeTrace[];
}

export interface CollectOptions {
  /** Per batch (SSH) or per command (local). */
  timeoutMs?: number;
  maxOutputBytes?: number;
  now?: () => number;
}

/**
 * Learns every probe's fact on one host: equal probes once, all probes' ops of a round in one
 * batch (split at MAX_BATCH_OPS), a few rounds in all. A batch that fails (connection lost, an op
 * the policy refuses) makes its probes' facts unknown with the reason. Never rejects.
 */
export async function collectFacts(host: Host, probes: readonly Probe[], options: CollectOptions = {}): Promise<Map<string, CollectedFact>> {
  const now = options.now ?? Date.now;
  const out = new Map<string, CollectedFact>();
  let pending: { entry: CollectedFact; round: ProbeRound }[] = [];
  for (const probe of probes) {
    const key = probeKey(probe);
    if (out.has(key)) continue;
    const entry: CollectedFact = { probe, key, fact: unknownFact(probe, 'not read'), trace: [] };
    out.set(key, entry);
    pending.push({ entry, round: planProbe(probe) });
  }
  for (let round = 0; pending.length > 0 && round <= MAX_PROBE_ROUNDS; round += 1) {
    const ops = pending.flatMap((p) => p.round.ops);
    const results: unknown[] = [];
    const times: { startedAt: number; endedAt: number }[] = [];
    let failure: string | null = null;
    for (let start = 0; start < ops.length && failure === null; start += MAX_BATCH_OPS) {
      const chunk = ops.slice(start, start + MAX_BATCH_OPS);
      const startedAt = now();
      try {
        const chunkResults = await host.batch(chunk, { timeoutMs: options.timeoutMs, maxOutputBytes: options.maxOutputBytes });
        const endedAt = now();
        results.push(...chunkResults);
        for (let i = 0; i < chunk.length; i += 1) times.push({ startedAt, endedAt });
      } catch (error) {
        failure = error instanceof Error ? error.message.slice(0, 300) : 'the batch failed';
      }
    }
    const next: typeof pending = [];
    let offset = 0;
    for (const p of pending) {
      const count = p.round.ops.length;
      const mine = results.slice(offset, offset + count);
      for (let i = 0; i < count && offset + i < results.length; i += 1) p.entry.trace.push({ op: p.round.ops[i]!, result: mine[i], ...times[offset + i]! });
      offset += count;
      if (failure !== null && count > 0) {
        p.entry.fact = unknownFact(p.entry.probe, failure);
        continue;
      }
      const outcome = p.round.parse(mine);
      if (outcome.done) p.entry.fact = outcome.fact;
      else next.push({ entry: p.entry, round: outcome.next });
    }
    pending = next;
  }
  for (const p of pending) p.entry.fact = unknownFact(p.entry.probe, `more than ${MAX_PROBE_ROUNDS} rounds`);
  return out;
}
