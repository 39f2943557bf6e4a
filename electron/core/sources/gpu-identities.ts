/**
 * Each GPU's identity labels (PCI address, device, model, driver) for a Prometheus source, read
 * apart from the tick's DCGM family: they are the same on every sample of a GPU, so a tick's
 * DCGM answer names each series by node, index, UUID and MIG instance only (source-families.ts),
 * and its samples take these labels back by that key. Read once a minute over the fields every
 * exporter has; a GPU missing from the last read has them read again after IDENTITY_RETRY_MS,
 * over every mapped field from then on (its exporter may lack the common ones). The source
 * waits for a read only when it has none yet or a GPU of its answer is not in the last one; the
 * minute's read is sent after a fetch's answers and serves the next fetch (at 6,000 GPUs it took
 * Prometheus about a second, added to every twelfth tick while fetches waited for it).
 */
import type { Labels, QueryResult } from './prometheus-api';
import { DCGM_SERIES_LABELS, type PromSample } from './dcgm-map';
import { dcgmIdentityQuery } from './source-families';

/** How often the GPUs' identity labels are read again (and at the next tick where a GPU has none). */
export const IDENTITY_REFRESH_MS = 60_000;
/** A GPU that appeared since the last identity read has it read again after at least this. */
export const IDENTITY_RETRY_MS = 10_000;

/** What ties a DCGM sample to its GPU's identity: its node label and DCGM_SERIES_LABELS. */
function joinKey(labels: Labels, nodeLabel: string): string {
  let key = labels[nodeLabel] ?? '';
  for (const name of DCGM_SERIES_LABELS) key += `\u0000${labels[name] ?? ''}`;
  return key;
}

/** Each GPU's labels (series and identity labels) by joinKey, as read at atMs. */
interface IdentityRead {
  atMs: number;
  byKey: Map<string, Labels>;
  /** A DCGM series had no identity in a fetch since: read again (at most every IDENTITY_RETRY_MS). */
  stale: boolean;
}

export interface GpuIdentitiesOptions {
  url: string;
  query: (expr: string, atMs: number) => Promise<QueryResult>;
  nodeLabel: string;
  /** GPUs kept at most (a bound on a hostile or misconfigured source). */
  maxGpus: number;
}

export class GpuIdentities {
  #known: IdentityRead | null = null;
  #reading: Promise<string | null> | null = null;
  /** A GPU was missing from the identities read over the common fields: read over every field from then on. */
  #everyField = false;

  constructor(private readonly options: GpuIdentitiesOptions) {}

  /** Whether the identity labels are to be read with the fetch at atMs. */
  due(atMs: number): boolean {
    const known = this.#known;
    if (known === null) return true;
    const age = Math.abs(atMs - known.atMs);
    return age >= IDENTITY_REFRESH_MS || (known.stale && age >= IDENTITY_RETRY_MS);
  }

  /** Reads the identity labels (one read at a time); resolves with why it failed, or null. */
  read(atMs: number): Promise<string | null> {
    if (this.#reading !== null) return this.#reading;
    const { url, query, nodeLabel, maxGpus } = this.options;
    if (this.#known?.stale === true) this.#everyField = true;
    const reading = query(dcgmIdentityQuery(nodeLabel, this.#everyField), atMs).then(
      (result) => {
        if (result.resultType !== 'vector') return `${url} answered the GPU identity query with a ${result.resultType}, not a vector`;
        const byKey = new Map<string, Labels>();
        for (const s of result.samples) if (byKey.size < maxGpus) byKey.set(joinKey(s.labels, nodeLabel), s.labels);
        // Only a later read replaces the last one (an older one finishing late does not).
        if (this.#known === null || this.#known.atMs <= atMs) this.#known = { atMs, byKey, stale: false };
        return null;
      },
      (error: unknown) => (error as Error).message,
    );
    this.#reading = reading;
    void reading.then(() => {
      if (this.#reading === reading) this.#reading = null;
    });
    return reading;
  }

  /** Whether any read has answered yet. */
  get known(): boolean {
    return this.#known !== null;
  }

  /** The read a fetch waits for when none has answered yet (started now), else null. */
  firstRead(atMs: number): Promise<string | null> | null {
    return this.#known === null ? this.read(atMs) : null;
  }

  /**
   * Gives a fetch's DCGM samples their GPU's labels (shared, not copied: dcgm-map reads UUID, bus
   * id, model and driver from them). Waits for `firstRead`; where a GPU is not in the last read
   * (a new one) reads again at once if due and waits for it; one still missing has the labels read
   * again soon. Resolves with why an awaited read failed, or null.
   */
  async identify(samples: readonly PromSample[], atMs: number, firstRead: Promise<string | null> | null): Promise<string | null> {
    let failure = firstRead === null ? null : await firstRead;
    let missing = this.#relabel(samples);
    if (missing.length > 0 && firstRead === null && this.due(atMs)) {
      failure = await this.read(atMs);
      missing = this.#relabel(missing);
    }
    if (missing.length > 0 && this.#known !== null) this.#known.stale = true;
    return failure;
  }

  /** The minute's read, not waited for (the next fetch uses it); a failure keeps the last read. */
  refresh(atMs: number, onFailure: (message: string) => void): void {
    if (!this.due(atMs)) return;
    void this.read(atMs).then((failure) => failure !== null && onFailure(failure));
  }

  /** Relabels the samples whose GPU the last read has; returns the others. */
  #relabel(samples: readonly PromSample[]): PromSample[] {
    const known = this.#known;
    if (known === null) return [...samples];
    const { nodeLabel } = this.options;
    const missing: PromSample[] = [];
    for (const sample of samples) {
      const labels = known.byKey.get(joinKey(sample.labels, nodeLabel));
      if (labels !== undefined) sample.labels = labels;
      else missing.push(sample);
    }
    return missing;
  }
}
