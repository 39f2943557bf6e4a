import { formatCollectBench, runCollectBench } from '../bench/collect-bench';
import { formatStoreBench, runStoreBench } from '../bench/store-bench';
import { UsageError } from '../usage-error';

export interface BenchFlags {
  json?: boolean;
  ticks?: string;
  input?: string;
  quick?: boolean;
  batch?: string;
}

/** Benchmarks by name; each prints a table, or JSON with --json. */
const SUITES: Record<string, (flags: BenchFlags) => Promise<{ result: unknown; text: string }>> = {
  collect: async (flags) => {
    const ticks = flags.ticks === undefined ? 20 : Number(flags.ticks);
    if (!Number.isInteger(ticks) || ticks < 1) throw new UsageError('--ticks must be a positive integer');
    const result = await runCollectBench({ ticks });
    return { result, text: formatCollectBench(result) };
  },
  store: async (flags) => {
    const result = await runStoreBench({ quick: flags.quick === true, input: flags.input, ticksPerTransaction: flags.batch === undefined ? undefined : Number(flags.batch) });
    return { result, text: formatStoreBench(result) };
  },
};

export const BENCH_SUITES = Object.keys(SUITES);

export async function bench(names: string[], flags: BenchFlags, write: (text: string) => void = (t) => process.stdout.write(t)): Promise<void> {
  const selected = names.length === 0 ? BENCH_SUITES : names;
  const unknown = selected.filter((n) => !(n in SUITES));
  if (unknown.length) throw new UsageError(`unknown benchmark ${unknown.join(', ')} (have: ${BENCH_SUITES.join(', ')})`);
  const results: Record<string, unknown> = {};
  for (const name of selected) {
    const { result, text } = await SUITES[name]!(flags);
    results[name] = result;
    if (!flags.json) write(`${text}\n\n`);
  }
  if (flags.json) write(`${JSON.stringify(results, null, 2)}\n`);
}
