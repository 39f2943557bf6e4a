// The PDF report: a real stored run (the built-in policy over this machine) rendered as HTML and
// printed by Debian's Chromium through playwright-core, then read back with poppler: pdftotext
// finds the node names and the check titles, pdftoppm renders the first page. The printer is
// offline (nothing the page names is fetched), and a missing Chromium is a clear error.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdfFormatter } from '../../electron/core/reports/formats/pdf';
import type { ReportModel } from '../../electron/core/reports/types';
import { chromiumPdfPrinter, findChromium } from '../../electron/server/pdf-printer';
import { HOSTILE, modelOf, NODE, realStoredRun } from '../unit/reports/real-run';

const PDFTOTEXT = '/usr/bin/pdftotext';
const PDFTOPPM = '/usr/bin/pdftoppm';

let dir: string;
let model: ReportModel;
let pdfPath: string;

beforeAll(async () => {
  for (const tool of [PDFTOTEXT, PDFTOPPM]) if (!existsSync(tool)) throw new Error(`${tool} is missing: install poppler-utils`);
  dir = mkdtempSync(join(tmpdir(), 'report-pdf-'));
  model = modelOf(await realStoredRun());
  const bytes = await pdfFormatter.render(model, { pdf: chromiumPdfPrinter() });
  pdfPath = join(dir, 'report.pdf');
  writeFileSync(pdfPath, bytes);
}, 180_000);

/** The PDF's text, one space for every run of white space (lines wrap where the page ends). */
function pdfText(path: string): string {
  return execFileSync(PDFTOTEXT, ['-enc', 'UTF-8', path, '-'], { encoding: 'utf8' }).replace(/\s+/g, ' ');
}

describe('PDF report printed by the system Chromium', () => {
  it('is a PDF whose text holds the node names and the check titles', () => {
    expect(Buffer.from(readFileSync(pdfPath).subarray(0, 5)).toString('latin1')).toBe('%PDF-');
    const text = pdfText(pdfPath);
    expect(text).toContain(`${NODE} `);
    expect(text).toContain(HOSTILE.replace(/\s+/g, ' '));
    expect(model.checks.length).toBeGreaterThan(10);
    for (const check of model.checks) expect(text).toContain(check.title.replace(/\s+/g, ' '));
  });

  it('renders its first page with pdftoppm', () => {
    execFileSync(PDFTOPPM, ['-png', '-r', '50', '-f', '1', '-l', '1', pdfPath, join(dir, 'page')]);
    const png = ['page-1.png', 'page-01.png', 'page-001.png'].map((name) => join(dir, name)).find((path) => existsSync(path));
    expect(png).toBeDefined();
    expect(statSync(png!).size).toBeGreaterThan(1000);
    expect(readFileSync(png!).subarray(1, 4).toString('latin1')).toBe('PNG');
  });
});

describe('chromiumPdfPrinter', () => {
  let server: Server;
  let hits = 0;
  beforeAll(async () => {
    server = createServer((_request, response) => {
      hits += 1;
      response.end('x');
    });
    await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  });
  afterAll(() => new Promise<void>((closed) => server.close(() => closed())));

  it('fetches nothing the page names (images, style sheets, frames)', async () => {
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    // Reachable: the server answers a direct request.
    await fetch(`${url}/probe`);
    expect(hits).toBe(1);
    const html = `<!DOCTYPE html><html><head><link rel="stylesheet" href="${url}/style.css"></head><body><h1>Offline page</h1><img src="${url}/a.png"><iframe src="${url}/frame"></iframe></body></html>`;
    const pdf = await chromiumPdfPrinter().print(html);
    const path = join(dir, 'offline.pdf');
    writeFileSync(path, pdf);
    expect(pdfText(path)).toContain('Offline page');
    expect(hits).toBe(1);
  }, 60_000);

  it('names what to install when no Chromium is found, and a CHROMIUM_PATH that does not exist', () => {
    expect(() => findChromium({}, () => false)).toThrow(/needs Chromium.*apt-get install chromium.*CHROMIUM_PATH/);
    expect(() => findChromium({ CHROMIUM_PATH: '/nonexistent/chrome' })).toThrow('CHROMIUM_PATH=/nonexistent/chrome does not exist');
    expect(findChromium({ CHROMIUM_PATH: '/usr/bin/chromium' })).toBe('/usr/bin/chromium');
    expect(findChromium({}, (path) => path === '/usr/bin/google-chrome')).toBe('/usr/bin/google-chrome');
  });

  it('refuses to print without a printer in the context (the format never launches a browser)', async () => {
    await expect(pdfFormatter.render(model, {})).rejects.toThrow(/PDF is not available: no Chromium/);
  });
});
