/**
 * PDF printing in the desktop app: Electron's printToPDF in a hidden, sandboxed window with
 * JavaScript off, in its own in-memory session where every request but the report file itself
 * is cancelled (the report is self-contained). The HTML goes through a temporary file rather
 * than a data: URL, since Chromium caps URLs at 2 MiB and a fleet report can be larger.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BrowserWindow } from 'electron';
import type { PdfPrinter } from '../core/reports/types';

/** In-memory (no `persist:`), used for nothing else. */
export const PDF_PARTITION = 'clusterdeck-pdf';

/** The report files being printed right now: the only URLs the print session loads. */
const printing = new Set<string>();

export function electronPdfPrinter(tempRoot: string = tmpdir()): PdfPrinter {
  return {
    async print(html: string): Promise<Uint8Array> {
      const dir = await mkdtemp(join(tempRoot, 'clusterdeck-pdf-'));
      const file = join(dir, 'report.html');
      const url = pathToFileURL(file).href;
      await writeFile(file, html, { encoding: 'utf8', mode: 0o600 });
      const win = new BrowserWindow({
        show: false,
        width: 1024,
        height: 1400,
        webPreferences: {
          sandbox: true,
          javascript: false,
          contextIsolation: true,
          nodeIntegration: false,
          webSecurity: true,
          webviewTag: false,
          spellcheck: false,
          partition: PDF_PARTITION,
        },
      });
      printing.add(url);
      try {
        const contents = win.webContents;
        contents.session.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !printing.has(details.url) }));
        contents.setWindowOpenHandler(() => ({ action: 'deny' }));
        contents.on('will-navigate', (event) => event.preventDefault());
        await win.loadURL(url);
        const pdf = await contents.printToPDF({
          pageSize: 'A4',
          printBackground: true,
          margins: { top: 0.6, bottom: 0.6, left: 0.5, right: 0.5 },
        });
        return new Uint8Array(pdf);
      } finally {
        printing.delete(url);
        if (!win.isDestroyed()) win.destroy();
        await rm(dir, { recursive: true, force: true });
      }
    },
  };
}
