// Prometheus sources in Settings, in Debian's Chromium against `clusterdeck serve`: a real
// Prometheus scraping a real node exporter (this machine: it merges with serve's own local node)
// and a dcgm-exporter capture (a second node, `localhost`) is added from the form (field errors on their field,
// Test connection classifying a closed port, then connecting with the node count), saved into
// config.yaml with its comments kept, its health and node shown, its node in the fleet without a
// restart; removed with a confirmation. Under serve the form says secrets are files.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isNetworkChangeNoise, launchChromium } from '../helpers/browser';
import { ROOT, isolatedEnv, startServe, type ServeProcess } from '../helpers/cli';
import { startNodeExporter, startPrometheus, type NodeExporterLab, type PrometheusLab } from '../helpers/prometheus';

const RESULTS = join(ROOT, 'test-results');
const DCGM_CAPTURE = join(ROOT, 'test', 'fixtures', 'prometheus', 'dcgm-exporter', 'tesla-t4-drv460.106.00-exporter2x.datadog.prom');
const CONFIG_TEXT = ['# Kept by hand: this comment must survive adding and removing a source.', 'collection:', '  intervalMs: 2000', ''].join('\n');

let exporter: NodeExporterLab;
let dcgm: http.Server;
let prometheus: PrometheusLab;
let serve: ServeProcess;
let browser: Browser;
let configPath: string;
const problems: string[] = [];

beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  exporter = await startNodeExporter();
  dcgm = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(readFileSync(DCGM_CAPTURE)));
  await new Promise<void>((resolve) => dcgm.listen(0, '127.0.0.1', resolve));
  const dcgmPort = (dcgm.address() as { port: number }).port;
  prometheus = await startPrometheus({
    jobs: [
      { job: 'node', targets: [exporter.address] },
      { job: 'dcgm', targets: [`localhost:${dcgmPort}`] },
    ],
  });
  const env = isolatedEnv();
  configPath = join(env.XDG_CONFIG_HOME!, 'clusterdeck', 'config.yaml');
  mkdirSync(join(env.XDG_CONFIG_HOME!, 'clusterdeck'), { recursive: true });
  writeFileSync(configPath, CONFIG_TEXT);
  serve = await startServe([], env);
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await prometheus?.stop();
  await exporter?.stop();
  dcgm?.closeAllConnections();
  await new Promise((resolve) => (dcgm ? dcgm.close(resolve) : resolve(undefined)));
});

function watchProblems(page: Page): void {
  page.on('console', (message) => {
    if (message.type() === 'error' && !isNetworkChangeNoise(message.text())) problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
}

describe('Prometheus sources in Settings', () => {
  let page: Page;
  beforeAll(async () => {
    page = await browser.newPage({ viewport: { width: 1440, height: 1400 }, colorScheme: 'light' });
    watchProblems(page);
  });
  afterAll(async () => {
    await page?.close();
  });

  it('adds a source, tests it, sees its health and node, and removes it', async () => {
    await page.goto(serve.url);
    await page.getByTestId('app-ready').waitFor({ timeout: 30_000 });
    await page.getByTestId('settings-open').click();
    const section = page.getByTestId('settings-sources');
    await section.waitFor({ timeout: 15_000 });
    await page.getByTestId('source-add').click();
    const form = page.getByTestId('source-form');
    await form.waitFor();

    // Under serve there is no keychain: a bearer token is a file, and the form says so.
    await page.getByTestId('source-auth').selectOption('bearer');
    await page.getByTestId('source-files-only').waitFor();
    expect(await page.getByTestId('source-token').count()).toBe(0);
    await page.getByTestId('source-tokenFile').waitFor();
    await page.getByTestId('source-auth').selectOption('none');

    // Problems are attached to their fields.
    await page.getByTestId('source-id').fill('lab-prom');
    // Port 9 (discard): no service listens there (a port from freePort() could be taken by another test meanwhile).
    await page.getByTestId('source-url').fill('http://127.0.0.1:9');
    await page.getByTestId('source-tenant').fill('team a');
    await page.getByTestId('source-test').click();
    await expect.poll(() => page.getByTestId('source-tenant').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('source-url').getAttribute('aria-invalid')).toBe('false');
    await page.getByTestId('source-tenant').fill('');

    // A closed port: classified, nothing saved.
    await page.getByTestId('source-test').click();
    const result = page.getByTestId('source-test-result');
    await result.waitFor({ timeout: 15_000 });
    expect(await result.getAttribute('data-ok')).toBe('false');
    expect(await result.getAttribute('data-error-kind')).toBe('unreachable');
    expect(await result.textContent()).toMatch(/connection refused/);

    await page.getByTestId('source-url').fill(prometheus.url);
    await page.getByTestId('source-test').click();
    await expect.poll(() => result.getAttribute('data-ok'), { timeout: 15_000 }).toBe('true');
    // Two nodes in the source: this machine (node exporter) and localhost (GPUs only).
    expect(await result.textContent()).toMatch(/2 nodes with node_exporter or DCGM series/);
    await form.screenshot({ path: join(RESULTS, 'settings-source-form.png') });

    await page.getByTestId('source-save').click();
    const row = page.getByTestId('source-row-lab-prom');
    await row.waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('source-form').count()).toBe(0);
    const written = readFileSync(configPath, 'utf8');
    expect(written).toContain('# Kept by hand: this comment must survive adding and removing a source.');
    expect(written).toContain('id: lab-prom');
    expect(written).toContain(`url: ${prometheus.url}`);

    // Health as the engine's ticks read it (the list is read again every few seconds); one node
    // joins: the other is this machine, which serve already collects itself.
    const health = page.getByTestId('source-health-lab-prom');
    await expect.poll(() => health.getAttribute('data-state'), { timeout: 30_000, message: serve.stderr() }).toBe('ok');
    await expect.poll(() => page.getByTestId('source-nodes-lab-prom').textContent(), { timeout: 30_000 }).toBe('1');
    // How long a tick's queries took, in time for the tick.
    const answer = page.getByTestId('source-answer-lab-prom');
    await expect.poll(() => answer.getAttribute('data-late'), { timeout: 30_000 }).toBe('false');
    expect(await answer.textContent()).toMatch(/^ · a tick's queries answered in \d+(\.\d+)? (ms|s)$/);
    await page.screenshot({ path: join(RESULTS, 'settings-sources.png'), fullPage: true });

    // Its node is in the fleet, without a restart.
    await page.getByTestId('nav-fleet').click();
    await page.getByTestId('node-link-localhost').waitFor({ timeout: 30_000 });

    await page.getByTestId('settings-open').click();
    await page.getByTestId('source-remove-lab-prom').click();
    await page.getByTestId('remove-source-dialog').waitFor();
    await page.getByTestId('remove-source-confirm').click();
    await expect.poll(() => page.getByTestId('source-row-lab-prom').count(), { timeout: 15_000 }).toBe(0);
    expect(readFileSync(configPath, 'utf8')).toBe(CONFIG_TEXT);
    expect(problems.filter((p) => !/favicon|status of 400/.test(p))).toEqual([]);
  }, 120_000);
});
