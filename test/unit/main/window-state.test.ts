import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { silentLogger } from '../../../electron/core/log';
import {
  DEFAULT_WINDOW_STATE,
  fitToDisplays,
  loadWindowState,
  parseWindowState,
  saveWindowState,
  trackWindowState,
  type WindowState,
} from '../../../electron/main/window-state';
import { tempDir } from '../../helpers/tmp';
import { BrowserWindow } from './fake-electron';

const FULL_HD = { x: 0, y: 0, width: 1920, height: 1040 };
const RIGHT_SCREEN = { x: 1920, y: 0, width: 2560, height: 1400 };

describe('loadWindowState', () => {
  it.each([
    ['not JSON', '{"width": 1200,'],
    ['empty', ''],
    ['binary junk', '\u0000\u0001\u0002'],
    ['JSON null', 'null'],
    ['an array', '[1280, 800]'],
    ['wrong types', '{"width":"1280","height":800,"maximized":false}'],
    ['absurd sizes', '{"width":1e9,"height":-5,"maximized":false}'],
    ['fractions and NaN stand-ins', '{"width":1280.5,"height":800,"maximized":"yes"}'],
  ])('gives defaults for a file that is %s', (_what, text) => {
    const file = path.join(tempDir('cd-ws-'), 'window-state.json');
    writeFileSync(file, text);
    expect(loadWindowState(file, silentLogger)).toEqual(DEFAULT_WINDOW_STATE);
  });

  it('gives defaults when there is no file', () => {
    expect(loadWindowState(path.join(tempDir('cd-ws-'), 'none.json'))).toEqual(DEFAULT_WINDOW_STATE);
  });

  it('reads back what was saved, and leaves no temporary file', () => {
    const dir = tempDir('cd-ws-');
    const file = path.join(dir, 'nested', 'window-state.json');
    const state: WindowState = { width: 1400, height: 900, x: 100, y: 50, maximized: true };
    saveWindowState(file, state);
    expect(loadWindowState(file)).toEqual(state);
    expect(readdirSync(path.dirname(file))).toEqual(['window-state.json']);
  });
});

describe('parseWindowState', () => {
  it('keeps a position only as a pair', () => {
    expect(parseWindowState({ width: 1000, height: 700, x: 5, maximized: false })).toEqual({ width: 1000, height: 700, maximized: false });
  });
});

describe('fitToDisplays', () => {
  it('keeps a window that is on a display', () => {
    const state = { width: 1200, height: 800, x: 2000, y: 100, maximized: false };
    expect(fitToDisplays(state, [FULL_HD, RIGHT_SCREEN])).toEqual(state);
  });

  it('drops the position of a window left on a display that is gone', () => {
    const state = { width: 1200, height: 800, x: 2000, y: 100, maximized: true };
    expect(fitToDisplays(state, [FULL_HD])).toEqual({ width: 1200, height: 800, maximized: true });
  });

  it('drops a position whose title bar is off every screen (above, or far left)', () => {
    expect(fitToDisplays({ width: 1200, height: 800, x: 100, y: -790, maximized: false }, [FULL_HD])).not.toHaveProperty('x');
    expect(fitToDisplays({ width: 1200, height: 800, x: -1150, y: 100, maximized: false }, [FULL_HD])).not.toHaveProperty('x');
  });

  it('shrinks a window larger than the largest display', () => {
    expect(fitToDisplays({ width: 5000, height: 3000, maximized: false }, [FULL_HD])).toEqual({ width: 1920, height: 1040, maximized: false });
  });

  it('changes nothing when no display is known', () => {
    const state = { width: 1200, height: 800, x: -5000, y: 0, maximized: false };
    expect(fitToDisplays(state, [])).toEqual(state);
  });
});

describe('trackWindowState', () => {
  it('saves the normal bounds and the maximized flag when the window closes', () => {
    const file = path.join(tempDir('cd-ws-'), 'window-state.json');
    const window = new BrowserWindow({ x: 30, y: 40, width: 1100, height: 750 });
    window.maximized = true;
    trackWindowState(window, file, silentLogger);
    window.close();
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ width: 1100, height: 750, x: 30, y: 40, maximized: true });
  });

  it('logs, and does not throw, when the file cannot be written', () => {
    const dir = tempDir('cd-ws-');
    const warn = vi.fn();
    const window = new BrowserWindow({ width: 1100, height: 750 });
    // A path under a regular file can never be created, even by root.
    writeFileSync(path.join(dir, 'file'), '');
    trackWindowState(window, path.join(dir, 'file', 'window-state.json'), { ...silentLogger, warn });
    expect(() => window.close()).not.toThrow();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining('could not save the window state'));
  });
});
