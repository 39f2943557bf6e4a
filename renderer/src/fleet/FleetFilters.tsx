import type { Dispatch, SetStateAction } from 'react';
import { DEFAULT_FILTER, type FleetFilter, type StatusFilter } from './filter';

const STATUS_OPTIONS: Array<{ value: StatusFilter; label: string }> = [
  { value: 'all', label: 'Any status' },
  { value: 'problems', label: 'Needs attention' },
  { value: 'up', label: 'Up' },
  { value: 'degraded', label: 'Degraded' },
  { value: 'connecting', label: 'Connecting' },
  { value: 'unreachable', label: 'Unreachable' },
  { value: 'auth-failed', label: 'Auth failed' },
  { value: 'host-key-unknown', label: 'Host key unknown' },
  { value: 'host-key-mismatch', label: 'Host key changed' },
  { value: 'not-collected', label: 'Not collected' },
];

interface FleetFiltersProps {
  /** The id of the "Nodes" title, which names the table's section. */
  titleId: string;
  filter: FleetFilter;
  setFilter: Dispatch<SetStateAction<FleetFilter>>;
  /** Every label in use. */
  labels: readonly string[];
  /** Label keys the fleet can be grouped by, and the chosen one. */
  groupKeys: readonly string[];
  groupBy: string | null;
  setGroupBy(key: string | null): void;
  /** Saves the rows shown as CSV. */
  onExport(): void;
  /** Nodes no longer collected, hidden unless asked for. */
  retired: number;
  shown: number;
  total: number;
}

/** The table's filter bar: words, status, label, nodes no longer collected. */
export function FleetFilters({ titleId, filter, setFilter, labels, groupKeys, groupBy, setGroupBy, onExport, retired, shown, total }: FleetFiltersProps) {
  const filtered = filter.text !== '' || filter.label !== null || filter.status !== 'all';
  return (
    <div className="fleet-filters" role="search">
      <h2 className="section__title" id={titleId}>
        Nodes
      </h2>
      <label className="fleet-filters__search">
        <span className="visually-hidden">Filter nodes</span>
        <input
          className="input"
          type="search"
          placeholder="Name, address, label, GPU model, driver, UUID…"
          value={filter.text}
          data-testid="fleet-filter-text"
          onChange={(event) => setFilter((f) => ({ ...f, text: event.target.value }))}
        />
      </label>
      <label className="fleet-filters__select">
        <span className="visually-hidden">Status</span>
        <select
          className="input"
          value={filter.status}
          data-testid="fleet-filter-status"
          onChange={(event) => setFilter((f) => ({ ...f, status: event.target.value as StatusFilter }))}
        >
          {STATUS_OPTIONS.map((o) => (
            <option key={o.value} value={o.value}>
              {o.label}
            </option>
          ))}
        </select>
      </label>
      <label className="fleet-filters__select">
        <span className="visually-hidden">Label</span>
        <select
          className="input"
          value={filter.label ?? ''}
          data-testid="fleet-filter-label"
          disabled={labels.length === 0 && filter.label === null}
          onChange={(event) => setFilter((f) => ({ ...f, label: event.target.value === '' ? null : event.target.value }))}
        >
          <option value="">{labels.length === 0 ? 'No labels' : 'Any label'}</option>
          {labels.map((label) => (
            <option key={label} value={label}>
              {label}
            </option>
          ))}
        </select>
      </label>
      <label className="fleet-filters__select">
        <span className="visually-hidden">Group by label</span>
        <select
          className="input"
          value={groupBy ?? ''}
          data-testid="fleet-group-by"
          disabled={groupKeys.length === 0 && groupBy === null}
          onChange={(event) => setGroupBy(event.target.value === '' ? null : event.target.value)}
        >
          <option value="">{groupKeys.length === 0 ? 'No labels to group by' : 'No grouping'}</option>
          {groupBy !== null && !groupKeys.includes(groupBy) && <option value={groupBy}>Group by {groupBy}</option>}
          {groupKeys.map((key) => (
            <option key={key} value={key}>
              Group by {key}
            </option>
          ))}
        </select>
      </label>
      {retired > 0 && (
        <label className="check">
          <input type="checkbox" checked={filter.showRetired} onChange={(event) => setFilter((f) => ({ ...f, showRetired: event.target.checked }))} />
          Show {retired} not collected
        </label>
      )}
      <span className="fleet-filters__count" role="status">
        {filtered ? `${shown} of ${total} shown` : ''}
      </span>
      {filtered && (
        <button type="button" className="button button--quiet" onClick={() => setFilter((f) => ({ ...DEFAULT_FILTER, showRetired: f.showRetired }))}>
          Clear filter
        </button>
      )}
      <button type="button" className="button button--quiet" data-testid="fleet-export-csv" onClick={onExport} disabled={shown === 0}>
        Export CSV
      </button>
    </div>
  );
}
