import { useState } from 'react';
import type { AuditRunSummary } from '../../../shared/model/audits';
import { previousRunOf, runLabel } from './model';
import { useDrift } from './useComplianceData';

/** What changed between an earlier run and the shown one: newly failing, fixed, other changes. */
export function DriftPanel({ runs, toRunId }: { runs: AuditRunSummary[]; toRunId: number }) {
  const [chosenFrom, setChosenFrom] = useState<number | null>(null);
  const others = runs.filter((r) => r.runId !== toRunId);
  const fromRunId = chosenFrom ?? previousRunOf(runs, toRunId)?.runId ?? null;
  const drift = useDrift(fromRunId, toRunId);
  return (
    <section className="panel compliance-drift" aria-label="Drift" data-testid="compliance-drift">
      <h2 className="compliance__subtitle">Drift since</h2>
      <select
        className="input"
        data-testid="compliance-drift-from"
        value={fromRunId ?? ''}
        onChange={(e) => setChosenFrom(e.target.value ? Number(e.target.value) : null)}
      >
        <option value="">(choose an earlier run)</option>
        {others.map((r) => (
          <option key={r.runId} value={r.runId}>
            {runLabel(r)}
          </option>
        ))}
      </select>
      {drift.error && <p className="field__error">{drift.error}</p>}
      {fromRunId !== null && drift.value && (
        <div className="compliance-drift__lists">
          <DriftList title="Newly failing" testId="drift-newly-failing" items={drift.value.newlyFailing.map((d) => `${d.nodeId} · ${d.checkId}`)} />
          <DriftList title="Fixed" testId="drift-fixed" items={drift.value.fixed.map((d) => `${d.nodeId} · ${d.checkId}`)} />
          <DriftList title="Other changes" testId="drift-changed" items={drift.value.changed.map((d) => `${d.nodeId} · ${d.checkId}: ${d.from} → ${d.to}`)} />
        </div>
      )}
    </section>
  );
}

function DriftList({ title, items, testId }: { title: string; items: string[]; testId: string }) {
  return (
    <div data-testid={testId} data-count={items.length}>
      <h3 className="compliance-detail__h3">
        {title} ({items.length})
      </h3>
      {items.length === 0 ? (
        <p className="muted">None.</p>
      ) : (
        <ul className="compliance-detail__list mono">
          {items.map((i) => (
            <li key={i}>{i}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
