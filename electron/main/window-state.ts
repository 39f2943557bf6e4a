/**
 * Remembers the main window's size, position and maximized state in userData. What is read
 * back is validated and moved onto a display that still exists; anything odd gives defaults.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import type { Logger } from '../core/log';

export const WINDOW_STATE_FILE_NAME = 'window-state.json';

export interface WindowState {
  width: number;
  height: number;
  /** Absent: let the window manager place it. */
  x?: number;
  y?: number;
  maximized: boolean;
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export const DEFAULT_WINDOW_STATE: Readonly<WindowState> = { width: 1280, height: 800, maximized: false };
const MIN_WIDTH = 720;
const MIN_HEIGHT = 480;
/** How much of the window (its top-left part, where the title bar is) must be on a display. */
const MIN_VISIBLE = 100;

const Coordinate = z.number().int().min(-100_000).max(100_000);
const WindowStateSchema = z.object({
  width: z.number().int().min(MIN_WIDTH).max(100_000),
  height: z.number().int().min(MIN_HEIGHT).max(100_000),
  x: Coordinate.optional(),
  y: Coordinate.optional(),
  maximized: z.boolean(),
});

/** A saved state, or defaults when it is not one. */
export function parseWindowState(raw: unknown): WindowState {
  const parsed = WindowStateSchema.safeParse(raw);
  if (!parsed.success) return { ...DEFAULT_WINDOW_STATE };
  const { width, height, x, y, maximized } = parsed.data;
  // Position only as a pair.
  return x !== undefined && y !== undefined ? { width, height, x, y, maximized } : { width, height, maximized };
}

function visibleOn(state: WindowState, area: Rect): boolean {
  if (state.x === undefined || state.y === undefined) return false;
  const left = Math.max(state.x, area.x);
  const top = Math.max(state.y, area.y);
  const right = Math.min(state.x + Math.min(state.width, MIN_VISIBLE), area.x + area.width);
  const bottom = Math.min(state.y + Math.min(state.height, MIN_VISIBLE), area.y + area.height);
  return right - left >= Math.min(state.width, MIN_VISIBLE) / 2 && bottom - top >= Math.min(state.height, MIN_VISIBLE) / 2;
}

/**
 * Keeps the window reachable: a position whose title bar is on no display's work area is
 * dropped (the window manager centres it), and the size is capped to the largest work area.
 */
export function fitToDisplays(state: WindowState, workAreas: readonly Rect[]): WindowState {
  if (workAreas.length === 0) return state;
  const maxWidth = Math.max(...workAreas.map((a) => a.width));
  const maxHeight = Math.max(...workAreas.map((a) => a.height));
  const width = Math.max(Math.min(state.width, maxWidth), Math.min(MIN_WIDTH, maxWidth));
  const height = Math.max(Math.min(state.height, maxHeight), Math.min(MIN_HEIGHT, maxHeight));
  const sized: WindowState = { ...state, width, height };
  if (state.x !== undefined && workAreas.some((area) => visibleOn(sized, area))) return sized;
  return { width, height, maximized: state.maximized };
}

export function loadWindowState(filePath: string, log?: Logger): WindowState {
  let text: string;
  try {
    text = readFileSync(filePath, 'utf8');
  } catch {
    return { ...DEFAULT_WINDOW_STATE };
  }
  try {
    return parseWindowState(JSON.parse(text));
  } catch {
    log?.warn(`ignoring unreadable window state in ${filePath}`);
    return { ...DEFAULT_WINDOW_STATE };
  }
}

/** Written to a temporary file and renamed, so a crash mid-write leaves the old file. */
export function saveWindowState(filePath: string, state: WindowState): void {
  mkdirSync(dirname(filePath), { recursive: true });
  const temporary = `${filePath}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(state)}\n`, { mode: 0o600 });
  renameSync(temporary, filePath);
}

/** The part of a BrowserWindow this module reads. */
export interface TrackedWindow {
  getNormalBounds(): Rect;
  isMaximized(): boolean;
  on(event: 'close', listener: () => void): unknown;
}

/** Saves the state when the window closes (normal bounds, so un-maximizing restores them). */
export function trackWindowState(window: TrackedWindow, filePath: string, log: Logger): void {
  window.on('close', () => {
    const bounds = window.getNormalBounds();
    const state = parseWindowState({ ...bounds, maximized: window.isMaximized() });
    try {
      saveWindowState(filePath, state);
    } catch (error) {
      log.warn(`could not save the window state to ${filePath}: ${(error as Error).message}`);
    }
  });
}
