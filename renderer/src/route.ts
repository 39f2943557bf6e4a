/**
 * The app's place in the URL's hash, so Back works, a reload keeps the view and a copied link
 * opens the same view. Hash routing: it works under app:// (one index.html) and under `serve`
 * alike, and the hash never reaches the server.
 *
 *   #/fleet?q=A100&status=problems&sort=-gpuUtil&group=rack
 *   #/node/<id>?range=1h
 *   #/node/<id>?range=1h&from=2026-12-02T07:00:00Z&to=2026-12-02T07:20:00Z   (a custom window)
 *   #/settings
 *   #/alerts[/ID][?node=N&gpu=G], #/compliance[/run/ID]    (owned by those pages' models)
 *
 * Pure: parse and format only. Anything unknown or malformed is dropped (a bad range reads as
 * the default, an over-long hash as no route); values are only ever rendered as text.
 */
import { alertsHash, parseAlertsHash, type AlertsRoute } from './alerts/model';
import { complianceHash, parseComplianceHash, type ComplianceRoute } from './compliance/model';
import { DEFAULT_FLEET_VIEW_STATE, fleetStateFromParams, fleetStateToParams, type FleetViewState } from './fleet/viewState';
import { customWindow, MAX_CUSTOM_SPAN_MS, MIN_CUSTOM_SPAN_MS, RANGES, windowFor, type ChartWindow, type RangeId } from './ranges';

/** The node page's window: a preset, or (from/to both set) an absolute window based on the preset. */
export interface RouteWindow {
  range: RangeId;
  fromMs?: number;
  toMs?: number;
}

export type Route =
  | { view: 'fleet'; fleet: FleetViewState }
  | { view: 'node'; nodeId: string | null; window: RouteWindow }
  | { view: 'settings' }
  | { view: 'alerts'; alerts: AlertsRoute }
  | { view: 'compliance'; compliance: ComplianceRoute };

export type RouteView = Route['view'];

export const DEFAULT_RANGE: RangeId = '5m';
/** Longer hashes are not ours (or are hostile): read as no route. */
export const MAX_HASH_LENGTH = 2048;
/** The engine accepts node ids up to this length. */
const MAX_NODE_ID_LENGTH = 256;
/** Dates a custom window taken from a link may name; its span is bounded as the range selector's. */
const EARLIEST_MS = Date.UTC(2000, 0, 1);
const LATEST_MS = Date.UTC(2200, 0, 1);

const RANGE_IDS: ReadonlySet<string> = new Set(RANGES.map((r) => r.id));
const CONTROL_CHARS = /[\u0000-\u001f\u007f]/;
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{3})?)?Z$/;

function decode(part: string): string | null {
  try {
    return decodeURIComponent(part);
  } catch {
    return null;
  }
}

function validNodeId(id: string | null): string | null {
  if (id === null || id === '' || id.length > MAX_NODE_ID_LENGTH || CONTROL_CHARS.test(id)) return null;
  return id;
}

/** "2026-12-02T07:00:00Z" (seconds and milliseconds optional) as epoch ms, or null. */
function parseInstant(text: string | null): number | null {
  if (text === null || !ISO_UTC.test(text)) return null;
  const ms = Date.parse(text);
  if (!Number.isFinite(ms) || ms < EARLIEST_MS || ms > LATEST_MS) return null;
  // Date.parse rolls 31 Feb over into March: refuse a date that did not stay as written.
  return new Date(ms).toISOString().slice(0, 16) === text.slice(0, 16) ? ms : null;
}

/** Epoch ms as ISO UTC, milliseconds only when there are some. */
export function formatInstant(ms: number): string {
  return new Date(ms).toISOString().replace('.000Z', 'Z');
}

function parseWindow(params: URLSearchParams): RouteWindow {
  const rangeText = params.get('range');
  const range = rangeText !== null && RANGE_IDS.has(rangeText) ? (rangeText as RangeId) : DEFAULT_RANGE;
  const fromMs = parseInstant(params.get('from'));
  const toMs = parseInstant(params.get('to'));
  if (fromMs === null || toMs === null) return { range };
  const span = toMs - fromMs;
  if (span < MIN_CUSTOM_SPAN_MS || span > MAX_CUSTOM_SPAN_MS) return { range };
  return { range, fromMs, toMs };
}

