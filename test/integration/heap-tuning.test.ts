// The heap growth that serve, run and the desktop app set before their engine starts
// (electron/core/heap-tuning.ts), in a Node process of its own each time (the setting is
// process-wide), on the compiled module as they load it: a live set and a churn of objects that
// outlive the young generation, as a tick's in-flight outputs do. The figures on the engine are
// the benchmark's (`npm run bench -- prometheus --nodes 0`); this says the setting takes hold.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli';

const TUNING = join(ROOT, 'dist', 'electron', 'core', 'heap-tuning.js');

/** The peak of V8's heap in use over the churn, MB. */
const CHURN = `
if (process.argv[1] === 'tuned') require(${JSON.stringify(TUNING)}).tuneHeapForLongRun();
const live = Array.from({ length: 400000 }, (_, i) => ({ i, s: 'live ' + i }));
const recent = new Array(100000);
let peak = 0;
for (let n = 0; n < 4000000; n += 1) {
  recent[n % recent.length] = { n, s: 'churn ' + n, a: [n, n + 1] };
  if (n % 50000 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
}
process.stdout.write(JSON.stringify({ peakMb: peak / 1e6, live: live.length, recent: recent.length }));
`;

function peakHeapMb(mode: 'default' | 'tuned'): number {
  const out = execFileSync(process.execPath, ['-e', CHURN, mode], { encoding: 'utf8', timeout: 60_000 });
  return (JSON.parse(out) as { peakMb: number }).peakMb;
}

describe('the heap growth for a long run', () => {
  it('collects the old generation well before it is three times what is live', () => {
    const untuned = peakHeapMb('default');
    const tuned = peakHeapMb('tuned');
    // About 40 MB live: V8's default let this churn reach ~250 MB here, the tuned limit ~115 MB.
    expect(untuned).toBeGreaterThan(150);
    expect(tuned).toBeLessThan(untuned * 0.7);
  });
});
