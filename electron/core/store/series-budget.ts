/**
 * How many new series each node may add in one clock hour. A node that invents a new mount
 * point or interface every tick would otherwise grow the series index, the head rows and every
 * client's snapshot without bound; past the budget its new devices go unrecorded until the next
 * hour, and the node carries a note saying so.
 */
const HOUR_MS = 3_600_000;

interface NodeBudget {
  hour: number;
  created: number;
  refused: number;
}

export class SeriesBudget {
  private readonly nodes = new Map<string, NodeBudget>();

  constructor(private readonly perHour: number) {}

  /** Takes one new series for `nodeId` at `atMs`; false when the node's hour is used up. */
  take(nodeId: string, atMs: number): boolean {
    const hour = Math.floor(atMs / HOUR_MS);
    let budget = this.nodes.get(nodeId);
    if (!budget || budget.hour !== hour) this.nodes.set(nodeId, (budget = { hour, created: 0, refused: 0 }));
    if (budget.created < this.perHour) {
      budget.created += 1;
      return true;
    }
    budget.refused += 1;
    return false;
  }

  /** Why some of the node's series are missing in the hour of `atMs` (its latest reading), or null. */
  note(nodeId: string, atMs: number): string | null {
    const budget = this.nodes.get(nodeId);
    if (!budget || budget.refused === 0 || budget.hour < Math.floor(atMs / HOUR_MS)) return null;
    return `series: more than ${this.perHour.toLocaleString('en-US')} new series in an hour; new devices are not recorded until ${new Date((budget.hour + 1) * HOUR_MS).toISOString().slice(11, 16)} UTC`;
  }
}
