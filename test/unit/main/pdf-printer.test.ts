// The desktop's PDF printer over (fake) Electron: a hidden, sandboxed window with JavaScript off
// in its own in-memory session, the report loaded from a temporary file (the only URL let
// through), printed A4 with backgrounds; the window and the file are gone afterwards.
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { electronPdfPrinter, PDF_PARTITION } from '../../../electron/main/pdf-printer';
import * as electron from './fake-electron';

vi.mock('electron', () => import('./fake-electron.js'));

beforeEach(() => electron.resetFakeElectron());

const HTML = '<!DOCTYPE html><html><body><h1>Report ü</h1><img src="https://example.com/x.png"></body></html>';

/** Checks made while the page is loaded: what the file holds, which requests pass. */
function inspectOnLoad() {
  const seen: { html?: string; allowed: Record<string, boolean> } = { allowed: {} };
  return {
    seen,
    hook(win: electron.BrowserWindow) {
      win.loadURL.mockImplementation(async (url: string) => {
        seen.html = readFileSync(fileURLToPath(url), 'utf8');
        const listener = win.webContents.session.webRequest.beforeRequest!;
        for (const candidate of [url, 'https://example.com/x.png', 'file:///etc/passwd', `${url}?x`]) {
          listener({ url: candidate }, (response) => (seen.allowed[candidate === url ? 'self' : candidate] = !response.cancel));
        }
      });
    },
  };
}

describe('electronPdfPrinter', () => {
  it('prints the HTML from a temporary file in a hidden, sandboxed window with JavaScript off, letting only that file load', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pdf-printer-'));
    const { seen, hook } = inspectOnLoad();
    electron.BrowserWindow.onCreate = hook;
    const pdf = await electronPdfPrinter(root).print(HTML);
    const win = electron.BrowserWindow.instances[0]!;

    expect(Buffer.from(pdf).toString('latin1')).toBe('%PDF-1.7 fake\n');
    expect(win.options).toMatchObject({
      show: false,
      webPreferences: { sandbox: true, javascript: false, contextIsolation: true, nodeIntegration: false, webSecurity: true, partition: PDF_PARTITION },
    });
    expect(PDF_PARTITION.startsWith('persist:')).toBe(false);
    expect(seen.html).toBe(HTML);
    expect(seen.allowed).toEqual({
      self: true,
      'https://example.com/x.png': false,
      'file:///etc/passwd': false,
      [`${win.loadURL.mock.calls[0]![0]}?x`]: false,
    });
    expect(win.webContents.printToPDF).toHaveBeenCalledWith(expect.objectContaining({ pageSize: 'A4', printBackground: true }));
    expect(win.webContents.windowOpenHandler!({ url: 'https://example.com' })).toEqual({ action: 'deny' });
    expect(win.webContents.emitCancellable('will-navigate', 'https://example.com')).toBe(true);
    expect(win.isDestroyed()).toBe(true);
    expect(readdirSync(root)).toEqual([]);
  });

  it('cleans up the window and the file when printing fails', async () => {
    const root = mkdtempSync(join(tmpdir(), 'pdf-printer-'));
    electron.BrowserWindow.onCreate = (created) => created.webContents.printToPDF.mockRejectedValueOnce(new Error('printing failed'));
    await expect(electronPdfPrinter(root).print(HTML)).rejects.toThrow('printing failed');
    const win = electron.BrowserWindow.instances[0]!;
    expect(win.isDestroyed()).toBe(true);
    expect(readdirSync(root)).toEqual([]);
    expect(existsSync(root)).toBe(true);
  });
});
