import type { AuditResultView, CheckInfo, EffectiveStatus, FrameworkName } from '../../../shared/model/audits';
import { EFFECTIVE_STATUSES, FRAMEWORK_LABELS, FRAMEWORKS, SEVERITIES, STATUS_LABELS, statusClass, type ComplianceFilter, type Matrix } from './model';

interface ResultMatrixProps {
  matrix: Matrix;
  counts: Record<EffectiveStatus, number>;
  filter: ComplianceFilter;
  setFilter(filter: ComplianceFilter): void;
  selected: { nodeId: string; checkId: string } | null;
  onSelect(result: AuditResultView): void;
}

function toggled<T>(list: readonly T[], item: T): T[] {
  return list.includes(item) ? list.filter((x) => x !== item) : [...list, item];
}

/** Filters, then checks down and nodes across, each cell coloured by its effective status. */
export function ResultMatrix({ matrix, counts, filter, setFilter, selected, onSelect }: ResultMatrixProps) {
  return (
    <div className="compliance-matrix">
      <div className="compliance-filters" data-testid="compliance-filters">
        <div className="compliance-filters__group" role="group" aria-label="Status">
          {EFFECTIVE_STATUSES.map((s) => (
            <button
              key={s}
              type="button"
              className={`compliance-chip ${statusClass(s)}`}
              data-testid={`compliance-filter-status-${s}`}
              aria-pressed={filter.statuses.includes(s)}
              onClick={() => setFilter({ ...filter, statuses: toggled(filter.statuses, s) })}
            >
              {STATUS_LABELS[s]} {counts[s]}
            </button>
          ))}
        </div>
        <div className="compliance-filters__group" role="group" aria-label="Severity">
          {SEVERITIES.map((s) => (
            <button
              key={s}
              type="button"
              className="compliance-chip"
              data-testid={`compliance-filter-severity-${s}`}
              aria-pressed={filter.severities.includes(s)}
              onClick={() => setFilter({ ...filter, severities: toggled<CheckInfo['severity']>(filter.severities, s) })}
            >
              {s}
            </button>
          ))}
        </div>
        <div className="compliance-filters__group" role="group" aria-label="Framework">
          {FRAMEWORKS.map((f) => (
            <button
              key={f}
              type="button"
              className="compliance-chip"
              data-testid={`compliance-filter-framework-${f}`}
              aria-pressed={filter.frameworks.includes(f)}
              onClick={() => setFilter({ ...filter, frameworks: toggled<FrameworkName>(filter.frameworks, f) })}
            >
              {FRAMEWORK_LABELS[f]}
            </button>
          ))}
        </div>
        <input
          className="input compliance-filters__text"
          type="search"
          placeholder="Check id or title"
          aria-label="Search checks"
          data-testid="compliance-filter-text"
          value={filter.text}
          onChange={(e) => setFilter({ ...filter, text: e.target.value })}
        />
      </div>
      <div className="compliance-matrix__scroll">
        <table className="compliance-table" data-testid="compliance-matrix" data-rows={matrix.rows.length} data-nodes={matrix.nodes.join(' ')}>
          <thead>
            <tr>
              <th scope="col">Check</th>
              <th scope="col">Severity</th>
              {matrix.nodes.map((n) => (
                <th key={n} scope="col" className="compliance-table__node">
                  {n}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {matrix.rows.map(({ check, cells }) => (
              <tr key={check.id} data-testid={`compliance-row-${check.id}`}>
                <th scope="row" className="compliance-table__check">
                  <span className="mono">{check.id}</span> {check.title}
                </th>
                <td className={`compliance-sev compliance-sev--${check.severity}`}>{check.severity}</td>
                {cells.map((cell, i) => {
                  const nodeId = matrix.nodes[i]!;
                  const isSelected = selected?.nodeId === nodeId && selected.checkId === check.id;
                  return (
                    <td key={nodeId} className="compliance-table__cell">
                      {cell ? (
                        <button
                          type="button"
                          className={`${statusClass(cell.effective)}${isSelected ? ' cstatus--selected' : ''}`}
                          data-testid={`compliance-cell-${nodeId}-${check.id}`}
                          data-status={cell.effective}
                          aria-pressed={isSelected}
                          title={`${nodeId} · ${check.id}: ${STATUS_LABELS[cell.effective]}${cell.effective !== cell.status ? ` (found ${cell.status})` : ''}`}
                          onClick={() => onSelect(cell)}
                        >
                          {STATUS_LABELS[cell.effective]}
                        </button>
                      ) : (
                        <span className={statusClass(null)}>—</span>
                      )}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
        {matrix.rows.length === 0 && <p className="muted">No check matches the filter.</p>}
      </div>
    </div>
  );
}
