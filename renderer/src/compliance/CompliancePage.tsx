import { useCallback, useEffect, useMemo, useState } from 'react';
import type { Attestation, AuditResultView } from '../../../shared/model/audits';
import { useNodes } from '../hooks/useNodes';
import { useServerNow } from '../hooks/useServerNow';
import { Notice } from '../ui/Notice';
import { AttestDialog } from './AttestDialog';
import { CheckDetailPanel } from './CheckDetailPanel';
import { DriftPanel } from './DriftPanel';
import { ExportDialog } from './ExportDialog';
import {
  buildMatrix,
  complianceHash,
  countByStatus,
  DEFAULT_COMPLIANCE_FILTER,
  FRAMEWORK_LABELS,
  FRAMEWORKS,
  runLabel,
  scoreText,
  scoreTone,
  type ComplianceFilter,
} from './model';
import { ProfileSwitcher } from './ProfileSwitcher';
import { ResultMatrix } from './ResultMatrix';
import { WaiveDialog } from './WaiveDialog';
import { RunAuditPanel } from './RunAuditPanel';
import type { ComplianceFocus } from './useComplianceHash';
import { useAuditProgress, usePolicies, useProfile, useResults, useRuns, useWaivers } from './useComplianceData';

interface CompliancePageProps {
  focus: ComplianceFocus | null;
  /** Called once the policies and runs (or their errors) are on screen (the app-ready test hook). */
  onShown(): void;
}

/** Keeps the address bar on the shown run, without a hashchange. */
function replaceHash(hash: string): void {
  if (window.location.hash === hash) return;
  window.history.replaceState(window.history.state, '', `${window.location.pathname}${window.location.search}${hash}`);
}

type Dialog = 'attest' | 'waive' | 'export' | null;

/**
 * Policies and an audit of chosen nodes with its progress; stored runs; the chosen run's scores per
 * framework and its node x check matrix; a result's detail with evidence, attestations and
 * waivers; drift against an earlier run; the export dialog; the profile this window acts as.
 */
