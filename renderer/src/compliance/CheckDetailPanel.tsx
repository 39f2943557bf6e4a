import { useState } from 'react';
import type { Attestation, AuditResultView, CheckInfo, Waiver } from '../../../shared/model/audits';
import { api } from '../api';
import { describeError } from '../errors';
import { FormError } from '../ui/Modal';
import { referencesText, scopeText, STATUS_LABELS, statusClass, waiverState, waiversFor } from './model';

interface CheckDetailPanelProps {
  result: AuditResultView;
  check: CheckInfo | null;
  waivers: Waiver[];
  /** Attestations recorded in this window (the engine applies them to the results). */
  attestations: Attestation[];
  now: number;
  onClose(): void;
  onAttest(): void;
  onWaive(): void;
  onChanged(): void;
}

const when = (ms: number) => new Date(ms).toLocaleString();

/** One node x check: what was found, why it matters, how to fix it, the evidence, and what the auditor did. */
export function CheckDetailPanel({ result, check, waivers, attestations, now, onClose, onAttest, onWaive, onChanged }: CheckDetailPanelProps) {
  const [error, setError] = useState<string | null>(null);
  const concerning = waiversFor(waivers, result.checkId, result.nodeId);
  const attested = attestations.filter((a) => a.nodeId === result.nodeId && a.checkId === result.checkId);
  const revoke = (id: number) => {
    setError(null);
    api.call('audits:revokeWaiver', { id }).then(onChanged, (reason: unknown) => setError(describeError(reason)));
  };
  return (
    <aside
      className="panel compliance-detail"
      data-testid="compliance-detail"
      data-node={result.nodeId}
      data-check={result.checkId}
      data-status={result.effective}
    >
      <header className="compliance-detail__head">
        <h2 className="compliance__subtitle">
          <span className="mono">{result.checkId}</span> {check?.title ?? ''}
        </h2>
        <button type="button" className="modal__close" aria-label="Close the detail" onClick={onClose}>
          ×
        </button>
      </header>
      <p>
        <span className={statusClass(result.effective)} data-testid="compliance-detail-status">
          {STATUS_LABELS[result.effective]}
        </span>{' '}
        on <strong>{result.nodeId}</strong>
        {result.effective !== result.status && <span className="muted"> (the probes found {STATUS_LABELS[result.status]})</span>}
        {check && <span className={`compliance-sev compliance-sev--${check.severity}`}> {check.severity}</span>}
      </p>
      {result.detail && <p data-testid="compliance-detail-finding">{result.detail}</p>}
      <div className="compliance-detail__actions">
        <button type="button" className="button" data-testid="compliance-attest-open" onClick={onAttest}>
          Attest…
        </button>
        <button type="button" className="button" data-testid="compliance-waive-open" onClick={onWaive}>
          Waive…
        </button>
      </div>
      <FormError error={error} prefix="Could not revoke the waiver: " testId="compliance-revoke-error" />
      {check && (
        <dl className="compliance-detail__texts">
          {check.description && (
            <>
              <dt>Description</dt>
              <dd>{check.description}</dd>
            </>
          )}
          <dt>Rationale</dt>
          <dd data-testid="compliance-detail-rationale">{check.rationale || '—'}</dd>
          <dt>Remediation</dt>
          <dd className="compliance-detail__pre" data-testid="compliance-detail-remediation">
            {check.remediation || '—'}
          </dd>
          <dt>References</dt>
          <dd data-testid="compliance-detail-references">{referencesText(check.references) || '—'}</dd>
          {check.note && (
            <>
              <dt>Note</dt>
              <dd>{check.note}</dd>
            </>
          )}
        </dl>
      )}
      <h3 className="compliance-detail__h3">Evidence</h3>
      {result.evidence.length === 0 && <p className="muted">No evidence recorded.</p>}
      <ol className="compliance-evidence" data-testid="compliance-evidence">
        {result.evidence.map((e, i) => (
          <li key={`${e.probe}-${i}`} className="compliance-evidence__item">
            <div className="compliance-evidence__meta">
              <strong>{e.probe}</strong> <span className="mono">{e.source}</span>
              {e.exitCode !== null && <span className="muted"> exit {e.exitCode}</span>}
              {e.problem && <span className="compliance-evidence__problem"> {e.problem}</span>}
            </div>
            <pre className="compliance-evidence__excerpt">{e.excerpt}</pre>
            <div className="mono muted compliance-evidence__hash" data-testid="compliance-evidence-sha256">
              sha256 {e.sha256}
            </div>
          </li>
        ))}
      </ol>
      {result.evidenceSha256 && <p className="mono muted">All evidence: sha256 {result.evidenceSha256}</p>}
      {result.hostKey && <p className="mono muted">Host key {result.hostKey}</p>}
      <h3 className="compliance-detail__h3">Attestations</h3>
      {result.attestationId === null && attested.length === 0 && <p className="muted">None.</p>}
      {result.attestationId !== null && attested.length === 0 && <p data-testid="compliance-attested">Attestation #{result.attestationId} applies.</p>}
      <ul className="compliance-detail__list" data-testid="compliance-attestations">
        {attested.map((a) => (
          <li key={a.id}>
            #{a.id} {STATUS_LABELS[a.status]} by {a.by}, {when(a.atMs)}: {a.note}
            {a.attachments.map((f) => (
              <div key={f.sha256} className="mono muted">
                {f.name} ({f.bytes} bytes) sha256 {f.sha256}
              </div>
            ))}
          </li>
        ))}
      </ul>
      <h3 className="compliance-detail__h3">Waivers</h3>
      {concerning.length === 0 && <p className="muted">None.</p>}
      <ul className="compliance-detail__list" data-testid="compliance-waivers">
        {concerning.map((w) => {
          const state = waiverState(w, now);
          return (
            <li key={w.id} data-testid={`compliance-waiver-${w.id}`} data-state={state}>
              #{w.id} {state}: {scopeText(w.scope)}, approved by {w.approver} (recorded by {w.by}), until {when(w.expiresAtMs)}. {w.justification}
              {state === 'active' && (
                <>
                  {' '}
                  <button type="button" className="compliance__link" data-testid={`compliance-waiver-revoke-${w.id}`} onClick={() => revoke(w.id)}>
                    revoke
                  </button>
                </>
              )}
            </li>
          );
        })}
      </ul>
    </aside>
  );
}
