/**
 * V8's old generation, tuned for a process that runs the engine for weeks. A tick allocates in a
 * burst (every node's command output, parsed records, snapshots) and much of it outlives V8's
 * young generation, because hundreds of commands are in flight at once; by default V8 then lets
 * the old generation grow to about three times what is live before a full collection. On the
 * 500-node SSH bench that is a 420 MB RSS for about 80 MB live. Letting it grow by half instead
 * keeps the peak near 270-290 MB, for about 4 points of a core more in full collections
 * (`npm run bench -- prometheus --nodes 0`; README, Measured). Process-wide, so it is set by the
 * processes that run the engine for long (serve, run, the desktop app), not by the engine.
 */
import { setFlagsFromString } from 'node:v8';

/** The old generation's limit after a full collection: live size x (1 + this / 100). */
export const HEAP_GROWING_PERCENT = 50;

/** Sets the heap growth for a long run; call once, before the engine starts. */
export function tuneHeapForLongRun(): void {
  // Read by V8 whenever it sets the next limit (after each full collection), so it works at run time.
  setFlagsFromString(`--heap-growing-percent=${HEAP_GROWING_PERCENT}`);
}
