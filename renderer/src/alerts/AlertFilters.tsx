import { useId, type Dispatch, type SetStateAction } from 'react';
import type { Alert } from '../../../shared/model/alerts';
import { ALERT_VIEWS, gpuLabel, SEVERITIES, VIEW_LABELS, type AlertFilter, type AlertTab } from './model';

export type Grouping = 'none' | 'node' | 'rule';

/** The tabs (with counts after the other filters), then severity, node, GPU, text and grouping. */
export function AlertFilters({
  alerts,
  filter,
  setFilter,
  counts,
  grouping,
  setGrouping,
}: {
  alerts: readonly Alert[];
  filter: AlertFilter;
  setFilter: Dispatch<SetStateAction<AlertFilter>>;
  counts: Record<AlertTab, number>;
  grouping: Grouping;
  setGrouping(g: Grouping): void;
}) {
  const ids = useId();
  const nodes = [...new Set([...alerts.map((a) => a.nodeId), ...(filter.nodeId ? [filter.nodeId] : [])])].sort();
  const gpus = new Map<string, string>();
  for (const a of alerts) if (a.gpu !== null && (filter.nodeId === null || a.nodeId === filter.nodeId)) gpus.set(a.gpu, `${a.nodeId} · ${gpuLabel(a)}`);
  if (filter.gpu !== null && !gpus.has(filter.gpu)) gpus.set(filter.gpu, filter.gpu);
  const tabs: AlertTab[] = [...ALERT_VIEWS, 'all'];
  return (
    <div className="alerts-filters">
      <div className="segmented" role="group" aria-label="Show">
        {tabs.map((tab) => (
          <button
            key={tab}
            type="button"
            className="segmented__button"
            aria-pressed={filter.tab === tab}
            data-testid={`alerts-tab-${tab}`}
            data-count={counts[tab]}
            onClick={() => setFilter((f) => ({ ...f, tab }))}
          >
            {VIEW_LABELS[tab]} <span className="alerts-filters__count">{counts[tab]}</span>
          </button>
        ))}
      </div>
      <div className="alerts-filters__row">
        <span role="group" aria-label="Severity" className="alerts-filters__severities">
          {SEVERITIES.map((s) => (
            <label key={s} className="check">
              <input
                type="checkbox"
                data-testid={`alerts-severity-${s}`}
                checked={filter.severities.includes(s)}
                onChange={(e) => setFilter((f) => ({ ...f, severities: e.target.checked ? [...f.severities, s] : f.severities.filter((x) => x !== s) }))}
              />
              {s}
            </label>
          ))}
        </span>
        <label className="visually-hidden" htmlFor={`${ids}-node`}>
          Node
        </label>
        <select
          id={`${ids}-node`}
          className="input"
          data-testid="alerts-node"
          value={filter.nodeId ?? ''}
          onChange={(e) => setFilter((f) => ({ ...f, nodeId: e.target.value || null, gpu: null }))}
        >
          <option value="">All nodes</option>
          {nodes.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </select>
        <label className="visually-hidden" htmlFor={`${ids}-gpu`}>
          GPU
        </label>
        <select
          id={`${ids}-gpu`}
          className="input"
          data-testid="alerts-gpu"
          value={filter.gpu ?? ''}
          onChange={(e) => setFilter((f) => ({ ...f, gpu: e.target.value || null }))}
        >
          <option value="">All GPUs</option>
          {[...gpus].map(([key, label]) => (
            <option key={key} value={key}>
              {label}
            </option>
          ))}
        </select>
        <label className="visually-hidden" htmlFor={`${ids}-text`}>
          Search
        </label>
        <input
          id={`${ids}-text`}
          className="input alerts-filters__text"
          type="search"
          data-testid="alerts-text"
          placeholder="Search title, message, labels…"
          maxLength={200}
          value={filter.text}
          onChange={(e) => setFilter((f) => ({ ...f, text: e.target.value }))}
        />
        <label className="alerts-filters__group">
          Group
          <select className="input" data-testid="alerts-group" value={grouping} onChange={(e) => setGrouping(e.target.value as Grouping)}>
            <option value="none">none</option>
            <option value="node">by node</option>
            <option value="rule">by rule</option>
          </select>
        </label>
      </div>
    </div>
  );
}
