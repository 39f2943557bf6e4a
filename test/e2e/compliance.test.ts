// The compliance page in Debian's Chromium against `clusterdeck serve`, with the audit lab's two
// real SSH hosts (test/helpers/audit-lab.ts): `hardened` and `weak`. From the page: run the
// built-in gpu-node-baseline on both, watch the progress bar reach the end (audit:progress events),
// see the matrix fill (weak's shadow file has an account with an empty password: gnb-acct-002
// fails there and passes on hardened), open that result's detail with its evidence, waive it
// (it shows as waived, never as passed), then export CSV and HTML reports through the Export
// dialog and read the files the browser saved.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { parse } from 'csv-parse/sync';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SshNode } from '../../shared/model/inventory';
import { AUDIT_HOSTS, createAuditLab } from '../helpers/audit-lab';
import { isNetworkChangeNoise, launchChromium } from '../helpers/browser';
import { ROOT, isolatedEnv, startServe, type ServeProcess } from '../helpers/cli';
import type { SshLab } from '../helpers/ssh-lab';

const RESULTS = join(ROOT, 'test-results');
/** weak's /etc/shadow has `toor` with an empty hash; hardened's has none (test/fixtures/compliance/expected-verdicts.json). */
const FAILING = 'gnb-acct-002';
const FAILING_TITLE = 'No account has an empty password';

let lab: SshLab;
let serve: ServeProcess;
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  lab = await createAuditLab();
  // This machine as a node without GPUs (no nvidia-smi on PATH), its own config, data and home.
  const path = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir && !existsSync(join(dir, 'nvidia-smi')));
  const env = isolatedEnv({ PATH: path.join(delimiter), HOME: mkdtempSync(join(tmpdir(), 'cd-e2e-home-')) });
  const dataDir = join(env.XDG_DATA_HOME!, 'clusterdeck');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(
    join(dataDir, 'known_hosts'),
    lab
      .hosts()
      .map((h) => `${h.hostPublicKeyLine}\n`)
      .join(''),
  );
  serve = await startServe(['--db', join(dataDir, 'compliance-e2e.db')], env);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme: 'light', acceptDownloads: true });
  page.on('console', (message) => {
    if (message.type() === 'error' && !isNetworkChangeNoise(message.text())) problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
}, 180_000);

afterAll(async () => {
  await page?.close();
  await browser?.close();
  await serve?.stop();
  await lab?.dispose();
});

async function addNode(node: SshNode): Promise<void> {
  const answer = await page.evaluate(
    async (body) => {
      const response = await fetch('api/call/nodes:add', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
      return (await response.json()) as { ok: boolean; error?: { message: string } };
    },
    { node },
  );
  expect(answer.ok, answer.error?.message).toBe(true);
}

const cell = (nodeId: string, checkId: string) => page.getByTestId(`compliance-cell-${nodeId}-${checkId}`);
const statusOf = async (nodeId: string, checkId: string) =>
  (await cell(nodeId, checkId).count()) === 0 ? null : cell(nodeId, checkId).getAttribute('data-status');

/** Exports the shown run in a format through the dialog; the saved file's text. */
async function exportReport(format: 'csv' | 'html'): Promise<{ name: string; text: string }> {
  await page.getByTestId('compliance-export-open').click();
  await page.getByTestId('export-dialog').waitFor();
  await page.getByTestId('export-format').selectOption(format);
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByTestId('export-submit').click()]);
  const saved = await download.path();
  await expect.poll(() => page.getByTestId('export-dialog').count()).toBe(0);
  return { name: download.suggestedFilename(), text: readFileSync(saved, 'utf8') };
}

