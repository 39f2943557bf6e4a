/**
 * PDF printing for `serve` and the CLI: the HTML report loaded into the system's Chromium through
 * playwright-core (never a downloaded browser), headless, JavaScript off, offline, every request
 * blocked (the report is self-contained, so nothing it names is fetched), A4 with margins and
 * backgrounds. One browser per print, closed afterwards.
 */
import { existsSync } from 'node:fs';
import type { PdfPrinter } from '../core/reports/types';

/** Where distributions put Chromium (or Chrome), in the order they are tried. */
export const SYSTEM_CHROMIUM_PATHS: readonly string[] = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/snap/bin/chromium',
  '/usr/bin/google-chrome-stable',
  '/usr/bin/google-chrome',
];

const INSTALL_HINT =
  'install Chromium (Debian/Ubuntu: apt-get install chromium; Fedora: dnf install chromium) or set CHROMIUM_PATH to a Chromium or Chrome executable';

/** The Chromium to print with: CHROMIUM_PATH when set, else the first system one found. */
export function findChromium(env: NodeJS.ProcessEnv = process.env, exists: (path: string) => boolean = existsSync): string {
  const configured = env.CHROMIUM_PATH;
  if (configured) {
    if (!exists(configured)) throw new Error(`PDF export: CHROMIUM_PATH=${configured} does not exist; ${INSTALL_HINT}`);
    return configured;
  }
  const found = SYSTEM_CHROMIUM_PATHS.find((path) => exists(path));
  if (!found) throw new Error(`PDF export needs Chromium, and none was found (looked at ${SYSTEM_CHROMIUM_PATHS.join(', ')}): ${INSTALL_HINT}`);
  return found;
}

async function loadPlaywright(): Promise<typeof import('playwright-core')> {
  try {
    return await import('playwright-core');
  } catch (error) {
    throw new Error(`PDF export needs the playwright-core package (npm install playwright-core): ${(error as Error).message}`);
  }
}

const STEP_TIMEOUT_MS = 60_000;

export interface ChromiumPdfOptions {
  /** A Chromium executable; found with findChromium when absent. */
  executablePath?: string;
  env?: NodeJS.ProcessEnv;
}

export function chromiumPdfPrinter(options: ChromiumPdfOptions = {}): PdfPrinter {
  return {
    async print(html: string): Promise<Uint8Array> {
      const executablePath = options.executablePath ?? findChromium(options.env);
      const { chromium } = await loadPlaywright();
      const browser = await chromium.launch({
        executablePath,
        headless: true,
        timeout: STEP_TIMEOUT_MS,
        args: ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      try {
        const context = await browser.newContext({ javaScriptEnabled: false, offline: true, serviceWorkers: 'block' });
        // The page comes from setContent, not from a request: every request is something it names.
        await context.route('**/*', (route) => route.abort('blockedbyclient'));
        const page = await context.newPage();
        await page.setContent(html, { waitUntil: 'load', timeout: STEP_TIMEOUT_MS });
        await page.emulateMedia({ media: 'print' });
        const pdf = await page.pdf({
          format: 'A4',
          printBackground: true,
          margin: { top: '15mm', bottom: '15mm', left: '12mm', right: '12mm' },
        });
        return new Uint8Array(pdf);
      } finally {
        await browser.close();
      }
    },
  };
}
