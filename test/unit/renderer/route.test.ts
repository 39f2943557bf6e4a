import { describe, expect, it } from 'vitest';
import { DEFAULT_FLEET_VIEW_STATE } from '../../../renderer/src/fleet/viewState';
import { customWindow, windowFor } from '../../../renderer/src/ranges';
import {
  FLEET_ROUTE,
  formatRoute,
  historyMode,
  MAX_HASH_LENGTH,
  parseRoute,
  routeWindowOf,
  shareableLink,
  windowMatchesRoute,
  windowOfRoute,
  type Route,
} from '../../../renderer/src/route';

const T0 = Date.UTC(2026, 11, 2, 7, 0, 0);

describe('route round trip', () => {
  const routes: Route[] = [
    FLEET_ROUTE,
    {
      view: 'fleet',
      fleet: {
        filter: { text: 'A100 rack=7', status: 'problems', label: 'zone=b', showRetired: true },
        sort: { key: 'gpuUtil', dir: 'desc' },
        groupBy: 'rack',
      },
    },
    { view: 'node', nodeId: 'gpu-01', window: { range: '1h' } },
    { view: 'node', nodeId: 'weird id/with?#&=%', window: { range: '30d' } },
    { view: 'node', nodeId: null, window: { range: '5m' } },
    { view: 'node', nodeId: 'gpu-01', window: { range: '6h', fromMs: T0, toMs: T0 + 20 * 60_000 } },
    { view: 'node', nodeId: 'gpu-01', window: { range: '24h', fromMs: T0 + 123, toMs: T0 + 3_600_456 } },
    { view: 'settings' },
    { view: 'alerts', alerts: { alertId: 42, nodeId: null, gpu: null } },
    { view: 'alerts', alerts: { alertId: null, nodeId: 'gpu-01', gpu: '3' } },
    { view: 'compliance', compliance: { runId: null } },
    { view: 'compliance', compliance: { runId: 7 } },
  ];
  for (const route of routes) {
    it(`keeps ${formatRoute(route)}`, () => {
      const hash = formatRoute(route);
      expect(hash.startsWith('#/')).toBe(true);
      expect(parseRoute(hash)).toEqual(route);
      // and formats back to the same text
      expect(formatRoute(parseRoute(hash)!)).toBe(hash);
    });
  }

  it('writes readable links', () => {
    expect(formatRoute({ view: 'node', nodeId: 'gpu-01', window: { range: '1h' } })).toBe('#/node/gpu-01?range=1h');
    expect(formatRoute({ view: 'node', nodeId: 'n', window: { range: '6h', fromMs: T0, toMs: T0 + 600_000 } })).toBe(
      '#/node/n?range=6h&from=2026-12-02T07%3A00%3A00Z&to=2026-12-02T07%3A10%3A00Z',
    );
    expect(formatRoute(FLEET_ROUTE)).toBe('#/fleet');
  });

  it('keeps the existing alerts and compliance links', () => {
    expect(parseRoute('#/alerts/12')).toEqual({ view: 'alerts', alerts: { alertId: 12, nodeId: null, gpu: null } });
    expect(parseRoute('#/alerts?node=a&gpu=1')).toEqual({ view: 'alerts', alerts: { alertId: null, nodeId: 'a', gpu: '1' } });
    expect(parseRoute('#/compliance/run/3')).toEqual({ view: 'compliance', compliance: { runId: 3 } });
    expect(parseRoute('#/compliance')).toEqual({ view: 'compliance', compliance: { runId: null } });
  });
});

