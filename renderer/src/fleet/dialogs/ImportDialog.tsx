import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import type { CallResponse } from '../../../../shared/contract';
import type { SshConfigCandidate } from '../../../../shared/model/inventory';
import { api } from '../../api';
import { describeError } from '../../errors';
import { useAppInfo } from '../../hooks/useAppInfo';
import { FormError, Modal } from '../../ui/Modal';
import { candidateBlocker, candidateRoute as route } from './forms';
import { useDialogCall } from './useDialogCall';

type ReadResult = CallResponse<'sshConfig:read'>;
type ImportResult = CallResponse<'sshConfig:import'>;

interface ImportDialogProps {
  onClose(): void;
  /** After an import: the aliases added and the candidates they came from. */
  onImported(added: string[], candidates: readonly SshConfigCandidate[]): void;
}

/** Picks Host entries of an OpenSSH client config and adds them to the fleet. */
export function ImportDialog({ onClose, onImported }: ImportDialogProps) {
  const [path, setPath] = useState('');
  const [read, setRead] = useState<ReadResult | null>(null);
  const [readError, setReadError] = useState<string | null>(null);
  const [reading, setReading] = useState(false);
  const [chosen, setChosen] = useState<ReadonlySet<string>>(new Set());
  const { sending: importing, error: importError, run, clearError: clearImportError } = useDialogCall();
  const [result, setResult] = useState<ImportResult | null>(null);
  const pathRef = useRef<HTMLInputElement>(null);
  const pathId = useId();
  const abortRef = useRef<AbortController | null>(null);
  // The desktop app reads only a file chosen in the OS picker (electron/main/ssh-config-picker.ts).
  const desktop = useAppInfo().info?.mode === 'desktop';
  const [picking, setPicking] = useState(false);

  const load = useCallback(
    (file: string) => {
      abortRef.current?.abort();
      const abort = new AbortController();
      abortRef.current = abort;
      setReading(true);
      setReadError(null);
      setResult(null);
      clearImportError();
      const request = file.trim() === '' ? {} : { path: file.trim() };
      api.call('sshConfig:read', request, { signal: abort.signal }).then(
        (value) => {
          if (abort.signal.aborted) return;
          setRead(value);
          setReading(false);
          // Everything importable is chosen to start with.
          setChosen(new Set(value.candidates.filter((c) => candidateBlocker(c) === null).map((c) => c.alias)));
        },
        (reason: unknown) => {
          if (abort.signal.aborted) return;
          setRead(null);
          setReading(false);
          setReadError(describeError(reason));
        },
      );
    },
    [clearImportError],
  );

  // The default config is read as the dialog opens.
  useEffect(() => {
    load('');
    return () => abortRef.current?.abort();
  }, [load]);

  const importable = useMemo(() => (read?.candidates ?? []).filter((c) => candidateBlocker(c) === null), [read]);
  const allChosen = importable.length > 0 && importable.every((c) => chosen.has(c.alias));
  const someChosen = importable.some((c) => chosen.has(c.alias));
  const selectAll = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (selectAll.current) selectAll.current.indeterminate = someChosen && !allChosen;
  }, [someChosen, allChosen]);

  const toggle = (alias: string, on: boolean) =>
    setChosen((prev) => {
      const next = new Set(prev);
      if (on) next.add(alias);
      else next.delete(alias);
      return next;
    });

  const submit = () => {
    if (!read || importing || chosen.size === 0 || result) return;
    const aliases = read.candidates.filter((c) => chosen.has(c.alias)).map((c) => c.alias);
    run(
      () => api.call('sshConfig:import', { ...(path.trim() ? { path: path.trim() } : {}), aliases }),
      (value) => {
        setResult(value);
        onImported(value.added, read.candidates);
      },
    );
  };

  const footer = result ? (
    <button type="button" className="button button--primary" data-testid="import-done" onClick={onClose}>
      Done
    </button>
  ) : (
    <>
      <button type="button" className="button" onClick={onClose}>
        Cancel
      </button>
      <button type="submit" className="button button--primary" disabled={!read || chosen.size === 0 || importing} data-testid="import-submit">
        {importing ? 'Importing…' : `Import ${chosen.size} node${chosen.size === 1 ? '' : 's'}`}
      </button>
    </>
  );

  return (
    <Modal
      title="Import nodes from an ssh config"
      onClose={onClose}
      testId="import-dialog"
      size="wide"
      initialFocus={pathRef}
      onSubmit={submit}
      footer={footer}
    >
      <div className="import-path">
        <label className="field__label" htmlFor={pathId}>
          Config file
        </label>
        <input
          id={pathId}
          ref={pathRef}
          className="input input--mono"
          type="text"
          spellCheck={false}
          autoComplete="off"
          placeholder="~/.ssh/config (the default)"
          value={path}
          readOnly={desktop}
          data-testid="import-path"
          onChange={(event) => setPath(event.target.value)}
          onKeyDown={(event) => {
            // Enter in the path field reads the file rather than importing.
            if (event.key === 'Enter') {
              event.preventDefault();
              load(path);
            }
          }}
        />
        {desktop ? (
          <button
            type="button"
            className="button"
            disabled={reading || picking}
            data-testid="import-choose"
            onClick={() => {
              setPicking(true);
              api.call('sshConfig:pick', {}).then(
                ({ path: chosenPath }) => {
                  setPicking(false);
                  if (chosenPath === null) return;
                  setPath(chosenPath);
                  load(chosenPath);
                },
                (reason: unknown) => {
                  setPicking(false);
                  setReadError(describeError(reason));
                },
              );
            }}
          >
            {reading ? 'Reading…' : 'Choose file…'}
          </button>
        ) : (
          <button type="button" className="button" onClick={() => load(path)} disabled={reading} data-testid="import-read">
            {reading ? 'Reading…' : 'Read'}
          </button>
        )}
      </div>
      <p className="field__hint">
        Host entries are resolved as OpenSSH would (Include, Match-less defaults, ProxyJump chains) on the engine&apos;s machine. Leave empty for ~/.ssh/config.
      </p>

      <FormError error={readError} testId="import-read-error" />
      {read && read.warnings.length > 0 && (
        <div className="notice notice--warn" role="status" data-testid="import-warnings">
          <div className="notice__text">
            Read {read.path} with {read.warnings.length === 1 ? 'a warning' : `${read.warnings.length} warnings`}:
            <ul className="notice__list">
              {read.warnings.map((warning, i) => (
                <li key={i}>{warning}</li>
              ))}
            </ul>
          </div>
        </div>
      )}
      {read && read.candidates.length === 0 && <p className="import-empty">No Host entries in {read.path}.</p>}
      {read && read.candidates.length > 0 && (
        <div className="import-list" aria-busy={reading}>
          <table className="import-table">
            <caption className="visually-hidden">Host entries of {read.path}</caption>
            <thead>
              <tr>
                <th scope="col" className="import-table__check">
                  <input
                    ref={selectAll}
                    type="checkbox"
                    aria-label="Choose every importable host"
                    checked={allChosen}
                    disabled={importable.length === 0 || result !== null}
                    onChange={(event) => setChosen(event.target.checked ? new Set(importable.map((c) => c.alias)) : new Set())}
                  />
                </th>
                <th scope="col">Alias</th>
                <th scope="col">Connects to</th>
                <th scope="col">Key files</th>
                <th scope="col">Note</th>
              </tr>
            </thead>
            <tbody>
              {read.candidates.map((candidate) => {
                const blocker = candidateBlocker(candidate);
                const checkId = `${pathId}-${candidate.alias}`;
                return (
                  <tr
                    key={candidate.alias}
                    className={blocker ? 'import-table__row--disabled' : undefined}
                    data-testid={`import-row-${candidate.alias}`}
                    data-disabled={blocker ? 'true' : 'false'}
                  >
                    <td className="import-table__check">
                      <input
                        id={checkId}
                        type="checkbox"
                        checked={!blocker && chosen.has(candidate.alias)}
                        disabled={blocker !== null || result !== null}
                        aria-describedby={blocker ? `${checkId}-why` : undefined}
                        data-testid={`import-check-${candidate.alias}`}
                        onChange={(event) => toggle(candidate.alias, event.target.checked)}
                      />
                    </td>
                    <td>
                      <label htmlFor={checkId} className="import-table__alias">
                        {candidate.alias}
                      </label>
                    </td>
                    <td className="mono">{route(candidate)}</td>
                    <td className="mono import-table__keys" title={candidate.identityFiles.join('\n')}>
                      {candidate.identityFiles.length === 0 ? (
                        <span className="muted">agent only</span>
                      ) : (
                        candidate.identityFiles.map((f) => f.split('/').pop()).join(', ')
                      )}
                    </td>
                    <td id={`${checkId}-why`} className={candidate.problem ? 'import-table__problem' : 'muted'}>
                      {blocker ?? ''}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <FormError error={importError} prefix="Import failed: " />
      {result && (
        <div className="import-result" role="status" data-testid="import-result">
          <p>
            <strong>
              Added {result.added.length} node{result.added.length === 1 ? '' : 's'}
            </strong>
            {result.added.length > 0 && <span className="mono">: {result.added.join(', ')}</span>}
          </p>
          {result.skipped.length > 0 && (
            <>
              <p>Skipped {result.skipped.length}:</p>
              <ul className="import-result__skipped">
                {result.skipped.map((s) => (
                  <li key={s.alias}>
                    <span className="mono">{s.alias}</span>: {s.reason}
                  </li>
                ))}
              </ul>
            </>
          )}
        </div>
      )}
    </Modal>
  );
}
