import { inflateSync } from 'node:zlib';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { EngineStatus } from '../../../shared/contract';
import { createStatusTray, trayTooltip, trayVariant } from '../../../electron/main/tray';
import { TRAY_COLORS, encodePng, renderDotPng } from '../../../electron/main/tray-icon';
import * as electron from './fake-electron';

vi.mock('electron', () => import('./fake-electron.js'));

beforeEach(() => electron.resetFakeElectron());

const status = (overrides: Partial<EngineStatus>): EngineStatus => ({
  state: 'running',
  ticks: 3,
  lastTickAt: Date.UTC(2026, 0, 1, 12, 0, 5),
  lastTickDurationMs: 40,
  lastError: null,
  storage: { state: 'ok', message: null, since: null, bufferedTicks: 0, droppedSamples: 0, outOfOrderSamples: 0, corruptChunks: 0 },
  ...overrides,
});
const utcTime = (ms: number) => new Date(ms).toISOString().slice(11, 19);

describe('tray text and variant', () => {
  it('maps engine states to three icons', () => {
    expect(trayVariant('running')).toBe('running');
    expect(trayVariant('degraded')).toBe('degraded');
    expect(trayVariant('starting')).toBe('degraded');
    expect(trayVariant('stopped')).toBe('stopped');
    // The engine is fine but nodes are down: not green.
    expect(trayVariant('running', 2)).toBe('degraded');
    expect(trayVariant('running', 0)).toBe('running');
    expect(trayVariant('stopped', 2)).toBe('stopped');
  });

  it('names the nodes that are down while the engine itself runs', () => {
    const nodes = {
      total: 5,
      troubled: 2,
      nodes: [
        { id: 'gpu-01', status: 'unreachable' as const, lastError: 'timed out' },
        { id: 'gpu-07', status: 'auth-failed' as const, lastError: null },
      ],
    };
    expect(trayTooltip(status({ nodes }), utcTime)).toBe('Clusterdeck: running; 2 nodes down: gpu-01, gpu-07, last tick 12:00:05');
  });

  it('says the state and the last tick', () => {
    expect(trayTooltip(status({}), utcTime)).toBe('Clusterdeck: running, last tick 12:00:05');
    expect(trayTooltip(status({ state: 'starting', lastTickAt: null }), utcTime)).toBe('Clusterdeck: starting, no tick yet');
    expect(trayTooltip(status({ state: 'stopped' }), utcTime)).toBe('Clusterdeck: stopped, last tick 12:00:05');
  });

  it('names the problem when degraded, cut to fit the Windows tooltip limit', () => {
    expect(trayTooltip(status({ state: 'degraded', lastError: 'gpu: nvidia-smi timed out' }), utcTime)).toBe(
      'Clusterdeck: degraded (gpu: nvidia-smi timed out), last tick 12:00:05',
    );
    const long = trayTooltip(status({ state: 'degraded', lastError: 'x'.repeat(500) }), utcTime);
    expect(long.length).toBeLessThanOrEqual(127);
    expect(long).toMatch(/^Clusterdeck: degraded \(x+…\), last tick 12:00:05$/);
  });
});

describe('tray icons', () => {
  it('are valid PNGs of the requested size, in the state colour', () => {
    const png = renderDotPng(32, TRAY_COLORS.degraded);
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.readUInt32BE(16)).toBe(32);
    expect(png.readUInt32BE(20)).toBe(32);
    // IDAT is the second chunk: 8 (signature) + 25 (IHDR) bytes in.
    const idatLength = png.readUInt32BE(33);
    expect(png.toString('ascii', 37, 41)).toBe('IDAT');
    const raw = inflateSync(png.subarray(41, 41 + idatLength));
    expect(raw.length).toBe((32 * 4 + 1) * 32);
    const centre = 16 * (32 * 4 + 1) + 1 + 16 * 4;
    expect([...raw.subarray(centre, centre + 4)]).toEqual([...TRAY_COLORS.degraded, 255]);
    expect(raw[1 + 3]).toBe(0); // the corner is transparent
  });

  it('refuses pixel data of the wrong size', () => {
    expect(() => encodePng(2, 2, new Uint8Array(3))).toThrow(RangeError);
  });
});

describe('createStatusTray', () => {
  it('shows the state, changes the icon only when the state changes, and wires its menu', () => {
    const actions = { showWindow: vi.fn(), quit: vi.fn() };
    const statusTray = createStatusTray(status({ state: 'starting', lastTickAt: null }), actions);
    const [tray] = electron.Tray.instances;
    expect(tray!.tooltip).toBe('Clusterdeck: starting, no tick yet');

    statusTray.update(status({ state: 'degraded', lastError: 'boom' }));
    expect(tray!.setImage).not.toHaveBeenCalled(); // starting and degraded share an icon
    statusTray.update(status({}));
    statusTray.update(status({ ticks: 4 }));
    expect(tray!.setImage).toHaveBeenCalledTimes(1);
    expect(tray!.tooltip).toMatch(/^Clusterdeck: running, last tick /);

    const items = tray!.menu!.items.filter((item) => item.label);
    expect(items.map((item) => item.label)).toEqual(['Show window', 'Quit Clusterdeck']);
    items[0]!.click!();
    items[1]!.click!();
    expect(actions.showWindow).toHaveBeenCalledTimes(1);
    expect(actions.quit).toHaveBeenCalledTimes(1);

    statusTray.destroy();
    expect(tray!.destroyed).toBe(true);
    expect(() => statusTray.update(status({ state: 'stopped' }))).not.toThrow();
  });
});