describe('hostile or broken hashes', () => {
  it('reads no route from nothing, unknown views and over-long text', () => {
    for (const hash of ['', '#', '#/', '#/nope', '#/fleet/extra', '#/node/a/b', '#javascript:alert(1)', `#/node/${'a'.repeat(MAX_HASH_LENGTH)}`]) {
      expect(parseRoute(hash)).toBeNull();
    }
  });

  it('drops a bad node id but keeps the view', () => {
    expect(parseRoute('#/node/%E0%A4%A')).toEqual({ view: 'node', nodeId: null, window: { range: '5m' } });
    expect(parseRoute('#/node/a%00b')).toEqual({ view: 'node', nodeId: null, window: { range: '5m' } });
    expect(parseRoute(`#/node/${'x'.repeat(257)}`)).toEqual({ view: 'node', nodeId: null, window: { range: '5m' } });
    // markup is just a (strange) id: it is rendered as text, never as HTML
    expect(parseRoute('#/node/%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E')).toMatchObject({ nodeId: '<img src=x onerror=alert(1)>' });
  });

  it('reads a bad range as the default and a bad custom window as none', () => {
    const windowOf = (hash: string) => (parseRoute(hash) as Extract<Route, { view: 'node' }>).window;
    expect(windowOf('#/node/a?range=1y')).toEqual({ range: '5m' });
    expect(windowOf('#/node/a?range=__proto__')).toEqual({ range: '5m' });
    expect(windowOf('#/node/a?range=1h&from=2026-12-02T07:00:00Z')).toEqual({ range: '1h' });
    expect(windowOf('#/node/a?range=1h&from=2026-12-02T08:00:00Z&to=2026-12-02T07:00:00Z')).toEqual({ range: '1h' });
    expect(windowOf('#/node/a?range=1h&from=1700000000000&to=1700000600000')).toEqual({ range: '1h' });
    expect(windowOf('#/node/a?range=1h&from=2026-12-02T07:00:00%2B02:00&to=2026-12-02T08:00:00Z')).toEqual({ range: '1h' });
    expect(windowOf('#/node/a?range=1h&from=1900-01-01T00:00:00Z&to=1900-01-01T01:00:00Z')).toEqual({ range: '1h' });
    expect(windowOf('#/node/a?range=1h&from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z')).toEqual({ range: '1h' });
    // shorter or longer than the range selector allows
    expect(windowOf('#/node/a?range=1h&from=2026-12-02T07:00:00Z&to=2026-12-02T07:01:00Z')).toEqual({ range: '1h' });
    expect(windowOf('#/node/a?range=1h&from=2026-01-01T00:00:00Z&to=2026-12-01T00:00:00Z')).toEqual({ range: '1h' });
    expect(windowOf('#/node/a?range=1h&from=2026-02-31T00:00:00Z&to=2026-03-05T00:00:00Z')).toEqual({ range: '1h' });
  });

  it('reads unknown or malformed fleet parameters as the defaults', () => {
    expect(parseRoute('#/fleet?status=evil&sort=-nope&zzz=1')).toEqual(FLEET_ROUTE);
    expect(parseRoute(`#/fleet?q=${'a'.repeat(300)}`)).toEqual({ view: 'fleet', fleet: DEFAULT_FLEET_VIEW_STATE });
  });
});

describe('history', () => {
  const node = (nodeId: string | null, range: '5m' | '1h' = '5m'): Route => ({ view: 'node', nodeId, window: { range } });
  it('pushes a new view or node and replaces a new range or filter', () => {
    expect(historyMode(FLEET_ROUTE, node('a'))).toBe('push');
    expect(historyMode(node('a'), node('b'))).toBe('push');
    expect(historyMode(node('a'), node('a', '1h'))).toBe('replace');
    expect(historyMode(FLEET_ROUTE, { view: 'fleet', fleet: { ...DEFAULT_FLEET_VIEW_STATE, groupBy: 'rack' } })).toBe('replace');
    // the first route (landing) and a node filled in once the list arrives are not steps
    expect(historyMode(null, FLEET_ROUTE)).toBe('replace');
    expect(historyMode(node(null), node('a'))).toBe('replace');
  });
});

describe('shareable link', () => {
  it('is the page and the route, never a query string (where serve takes its token)', () => {
    const link = shareableLink(
      { origin: 'http://127.0.0.1:7070', protocol: 'http:', host: '127.0.0.1:7070', pathname: '/' },
      { view: 'node', nodeId: 'gpu-01', window: { range: '1h' } },
    );
    expect(link).toBe('http://127.0.0.1:7070/#/node/gpu-01?range=1h');
    expect(shareableLink({ origin: 'null', protocol: 'app:', host: 'clusterdeck', pathname: '/index.html' }, FLEET_ROUTE)).toBe(
      'app://clusterdeck/index.html#/fleet',
    );
  });
});

describe('windows and routes', () => {
  it('keeps a custom window exactly and a preset as its live window', () => {
    const custom = customWindow(T0, T0 + 20 * 60_000, '6h');
    expect(windowOfRoute(routeWindowOf(custom), T0 + 86_400_000)).toEqual(custom);
    expect(windowOfRoute(routeWindowOf(windowFor('1h', T0)), T0 + 5000)).toEqual(windowFor('1h', T0 + 5000));
  });

  it('says whether the shown window is the one the route names', () => {
    const custom = customWindow(T0, T0 + 20 * 60_000, '6h');
    expect(windowMatchesRoute(custom, routeWindowOf(custom))).toBe(true);
    expect(windowMatchesRoute(windowFor('1h', T0), { range: '1h' })).toBe(true);
    expect(windowMatchesRoute(windowFor('1h', T0), { range: '6h' })).toBe(false);
    expect(windowMatchesRoute(custom, { range: '6h' })).toBe(false);
    expect(windowMatchesRoute(windowFor('6h', T0), routeWindowOf(custom))).toBe(false);
  });
});