export function CompliancePage({ focus, onShown }: CompliancePageProps) {
  const [version, setVersion] = useState(0);
  const bump = useCallback(() => setVersion((v) => v + 1), []);
  const nodesState = useNodes();
  const nodes = useMemo(() => nodesState.nodes ?? [], [nodesState.nodes]);
  const policies = usePolicies(version);
  const runs = useRuns(version);
  const waivers = useWaivers(version);
  const profile = useProfile();
  const now = useServerNow(5000);
  const [chosenRunId, setChosenRunId] = useState<number | null>(focus?.route.runId ?? null);
  const runId = chosenRunId ?? runs.value?.[0]?.runId ?? null;
  const results = useResults(runId, version);
  const [filter, setFilter] = useState<ComplianceFilter>(DEFAULT_COMPLIANCE_FILTER);
  const [selected, setSelected] = useState<{ nodeId: string; checkId: string } | null>(null);
  const [dialog, setDialog] = useState<Dialog>(null);
  const [attestations, setAttestations] = useState<Attestation[]>([]);
  const [saved, setSaved] = useState<string | null>(null);

  const onFinished = useCallback(
    (finishedRunId: number | null) => {
      if (finishedRunId !== null) setChosenRunId(finishedRunId);
      bump();
    },
    [bump],
  );
  const audit = useAuditProgress(onFinished);

  useEffect(() => {
    if (focus?.route.runId) setChosenRunId(focus.route.runId);
  }, [focus]);
  useEffect(() => replaceHash(complianceHash({ runId: chosenRunId })), [chosenRunId]);

  const loaded = (policies.value !== null || policies.error !== null) && (runs.value !== null || runs.error !== null);
  useEffect(() => {
    if (loaded) onShown();
  }, [loaded, onShown]);

  const shown = results.value !== null && results.value.run.runId === runId ? results.value : null;
  const matrix = useMemo(() => (shown ? buildMatrix(shown.checks, shown.results, filter) : null), [shown, filter]);
  const counts = useMemo(() => countByStatus(shown?.results ?? []), [shown]);
  const selectedResult: AuditResultView | null =
    (selected && shown?.results.find((r) => r.nodeId === selected.nodeId && r.checkId === selected.checkId)) || null;
  const selectedCheck = (selectedResult && shown?.checks.find((c) => c.id === selectedResult.checkId)) || null;
  const run = shown?.run ?? null;

  const chooseRun = (id: number) => {
    setChosenRunId(id);
    setSelected(null);
  };

  return (
    <div className="compliance" data-testid="page-compliance" data-loaded={String(loaded)} data-run={runId ?? ''}>
      <header className="fleet__head compliance__head">
        <h1 className="fleet__title">Compliance</h1>
        <span className="fleet__count">{run ? `run #${run.runId}: ${scoreText(run.score)}` : 'no run yet'}</span>
        <span className="topbar__spacer" />
        <ProfileSwitcher profile={profile.profile} error={profile.error} onSwitch={profile.switchTo} />
      </header>
      {[policies.error, runs.error, results.error, waivers.error].filter(Boolean).map((e) => (
        <Notice key={e} tone="error" onRetry={bump}>
          {e}
        </Notice>
      ))}
      <div className="compliance__top">
        <RunAuditPanel policies={policies.value} nodes={nodes} progress={audit.progress} onStart={audit.start} onStarted={audit.attach} />
        <section className="panel compliance-runs" aria-label="Audit runs">
          <h2 className="compliance__subtitle">Runs</h2>
          {runs.value === null && !runs.error && <p className="muted">Reading the runs…</p>}
          {runs.value?.length === 0 && <p className="muted">No audit has run yet.</p>}
          <ul className="compliance-runs__list" data-testid="compliance-runs">
            {(runs.value ?? []).map((r) => (
              <li key={r.runId}>
                <button
                  type="button"
                  className="compliance-runs__item"
                  data-testid={`compliance-run-${r.runId}`}
                  aria-pressed={r.runId === runId}
                  onClick={() => chooseRun(r.runId)}
                >
                  <span>{runLabel(r)}</span>
                  <span className={`pill pill--${scoreTone(r.score)}`}>{scoreText(r.score)}</span>
                </button>
              </li>
            ))}
          </ul>
        </section>
      </div>
      {run && shown && matrix && (
        <section className="panel compliance-results" aria-label="Results" data-testid="compliance-results" data-run={run.runId}>
          <header className="compliance-results__head">
            <h2 className="compliance__subtitle">
              Run #{run.runId} · {run.policyId} {run.policyVersion}
            </h2>
            <div className="compliance-scores" data-testid="compliance-scores">
              <span className={`pill pill--${scoreTone(run.score)}`} data-testid="compliance-score-overall">
                Overall {scoreText(run.score)}
              </span>
              {FRAMEWORKS.filter((f) => run.frameworks[f]).map((f) => (
                <span key={f} className={`pill pill--${scoreTone(run.frameworks[f]!)}`} data-testid={`compliance-score-${f}`}>
                  {FRAMEWORK_LABELS[f]} {scoreText(run.frameworks[f]!)}
                </span>
              ))}
            </div>
            <span className="topbar__spacer" />
            <button type="button" className="button button--primary" data-testid="compliance-export-open" onClick={() => setDialog('export')}>
              Export…
            </button>
          </header>
          {run.nodes
            .filter((n) => !n.audited)
            .map((n) => (
              <Notice key={n.nodeId} tone="warn">
                {n.nodeId} was not audited: {n.error ?? 'unknown reason'}
              </Notice>
            ))}
          {saved && (
            <p className="muted" data-testid="export-saved" role="status">
              Saved {saved}.
            </p>
          )}
          <div className={`compliance-results__body${selectedResult ? ' compliance-results__body--detail' : ''}`}>
            <ResultMatrix
              matrix={matrix}
              counts={counts}
              filter={filter}
              setFilter={setFilter}
              selected={selected}
              onSelect={(r) => setSelected((s) => (s?.nodeId === r.nodeId && s.checkId === r.checkId ? null : { nodeId: r.nodeId, checkId: r.checkId }))}
            />
            {selectedResult && (
              <CheckDetailPanel
                result={selectedResult}
                check={selectedCheck}
                waivers={waivers.value ?? []}
                attestations={attestations}
                now={now}
                onClose={() => setSelected(null)}
                onAttest={() => setDialog('attest')}
                onWaive={() => setDialog('waive')}
                onChanged={bump}
              />
            )}
          </div>
        </section>
      )}
      {run && runs.value && runs.value.length > 1 && <DriftPanel runs={runs.value} toRunId={run.runId} />}
      {dialog === 'attest' && selectedResult && (
        <AttestDialog
          result={selectedResult}
          onClose={() => setDialog(null)}
          onDone={(a) => {
            setAttestations((prev) => [a, ...prev]);
            setDialog(null);
            bump();
          }}
        />
      )}
      {dialog === 'waive' && selectedResult && (
        <WaiveDialog
          result={selectedResult}
          now={now}
          onClose={() => setDialog(null)}
          onDone={() => {
            setDialog(null);
            bump();
          }}
        />
      )}
      {dialog === 'export' && run && (
        <ExportDialog
          run={run}
          onClose={() => setDialog(null)}
          onSaved={(name) => {
            setSaved(name);
            setDialog(null);
          }}
        />
      )}
    </div>
  );
}
