/**
 * What the fleet page shows: its filter, its sort and the label it groups by. The app shell may
 * own it (to keep it in the URL): FleetPage takes `viewState` and `onViewStateChange`; without
 * them the page keeps its own. `fleetStateToParams` / `fleetStateFromParams` turn it into URL
 * query parameters and back (only what differs from the defaults is written; anything unknown or
 * malformed reads as the default). Pure, unit-tested.
 */
import { DEFAULT_FILTER, type FleetFilter, type StatusFilter } from './filter';
import { DEFAULT_SORT, type FleetSort, type SortKey } from './sort';

export interface FleetViewState {
  filter: FleetFilter;
  sort: FleetSort;
  /** Group the table and the heatmap by this label key (labels "key=value", or a bare label); null: no grouping. */
  groupBy: string | null;
}

export const DEFAULT_FLEET_VIEW_STATE: FleetViewState = { filter: DEFAULT_FILTER, sort: DEFAULT_SORT, groupBy: null };

const STATUS_FILTERS: ReadonlySet<string> = new Set<StatusFilter>([
  'all',
  'problems',
  'up',
  'degraded',
  'connecting',
  'unreachable',
  'auth-failed',
  'host-key-unknown',
  'host-key-mismatch',
  'not-collected',
]);
const SORT_KEYS: ReadonlySet<string> = new Set<SortKey>(['status', 'name', 'address', 'labels', 'cpu', 'memory', 'disk', 'gpus', 'gpuUtil']);
/** Bounds what a pasted link can put into the page. */
const MAX_PARAM = 200;

/** URL query parameters for the state: q, status, label, retired, sort ("key" or "-key"), group. Defaults are left out. */
export function fleetStateToParams(state: FleetViewState): Record<string, string> {
  const out: Record<string, string> = {};
  const { filter, sort, groupBy } = state;
  if (filter.text) out.q = filter.text;
  if (filter.status !== DEFAULT_FILTER.status) out.status = filter.status;
  if (filter.label !== null) out.label = filter.label;
  if (filter.showRetired) out.retired = '1';
  if (sort.key !== DEFAULT_SORT.key || sort.dir !== DEFAULT_SORT.dir) out.sort = `${sort.dir === 'desc' ? '-' : ''}${sort.key}`;
  if (groupBy !== null) out.group = groupBy;
  return out;
}

const param = (params: URLSearchParams, name: string): string | null => {
  const v = params.get(name);
  return v === null || v.length > MAX_PARAM ? null : v;
};

/** The state a URL's query parameters describe; missing or malformed ones read as the defaults. */
export function fleetStateFromParams(params: URLSearchParams): FleetViewState {
  const status = param(params, 'status');
  const sortText = param(params, 'sort') ?? '';
  const desc = sortText.startsWith('-');
  const sortKey = desc ? sortText.slice(1) : sortText;
  const group = param(params, 'group');
  return {
    filter: {
      text: param(params, 'q') ?? '',
      status: status !== null && STATUS_FILTERS.has(status) ? (status as StatusFilter) : DEFAULT_FILTER.status,
      label: param(params, 'label') || null,
      showRetired: params.get('retired') === '1',
    },
    sort: SORT_KEYS.has(sortKey) ? { key: sortKey as SortKey, dir: desc ? 'desc' : 'asc' } : DEFAULT_SORT,
    groupBy: group || null,
  };
}
