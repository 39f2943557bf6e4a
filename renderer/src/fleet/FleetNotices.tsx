import type { FleetRow } from './rows';

/** Nodes that wait for a host-key decision (a changed key makes it an error). */
export function HostKeyBanner({ waiting, onReview }: { waiting: readonly FleetRow[]; onReview(nodeId: string): void }) {
  if (waiting.length === 0) return null;
  const changed = waiting.some((r) => r.status === 'host-key-mismatch');
  return (
    <div className={`notice ${changed ? 'notice--error' : 'notice--warn'}`} role="status" data-testid="host-key-banner">
      <div className="notice__text">
        {waiting.length === 1
          ? `${waiting[0]!.id} waits for a host-key decision and is not collected until then.`
          : `${waiting.length} nodes wait for a host-key decision and are not collected until then.`}
        {changed && <strong> A host key has changed.</strong>}
      </div>
      <button type="button" className="button" onClick={() => onReview(waiting[0]!.id)}>
        Review
      </button>
    </div>
  );
}

/** The fleet of one: this machine only, and the two ways to add nodes. */
export function OnlyLocalPanel({ onAdd, onImport }: { onAdd(): void; onImport(): void }) {
  return (
    <div className="fleet-empty panel">
      <h2 className="fleet-empty__title">Only this machine is monitored</h2>
      <p>Add the nodes of your cluster: Clusterdeck reads them over SSH, with nothing to install on them.</p>
      <div className="fleet-empty__actions">
        <button type="button" className="button button--primary" onClick={onAdd}>
          Add node…
        </button>
        <button type="button" className="button" onClick={onImport}>
          Import from ssh config…
        </button>
      </div>
    </div>
  );
}
