import { useId, useState } from 'react';
import type { AuditRunSummary, FrameworkName, ReportFormat } from '../../../shared/model/audits';
import { api } from '../api';
import { describeError } from '../errors';
import { Field, FormError, Modal } from '../ui/Modal';
import { saveDownload } from './download';
import { exportScope, FORMAT_LABELS, FRAMEWORK_LABELS, FRAMEWORKS, REPORT_FORMATS } from './model';

function toggled<T>(list: readonly T[], item: T): T[] {
  return list.includes(item) ? list.filter((x) => x !== item) : [...list, item];
}

/** A report of a run: which nodes and frameworks, which format; the engine writes it, the browser saves it. */
export function ExportDialog({ run, onClose, onSaved }: { run: AuditRunSummary; onClose(): void; onSaved(fileName: string): void }) {
  const ids = useId();
  const allNodes = run.nodes.map((n) => n.nodeId);
  const [nodes, setNodes] = useState<string[]>(allNodes);
  const [frameworks, setFrameworks] = useState<FrameworkName[]>([...FRAMEWORKS]);
  const [format, setFormat] = useState<ReportFormat>('html');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const empty = nodes.length === 0 ? 'Choose at least one node.' : frameworks.length === 0 ? 'Choose at least one framework.' : null;
  const submit = () => {
    if (busy || empty) return;
    setBusy(true);
    setError(null);
    api
      .call('reports:export', {
        runId: run.runId,
        format,
        nodeIds: exportScope(nodes, allNodes),
        frameworks: exportScope(frameworks, FRAMEWORKS) as FrameworkName[] | undefined,
      })
      .then(
        (file) => {
          saveDownload(file.fileName, file.mime, file.contentBase64);
          setBusy(false);
          onSaved(file.fileName);
        },
        (reason: unknown) => {
          setBusy(false);
          setError(describeError(reason));
        },
      );
  };
  return (
    <Modal
      title={`Export a report of run #${run.runId}`}
      onClose={onClose}
      onSubmit={submit}
      testId="export-dialog"
      footer={
        <>
          <button type="button" className="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="button button--primary" data-testid="export-submit" disabled={busy || empty !== null}>
            {busy ? 'Exporting…' : 'Export'}
          </button>
        </>
      }
    >
      <p className="modal__lead">
        Policy {run.policyId} {run.policyVersion}. The file is saved where your browser (or the app) saves downloads; the export is recorded in the audit log.
      </p>
      <fieldset className="compliance-export__set" data-testid="export-nodes">
        <legend className="field__label">Nodes</legend>
        {allNodes.map((n) => (
          <label key={n} className="check">
            <input type="checkbox" data-testid={`export-node-${n}`} checked={nodes.includes(n)} onChange={() => setNodes((prev) => toggled(prev, n))} />
            {n}
          </label>
        ))}
      </fieldset>
      <fieldset className="compliance-export__set" data-testid="export-frameworks">
        <legend className="field__label">Frameworks</legend>
        {FRAMEWORKS.map((f) => (
          <label key={f} className="check">
            <input
              type="checkbox"
              data-testid={`export-framework-${f}`}
              checked={frameworks.includes(f)}
              onChange={() => setFrameworks((prev) => toggled(prev, f))}
            />
            {FRAMEWORK_LABELS[f]}
          </label>
        ))}
      </fieldset>
      <Field label="Format" id={`${ids}-format`}>
        {() => (
          <select id={`${ids}-format`} className="input" data-testid="export-format" value={format} onChange={(e) => setFormat(e.target.value as ReportFormat)}>
            {REPORT_FORMATS.map((f) => (
              <option key={f} value={f}>
                {FORMAT_LABELS[f]}
              </option>
            ))}
          </select>
        )}
      </Field>
      {empty && <p className="field__error">{empty}</p>}
      <FormError error={error} prefix="Could not export the report: " testId="export-error" />
    </Modal>
  );
}