describe('the compliance page in the browser', () => {
  it('runs the built-in policy on the chosen nodes with progress to the end; the matrix fills', async () => {
    await page.goto(serve.url);
    await page.getByTestId('app-ready').waitFor({ timeout: 30_000 });
    for (const name of AUDIT_HOSTS) {
      const host = lab.host(name);
      await addNode({
        id: name,
        host: host.address,
        port: host.port,
        user: host.user,
        identityFiles: [host.privateKeyPath],
        useAgent: false,
        proxyJump: [],
        labels: [],
      });
    }
    await page.getByTestId('nav-compliance').click();
    await page.getByTestId('page-compliance').and(page.locator('[data-loaded="true"]')).waitFor({ timeout: 15_000 });
    expect(await page.evaluate(() => window.location.hash)).toBe('#/compliance');
    expect(await page.getByTestId('compliance-policy').inputValue()).toBe('gpu-node-baseline');
    expect(await page.getByTestId('profile-switcher').getAttribute('data-role')).toBe('admin');

    for (const name of AUDIT_HOSTS) {
      await page.getByTestId(`compliance-node-${name}`).waitFor({ timeout: 60_000 });
      await page.getByTestId(`compliance-node-${name}`).check();
    }
    await page.getByTestId('compliance-run-start').click();
    const progress = page.getByTestId('compliance-progress');
    await progress.waitFor();
    expect(await progress.getAttribute('data-total')).toBe(String(AUDIT_HOSTS.length));
    // Finished only by the audit:progress event that ends the run.
    await expect.poll(() => progress.getAttribute('data-finished'), { timeout: 180_000, message: lab.diagnostics() }).toBe('true');
    expect(await page.getByTestId('compliance-progress-text').textContent()).toMatch(/^Audit finished: 2 nodes \(run \d+\)$/);
    expect(await progress.getByRole('progressbar').getAttribute('aria-valuenow')).toBe('100');
    expect(await progress.getAttribute('data-done')).toBe(String(AUDIT_HOSTS.length));

    // The finished run is shown: both nodes, the known failure on weak only.
    await expect.poll(() => statusOf('weak', FAILING), { timeout: 15_000 }).toBe('fail');
    expect(await statusOf('hardened', FAILING)).toBe('pass');
    expect(await page.getByTestId('compliance-matrix').getAttribute('data-nodes')).toBe('hardened weak');
    expect(Number(await page.getByTestId('compliance-matrix').getAttribute('data-rows'))).toBeGreaterThan(30);
    expect(await page.getByTestId('compliance-score-overall').textContent()).toMatch(/^Overall \d+ % · \d+ pass, \d+ fail/);
    const runId = await page.getByTestId('page-compliance').getAttribute('data-run');
    expect(await page.evaluate(() => window.location.hash)).toBe(`#/compliance/run/${runId}`);
    await page.screenshot({ path: join(RESULTS, 'compliance-matrix.png'), fullPage: true });
  });

  it("opens the failing result's detail: rationale, remediation, references, evidence with sha256", async () => {
    await cell('weak', FAILING).click();
    const detail = page.getByTestId('compliance-detail');
    await expect.poll(() => detail.getAttribute('data-check')).toBe(FAILING);
    expect(await detail.getAttribute('data-node')).toBe('weak');
    expect(await detail.textContent()).toContain(FAILING_TITLE);
    expect(await page.getByTestId('compliance-detail-rationale').textContent()).toContain('An empty password lets anyone log in');
    expect(await page.getByTestId('compliance-detail-remediation').textContent()).toContain('passwd -l NAME');
    expect(await page.getByTestId('compliance-detail-references').textContent()).toContain('CIS 7.2.2 · NIST IA-5, IA-2');
    const hashes = await page.getByTestId('compliance-evidence-sha256').allTextContents();
    expect(hashes.length).toBeGreaterThan(0);
    for (const h of hashes) expect(h).toMatch(/^sha256 [0-9a-f]{64}$/);
    expect((await page.locator('.compliance-evidence__excerpt').first().textContent())?.trim()).not.toBe('');
    // The finding (or its evidence) names the account with the empty hash.
    expect(await detail.textContent()).toContain('toor');
  });

  it('waives the failure on weak: it shows as waived, never as passed', async () => {
    await page.getByTestId('compliance-waive-open').click();
    await page.getByTestId('waive-dialog').waitFor();
    await page.getByTestId('waive-scope-node').check();
    await page.getByTestId('waive-justification').fill('Lab account, removed at the next rebuild');
    await page.getByTestId('waive-approver').fill('CISO, ticket SEC-42');
    await page.getByTestId('waive-submit').click();
    await expect.poll(() => page.getByTestId('waive-dialog').count(), { timeout: 15_000 }).toBe(0);
    await expect.poll(() => statusOf('weak', FAILING), { timeout: 15_000 }).toBe('waived');
    expect(await cell('weak', FAILING).getAttribute('class')).not.toMatch(/cstatus--pass/);
    expect(await statusOf('hardened', FAILING)).toBe('pass');
    expect(await page.getByTestId('compliance-detail-status').textContent()).toBe('Waived');
    const waivers = page.getByTestId('compliance-waivers');
    expect(await waivers.textContent()).toContain('approved by CISO, ticket SEC-42');
    expect(await waivers.locator('[data-state="active"]').count()).toBe(1);
    await page.screenshot({ path: join(RESULTS, 'compliance-waived.png'), fullPage: true });
  });

  it('exports CSV and HTML reports that name the node, the check and its waived status', async () => {
    const csv = await exportReport('csv');
    expect(csv.name).toMatch(/\.csv$/);
    const rows = parse(csv.text, { columns: true }) as Array<Record<string, string>>;
    const row = rows.find((r) => r.node === 'weak' && r['check id'] === FAILING);
    expect(row, csv.text.slice(0, 2000)).toBeDefined();
    expect(row!.status).toBe('fail');
    expect(row!['effective status']).toBe('waived');
    expect(row!.waiver).toContain('CISO, ticket SEC-42');
    expect(rows.find((r) => r.node === 'hardened' && r['check id'] === FAILING)?.['effective status']).toBe('pass');

    const html = await exportReport('html');
    expect(html.name).toMatch(/\.html?$/);
    expect(html.text).toContain('weak');
    expect(html.text).toContain(FAILING);
    expect(html.text).toContain(FAILING_TITLE);
    expect(await page.getByTestId('export-saved').textContent()).toBe(`Saved ${html.name}.`);
    expect(problems.filter((p) => !/favicon/.test(p))).toEqual([]);
  });
});
