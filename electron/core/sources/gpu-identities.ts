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
import { DCGM_SERIES_LABELS } from './dcgm-map';
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

/** The one view of a source's GPU identities that a fetch uses from start to end. */
export interface IdentityView {
  /** The labels of the GPU a DCGM sample is of (shared, not copied), or undefined. */
  labelsOf(labels: Labels): Labels | undefined;
  /** A DCGM sample's GPU was not found: read the identities again soon. */
  markMissing(): void;
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

  /** The identities read so far, as one view for a fetch; null before any was read. */
  view(): IdentityView | null {
    const known = this.#known;
    if (known === null) return null;
    const { nodeLabel } = this.options;
    return {
      labelsOf: (labels) => known.byKey.get(joinKey(labels, nodeLabel)),
      markMissing: () => {
        known.stale = true;
      },
    };
  }
}
