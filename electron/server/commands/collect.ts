import { resolve } from 'node:path';
import { PrometheusSourceConfigSchema } from '../../../shared/model/sources';
import type { NodeStatus } from '../../../shared/model/inventory';
import { NODE_LIMITS } from '../../../shared/model/limits';
import type { NodeSnapshot } from '../../../shared/model/node';
import { snapshotProblem } from '../../core/collectors/node-collector';
import { createEngine } from '../../core/engine';
import { silentLogger } from '../../core/log';
import { PrometheusSource } from '../../core/sources/prometheus-source';
import { sourceClient } from '../../core/sources/source-client';
import { loadRuntime, type CommonFlags } from '../runtime';
import { sshEngineOptions, sshNodesFromFlags, type SshFlags } from '../ssh-flags';
import { terminalSafe, terminalSafeJson } from '../terminal-text';
import { UsageError } from '../usage-error';

// Kept here too: bench/ reads the SSH nodes of its flags through this module.
export { sshNodesFromFlags };

/** `collect --prometheus URL`: the nodes of a Prometheus-compatible source instead of SSH ones. */
export interface PrometheusFlags {
  prometheus?: string;
  prometheusNodeLabel?: string;
  bearerTokenFile?: string;
  tenant?: string;
}

export interface CollectFlags extends CommonFlags, SshFlags, PrometheusFlags {
  once?: boolean;
  json?: boolean;
}

/** Adds the Prometheus source flags to `collect` (commander). */
export function withPrometheusFlags<T extends { option(flags: string, description: string): T }>(command: T): T {
  return command
    .option('--prometheus <url>', "list the nodes of a Prometheus-compatible API (Prometheus, Thanos, Mimir...) instead of this machine's or SSH nodes")
    .option('--prometheus-node-label <label>', 'the label naming a node, its :port left out (default instance)')
    .option('--bearer-token-file <file>', 'a file holding the bearer token for --prometheus')
    .option('--tenant <id>', 'the tenant for --prometheus (sent as X-Scope-OrgID, for Mimir and Cortex)');
}

/** How far back the first reading is, so that rates and CPU utilisation cover the last minute. */
export const SOURCE_RATE_SPAN_MS = 60_000;

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
  if (flags.prometheus !== undefined) return collectSource(flags, write);
  if (flags.prometheusNodeLabel !== undefined || flags.bearerTokenFile !== undefined || flags.tenant !== undefined) {
    throw new UsageError('--prometheus-node-label, --bearer-token-file and --tenant need --prometheus URL');
  }
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
    writeDocument(document, flags, write);
    return failed.length > 0 ? 1 : 0;
  } finally {
    engine.close();
  }
}

function writeDocument(document: CollectDocument, flags: Pick<CollectFlags, 'json'>, write: (text: string) => void): void {
  write(
    flags.json
      ? `${terminalSafeJson(JSON.stringify(document, null, 2))}\n`
      : `${document.nodes.map((n) => ('collectedAt' in n ? formatSnapshotText(n) : formatFailedNodeText(n))).join('\n\n')}\n`,
  );
}

/**
 * The nodes of a Prometheus-compatible source, read once in the same shape as SSH nodes. Two
 * readings a minute apart give rates and CPU utilisation. A source that cannot be used (down,
 * refused credentials, not Prometheus) is an error naming why; a source without node series too.
 */
async function collectSource(flags: CollectFlags, write: (text: string) => void): Promise<number> {
  if (flags.sshConfig || flags.host?.length || flags.allHosts || flags.local) {
    throw new UsageError('--prometheus lists the nodes of a source: give it without --ssh-config, --host, --all-hosts and --local');
  }
  const parsed = PrometheusSourceConfigSchema.safeParse({
    id: 'prometheus',
    kind: 'prometheus',
    url: flags.prometheus,
    ...(flags.prometheusNodeLabel !== undefined ? { nodeLabel: flags.prometheusNodeLabel } : {}),
    ...(flags.bearerTokenFile !== undefined ? { bearerTokenFile: resolve(flags.bearerTokenFile) } : {}),
    ...(flags.tenant !== undefined ? { tenant: flags.tenant } : {}),
  });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const flag = { url: '--prometheus', nodeLabel: '--prometheus-node-label', bearerTokenFile: '--bearer-token-file', tenant: '--tenant' }[
      String(issue?.path[0])
    ];
    throw new UsageError(`${flag ?? 'the source'}: ${issue?.message ?? 'invalid'}`);
  }
  let client: ReturnType<typeof sourceClient>;
  try {
    client = sourceClient(parsed.data, process.cwd());
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const source = new PrometheusSource({
    id: parsed.data.id,
    client,
    nodeLabel: parsed.data.nodeLabel,
    log: silentLogger,
    alreadyCollected: () => null,
    addNode: () => {},
  });
  try {
    const atMs = Date.now();
    // The earlier reading only feeds rates: the one at atMs says whether the source works.
    await source.fetch(atMs - SOURCE_RATE_SPAN_MS).catch(() => undefined);
    let readings: Awaited<ReturnType<PrometheusSource['readAll']>>;
    try {
      readings = await source.readAll(atMs);
    } catch (error) {
      throw new Error(`the source cannot be read: ${(error as Error).message}`);
    }
    if (readings.size === 0) {
      throw new Error(`${client.url} has no node_exporter or dcgm-exporter series with a ${parsed.data.nodeLabel} label (is --prometheus-node-label right?)`);
    }
    const nodes: CollectDocument['nodes'] = [...readings].map(([id, reading]) => {
      if (reading.snapshot === null) return { id, hostname: id, status: reading.status, error: reading.lastError };
      // A failed family or an unscrapable job is said in the node's errors, as a collector's failure is.
      const problem = reading.lastError;
      if (problem === null || problem === snapshotProblem(reading.snapshot)) return reading.snapshot;
      return { ...reading.snapshot, errors: [...reading.snapshot.errors.slice(0, NODE_LIMITS.errors - 1), { collector: 'source', message: problem }] };
    });
    const failed = nodes.filter((n) => !('collectedAt' in n));
    writeDocument({ collectedAt: atMs, nodes }, flags, write);
    return failed.length > 0 ? 1 : 0;
  } finally {
    source.close();
  }
}