/** The route a location hash names, or null (empty, unknown, too long: the app picks its landing view). */
export function parseRoute(hash: string): Route | null {
  const text = hash.startsWith('#') ? hash.slice(1) : hash;
  if (text === '' || text.length > MAX_HASH_LENGTH) return null;
  const alerts = parseAlertsHash(text);
  if (alerts) return { view: 'alerts', alerts };
  const compliance = parseComplianceHash(text);
  if (compliance) return { view: 'compliance', compliance };
  const cut = text.indexOf('?');
  const path = cut < 0 ? text : text.slice(0, cut);
  const params = new URLSearchParams(cut < 0 ? '' : text.slice(cut + 1));
  const parts = path.split('/').filter((p) => p !== '');
  if (parts.length === 1 && parts[0] === 'fleet') return { view: 'fleet', fleet: fleetStateFromParams(params) };
  if (parts.length === 1 && parts[0] === 'settings') return { view: 'settings' };
  if (parts[0] === 'node' && parts.length <= 2) {
    const nodeId = parts.length === 2 ? validNodeId(decode(parts[1]!)) : null;
    return { view: 'node', nodeId, window: parseWindow(params) };
  }
  return null;
}

function withQuery(path: string, params: Record<string, string>): string {
  const query = new URLSearchParams(params).toString();
  return query ? `${path}?${query}` : path;
}

/**
 * The hash for a route (with its '#'). Alerts and compliance routes are written by their pages
 * (which keep their own selection in them); formatted here they carry what the route holds.
 */
export function formatRoute(route: Route): string {
  switch (route.view) {
    case 'fleet':
      return withQuery('#/fleet', fleetStateToParams(route.fleet));
    case 'settings':
      return '#/settings';
    case 'node': {
      const id = validNodeId(route.nodeId);
      const params: Record<string, string> = { range: route.window.range };
      const { fromMs, toMs } = route.window;
      if (fromMs !== undefined && toMs !== undefined) {
        params.from = formatInstant(fromMs);
        params.to = formatInstant(toMs);
      }
      return withQuery(`#/node${id === null ? '' : `/${encodeURIComponent(id)}`}`, params);
    }
    case 'alerts':
      return alertsHash(route.alerts);
    case 'compliance':
      return complianceHash(route.compliance);
  }
}

/** The fleet route with the default filters. */
export const FLEET_ROUTE: Route = { view: 'fleet', fleet: DEFAULT_FLEET_VIEW_STATE };

/**
 * How moving from one route to the next enters history: a new view or node is a step Back can
 * undo ('push'); a new range, window or filter on the same page rewrites the current entry
 * ('replace'), so Back leaves the page instead of stepping through every range tried.
 */
export function historyMode(current: Route | null, next: Route): 'push' | 'replace' {
  if (current === null || current.view !== next.view) return current === null ? 'replace' : 'push';
  if (current.view === 'node' && next.view === 'node') return current.nodeId === null || current.nodeId === next.nodeId ? 'replace' : 'push';
  return 'replace';
}

/**
 * The link to copy: this page's address with the route, and nothing else from the address (no
 * query string: under `serve` an access token only ever arrives there, and it is not for sharing).
 */
export function shareableLink(location: { origin: string; pathname: string; protocol: string; host: string }, route: Route): string {
  // app:// reports origin "null" in some engines: rebuild it from the protocol and host.
  const origin = location.origin && location.origin !== 'null' ? location.origin : `${location.protocol}//${location.host}`;
  return `${origin}${location.pathname}${formatRoute(route)}`;
}

/** The node page's window as the route keeps it: a preset only, or a custom window's bounds too. */
export function routeWindowOf(window: ChartWindow): RouteWindow {
  return window.custom ? { range: window.range, fromMs: window.fromMs, toMs: window.toMs } : { range: window.range };
}

/** The window a route names: its custom bounds, or its preset's live window ending now. */
export function windowOfRoute(window: RouteWindow, nowMs: number): ChartWindow {
  return window.fromMs !== undefined && window.toMs !== undefined ? customWindow(window.fromMs, window.toMs, window.range) : windowFor(window.range, nowMs);
}

/** Whether a window is what the route names (a live preset matches whatever its end). */
export function windowMatchesRoute(window: ChartWindow, route: RouteWindow): boolean {
  if (window.range !== route.range) return false;
  if (route.fromMs === undefined || route.toMs === undefined) return !window.custom;
  return window.custom === true && window.fromMs === route.fromMs && window.toMs === route.toMs;
}
