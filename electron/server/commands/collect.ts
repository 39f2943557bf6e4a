import type { NodeStatus } from '../../../shared/model/inventory';
import type { NodeSnapshot } from '../../../shared/model/node';
import { createEngine } from '../../core/engine';
import { silentLogger } from '../../core/log';
import { loadRuntime, type CommonFlags } from '../runtime';
import { sshEngineOptions, sshNodesFromFlags, type SshFlags } from '../ssh-flags';
import { terminalSafe, terminalSafeJson } from '../terminal-text';
import { UsageError } from '../usage-error';

// Kept here too: bench/ reads the SSH nodes of its flags through this module.
export { sshNodesFromFlags };

export interface CollectFlags extends CommonFlags, SshFlags {
  once?: boolean;
  json?: boolean;
}

/** A node that could not be read: its status and why, in place of a snapshot. */
export interface FailedNode {
  id: string;
  hostname: string;
  status: NodeStatus;
  error: string | null;
}

/** The CLI's JSON document: one entry per node. */
export interface CollectDocument {
  collectedAt: number;
  nodes: Array<NodeSnapshot | FailedNode>;
}

const GIB = 1024 ** 3;
const pct = (n: number | null | undefined) => (n === null || n === undefined ? 'n/a' : `${n.toFixed(1)}%`);

/** A node as a few lines of text; every string from the node is made safe for the terminal. */
export function formatSnapshotText(s: NodeSnapshot): string {
  const t = terminalSafe;
  const lines = [
    `${t(s.hostname)}  ${t([s.os.distro, s.os.release].filter(Boolean).join(' '))}  kernel ${t(s.os.kernel ?? 'n/a')}`,
    `  cpu     ${pct(s.cpu?.utilPct)}  load ${s.cpu?.load1 ?? 'n/a'} ${s.cpu?.load5 ?? ''} ${s.cpu?.load15 ?? ''}`.trimEnd(),
    s.memory
      ? `  memory  ${(s.memory.usedBytes / GIB).toFixed(1)} / ${(s.memory.totalBytes / GIB).toFixed(1)} GiB (${pct(s.memory.usedPct)})`
      : '  memory  n/a',
    ...s.filesystems.map((f) => `  disk    ${t(f.mount)}  ${pct(f.usedPct)} of ${(f.sizeBytes / GIB).toFixed(1)} GiB`),
    `  gpu     ${t(s.gpuStatus.state)}: ${t(s.gpuStatus.message)}`,
    ...s.gpus.map(
      (g) =>
        `    [${g.index}] ${t(g.productName ?? 'GPU')}  util ${g.gpuUtilPct ?? 'n/a'}%  mem ${g.fbMemoryUsedMib ?? 'n/a'}/${g.fbMemoryTotalMib ?? 'n/a'} MiB  ${g.temperatureC ?? 'n/a'} C  ${g.powerDrawW ?? 'n/a'} W`,
    ),
    ...s.errors.map((e) => `  error   ${t(e.collector)}: ${t(e.message)}`),
  ];
  return lines.join('\n');
}

/** A node that could not be read, as one line safe for the terminal. */
export function formatFailedNodeText(n: FailedNode): string {
  return `${terminalSafe(n.id)}  ${terminalSafe(n.status)}: ${terminalSafe(n.error ?? '')}`;
}

/**
 * Collects nodes once and prints them: the local node, or the SSH nodes of an ssh config (plus
 * the local node with --local). Stores nothing unless --db is given, so a script can call it
 * without touching the app's history. Exits 1 when any node failed.
 */
export async function collect(flags: CollectFlags, write: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  if (!flags.once) throw new UsageError('collect needs --once (for continuous collection run `clusterdeck serve`)');
  const runtime = loadRuntime(flags);
  const sshNodes = await sshNodesFromFlags(flags);
  const engine = createEngine({
    ...runtime,
    dbPath: flags.db ? runtime.dbPath : ':memory:',
    mode: 'serve',
    log: silentLogger,
    useInventory: false,
    ...sshEngineOptions(flags, sshNodes),
  });
  try {
    const snapshots = await engine.collectOnce();
    const states = new Map(engine.nodeStates().map((s) => [s.id, s]));
    const byId = new Map(snapshots.map((s) => [s.id, s]));
    const order = [
      ...(sshNodes.length === 0 || flags.local ? snapshots.filter((s) => !sshNodes.some((n) => n.id === s.id)).map((s) => s.id) : []),
      ...sshNodes.map((n) => n.id),
    ];
    const nodes: CollectDocument['nodes'] = order.map((id) => {
      const snapshot = byId.get(id);
      if (snapshot) return snapshot;
      const state = states.get(id);
      return { id, hostname: id, status: state?.status ?? 'unreachable', error: state?.lastError ?? 'no answer' };
    });
    const failed = nodes.filter((n): n is FailedNode => 'status' in n && !('collectedAt' in n));
    const document: CollectDocument = { collectedAt: snapshots[0]?.collectedAt ?? Date.now(), nodes };
    write(
      flags.json
        ? `${terminalSafeJson(JSON.stringify(document, null, 2))}\n`
        : `${nodes.map((n) => ('collectedAt' in n ? formatSnapshotText(n) : formatFailedNodeText(n))).join('\n\n')}\n`,
    );
    return failed.length > 0 ? 1 : 0;
  } finally {
    engine.close();
  }
}
