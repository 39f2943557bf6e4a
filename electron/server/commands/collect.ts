import type { NodeSnapshot } from '../../../shared/model/node';
import { createEngine } from '../../core/engine';
import { silentLogger } from '../../core/log';
import { loadRuntime, type CommonFlags } from '../runtime';
import { UsageError } from '../usage-error';

export interface CollectFlags extends CommonFlags {
  once?: boolean;
  json?: boolean;
}

/** The CLI's JSON document: one entry per node. */
export interface CollectDocument {
  collectedAt: number;
  nodes: NodeSnapshot[];
}

const GIB = 1024 ** 3;
const pct = (n: number | null | undefined) => (n === null || n === undefined ? 'n/a' : `${n.toFixed(1)}%`);

export function formatSnapshotText(s: NodeSnapshot): string {
  const lines = [
    `${s.hostname}  ${[s.os.distro, s.os.release].filter(Boolean).join(' ')}  kernel ${s.os.kernel ?? 'n/a'}`,
    `  cpu     ${pct(s.cpu?.utilPct)}  load ${s.cpu?.load1 ?? 'n/a'} ${s.cpu?.load5 ?? ''} ${s.cpu?.load15 ?? ''}`.trimEnd(),
    s.memory
      ? `  memory  ${(s.memory.usedBytes / GIB).toFixed(1)} / ${(s.memory.totalBytes / GIB).toFixed(1)} GiB (${pct(s.memory.usedPct)})`
      : '  memory  n/a',
    ...s.filesystems.map((f) => `  disk    ${f.mount}  ${pct(f.usedPct)} of ${(f.sizeBytes / GIB).toFixed(1)} GiB`),
    `  gpu     ${s.gpuStatus.state}: ${s.gpuStatus.message}`,
    ...s.gpus.map(
      (g) =>
        `    [${g.index}] ${g.productName ?? 'GPU'}  util ${g.gpuUtilPct ?? 'n/a'}%  mem ${g.fbMemoryUsedMib ?? 'n/a'}/${g.fbMemoryTotalMib ?? 'n/a'} MiB  ${g.temperatureC ?? 'n/a'} C  ${g.powerDrawW ?? 'n/a'} W`,
    ),
    ...s.errors.map((e) => `  error   ${e.collector}: ${e.message}`),
  ];
  return lines.join('\n');
}

/**
 * Collects the local node once and prints it. Stores nothing unless --db is given, so a script
 * can call it without touching the app's history.
 */
export async function collect(flags: CollectFlags, write: (text: string) => void = (t) => process.stdout.write(t)): Promise<number> {
  if (!flags.once) throw new UsageError('collect needs --once (for continuous collection run `clusterdeck serve`)');
  const runtime = loadRuntime(flags);
  const engine = createEngine({ ...runtime, dbPath: flags.db ? runtime.dbPath : ':memory:', mode: 'serve', log: silentLogger });
  try {
    const nodes = await engine.collectOnce();
    const document: CollectDocument = { collectedAt: nodes[0]?.collectedAt ?? Date.now(), nodes };
    write(flags.json ? `${JSON.stringify(document, null, 2)}\n` : `${nodes.map(formatSnapshotText).join('\n\n')}\n`);
    return 0;
  } finally {
    engine.close();
  }
}
