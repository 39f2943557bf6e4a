import { useId, useState } from 'react';
import type { NodeSummary } from '../../../shared/model/node';
import type { PolicySummary } from '../../../shared/model/audits';
import { api } from '../api';
import { describeError } from '../errors';
import { FormError } from '../ui/Modal';
import { progressPercent, progressText, type AuditProgress } from './model';

interface RunAuditPanelProps {
  policies: PolicySummary[] | null;
  nodes: NodeSummary[];
  progress: AuditProgress | null;
  onStart(policyId: string, total: number): void;
  onStarted(runId: number): void;
}

/** Policies; an audit of the ticked nodes with one of them; its progress bar. */
export function RunAuditPanel({ policies, nodes, progress, onStart, onStarted }: RunAuditPanelProps) {
  const ids = useId();
  const [policyId, setPolicyId] = useState<string | null>(null);
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const [error, setError] = useState<string | null>(null);
  const policy = policies?.find((p) => p.id === policyId) ?? policies?.[0] ?? null;
  const running = progress !== null && !progress.finished;
  const toggle = (id: string) =>
    setChosen((prev) => {
      const next = new Set(prev);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const run = () => {
    if (!policy || chosen.size === 0 || running) return;
    setError(null);
    const nodeIds = nodes.map((n) => n.id).filter((id) => chosen.has(id));
    onStart(policy.id, nodeIds.length);
    api.call('audits:run', { policyId: policy.id, nodeIds }).then(
      (answer) => onStarted(answer.runId),
      (reason: unknown) => setError(describeError(reason)),
    );
  };
  return (
    <section className="panel compliance-run" aria-label="Run an audit" data-testid="compliance-run">
      <h2 className="compliance__subtitle">Run an audit</h2>
      <div className="compliance-run__row">
        <label className="field__label" htmlFor={`${ids}-policy`}>
          Policy
        </label>
        <select
          id={`${ids}-policy`}
          className="input"
          data-testid="compliance-policy"
          value={policy?.id ?? ''}
          onChange={(e) => setPolicyId(e.target.value)}
          disabled={!policies || policies.length === 0}
        >
          {(policies ?? []).map((p) => (
            <option key={p.id} value={p.id}>
              {p.title} ({p.id} {p.version}, {p.checks} checks{p.builtIn ? ', built in' : ''})
            </option>
          ))}
        </select>
      </div>
      {policy && (
        <p className="muted compliance-run__policy" data-testid="compliance-policy-description">
          {policy.description} <span className="mono">sha256 {policy.sha256.slice(0, 16)}…</span>
        </p>
      )}
      <fieldset className="compliance-run__nodes" data-testid="compliance-node-picker">
        <legend className="field__label">
          Nodes ({chosen.size} of {nodes.length}){' '}
          <button type="button" className="compliance__link" onClick={() => setChosen(new Set(nodes.map((n) => n.id)))}>
            all
          </button>{' '}
          <button type="button" className="compliance__link" onClick={() => setChosen(new Set())}>
            none
          </button>
        </legend>
        {nodes.length === 0 && <span className="muted">No node yet.</span>}
        {nodes.map((n) => (
          <label key={n.id} className="check">
            <input type="checkbox" data-testid={`compliance-node-${n.id}`} checked={chosen.has(n.id)} onChange={() => toggle(n.id)} />
            {n.id}
          </label>
        ))}
      </fieldset>
      <button
        type="button"
        className="button button--primary"
        data-testid="compliance-run-start"
        disabled={!policy || chosen.size === 0 || running}
        onClick={run}
      >
        {running ? 'Auditing…' : 'Run audit'}
      </button>
      <FormError error={error} prefix="Could not start the audit: " testId="compliance-run-error" />
      {progress && (
        <div
          className="compliance-progress"
          data-testid="compliance-progress"
          data-done={progress.done}
          data-total={progress.total}
          data-finished={String(progress.finished)}
        >
          <div
            className={`usage-bar usage-bar--${progress.error ? 'error' : 'ok'}`}
            role="progressbar"
            aria-label="Audit progress"
            aria-valuemin={0}
            aria-valuemax={100}
            aria-valuenow={progressPercent(progress)}
          >
            <div className="usage-bar__fill" style={{ width: `${progressPercent(progress)}%` }} />
          </div>
          <span className="compliance-progress__text" data-testid="compliance-progress-text">
            {progressText(progress)}
          </span>
        </div>
      )}
    </section>
  );
}
