/**
 * PDF: the HTML report printed by the Chromium the caller hands in (`context.pdf`): Electron's
 * printToPDF in the desktop app, playwright-core with the system Chromium in `serve` and the CLI.
 * The format itself never launches a browser.
 */
import type { ReportFormatter } from '../types';
import { renderHtml } from './html';

export const pdfFormatter: ReportFormatter = {
  format: 'pdf',
  extension: 'pdf',
  mime: 'application/pdf',
  async render(model, context) {
    if (!context.pdf)
      throw new Error('PDF is not available: no Chromium was given to print with (in serve and the CLI, install Chromium or set CHROMIUM_PATH)');
    return context.pdf.print(renderHtml(model));
  },
};
