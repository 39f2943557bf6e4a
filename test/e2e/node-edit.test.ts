// Editing a node (issue #14 item 7) in Debian's Chromium against `clusterdeck serve` and real SSH
// lab hosts: a node added with its key files left empty gets OpenSSH's defaults (the lab key sits
// at ~/.ssh/id_ed25519 of the engine's isolated home) and a wrong port; edited to the right port it
// comes up; edited again to a host behind a bastion (ProxyJump, explicit key file, agent) it
// reconnects there, and its history from before the edits is still charted. The Add dialog warns
// of a host already in the fleet and puts each problem on its field; the focus goes back to the
// node's row menu when the Edit dialog closes, never to <body>.
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OPENSSH_DEFAULT_IDENTITY_FILES } from '../../shared/model/inventory';
import { isNetworkChangeNoise, launchChromium } from '../helpers/browser';
import { ROOT, isolatedEnv, startServe, type ServeProcess } from '../helpers/cli';
import { SshLab } from '../helpers/ssh-lab';

const RESULTS = join(ROOT, 'test-results');
const INTERVAL_MS = 2000;
const NODE = 'edit-me';
/** A lab host whose key the engine has not seen: the host key dialog asks for it. */
const NEW_KEY_HOST = 'ne-newkey';

let lab: SshLab;
let serve: ServeProcess;
let browser: Browser;
let page: Page;
const problems: string[] = [];

beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  lab = await SshLab.create({
    hosts: [{ name: 'ne-a' }, { name: 'ne-hidden' }, { name: 'ne-newkey' }],
    bastion: { name: 'ne-bastion', hiddenHosts: ['ne-hidden'] },
  });
  // An isolated engine whose home holds the lab's login key at OpenSSH's first default path.
  const home = mkdtempSync(join(tmpdir(), 'cd-e2e-home-'));
  mkdirSync(join(home, '.ssh'), { mode: 0o700 });
  copyFileSync(lab.host('ne-a').privateKeyPath, join(home, '.ssh', 'id_ed25519'));
  const env = isolatedEnv({ HOME: home, SSH_AUTH_SOCK: '' });
  mkdirSync(join(env.XDG_CONFIG_HOME!, 'clusterdeck'), { recursive: true });
  writeFileSync(join(env.XDG_CONFIG_HOME!, 'clusterdeck', 'config.yaml'), `collection:\n  intervalMs: ${INTERVAL_MS}\n`);
  const dataDir = join(env.XDG_DATA_HOME!, 'clusterdeck');
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(
    join(dataDir, 'known_hosts'),
    lab
      .hosts()
      .filter((h) => h.name !== NEW_KEY_HOST)
      .map((h) => `${h.hostPublicKeyLine}\n`)
      .join(''),
  );
  serve = await startServe(['--db', join(dataDir, 'node-edit-e2e.db')], env);
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme: 'light' });
  page.on('console', (message) => {
    if (message.type() === 'error' && !isNetworkChangeNoise(message.text())) problems.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  await lab?.dispose();
});

const rowStatus = async (nodeId: string) => {
  const row = page.getByTestId(`fleet-row-${nodeId}`);
  return (await row.count()) === 0 ? null : row.getAttribute('data-status');
};
const waitForStatus = (nodeId: string, status: string, timeout = 40_000) =>
  expect.poll(() => rowStatus(nodeId), { timeout, message: `${nodeId} should become ${status}\n${lab.diagnostics()}` }).toBe(status);
const activeTestId = () => page.evaluate(() => (document.activeElement === document.body ? '<body>' : document.activeElement?.getAttribute('data-testid')));

/** The element ids an input's aria-describedby names, and their text. */
const describedBy = (testId: string) =>
  page.getByTestId(testId).evaluate((input) =>
    (input.getAttribute('aria-describedby') ?? '')
      .split(' ')
      .filter(Boolean)
      .map((id) => document.getElementById(id)?.textContent ?? `(no element ${id})`),
  );

async function openEdit(nodeId: string): Promise<void> {
  await page.getByTestId(`row-menu-${nodeId}`).click();
  await page.getByTestId(`edit-open-${nodeId}`).click();
  await page.getByTestId('edit-node-dialog').waitFor();
}

/** Memory samples stored for the node, as the node page's charts ask for them. */
const memoryTimes = () =>
  page.evaluate(async (nodeId) => {
    const response = await fetch('api/call/metrics:query', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ nodeId, metric: 'memory.used_bytes', fromMs: Date.now() - 3_600_000, toMs: Date.now() + 1000, maxPoints: 1000 }),
      credentials: 'same-origin',
    });
    const body = (await response.json()) as { ok: boolean; value: { series: Array<{ t: number[] }> } };
    return body.value.series.flatMap((s) => s.t);
  }, NODE);

describe('editing a node in the browser', () => {
  it('adds a node with its key files left empty (OpenSSH defaults, said as help, no placeholder) at a wrong port', async () => {
    await page.goto(serve.url);
    await page.getByTestId('app-ready').waitFor({ timeout: 30_000 });
    await page.getByTestId('nav-fleet').click();
    await page.getByTestId('page-fleet').waitFor();
    const host = lab.host('ne-a');
    await page.getByTestId('add-node-open').click();
    await page.getByTestId('add-node-dialog').waitFor();
    expect(await page.getByTestId('add-node-identity').getAttribute('placeholder')).toBeNull();
    expect((await describedBy('add-node-identity')).join(' ')).toContain(OPENSSH_DEFAULT_IDENTITY_FILES.join(', '));
    await page.getByTestId('add-node-alias').fill(NODE);
    await page.getByTestId('add-node-host').fill(host.address);
    await page.getByTestId('add-node-port').fill('1');
    await page.getByTestId('add-node-user').fill(host.user);
    await page.getByTestId('add-node-labels').fill('rack-9');
    await page.getByTestId('add-node-submit').click();
    await page.getByTestId('add-node-dialog').waitFor({ state: 'detached' });
    await waitForStatus(NODE, 'unreachable');
  });

  it('warns of a host already in the fleet, and puts a bad port on its field (aria-invalid, aria-describedby)', async () => {
    const host = lab.host('ne-a');
    await page.getByTestId('add-node-open').click();
    await page.getByTestId('add-node-host').fill(host.address);
    await page.getByTestId('add-node-user').fill(host.user);
    await page.getByTestId('add-node-port').fill('1');
    await page.getByTestId('add-node-duplicate').waitFor();
    expect(await page.getByTestId('add-node-duplicate').textContent()).toContain(`already in the fleet as ${NODE}`);
    expect((await describedBy('add-node-host')).join(' ')).toContain(`already in the fleet as ${NODE}`);
    await page.getByTestId('add-node-port').fill('70000');
    await page.getByTestId('add-node-submit').click();
    await expect.poll(() => page.getByTestId('add-node-port').getAttribute('aria-invalid')).toBe('true');
    expect(await describedBy('add-node-port')).toContain('at most 65535');
    expect(await activeTestId()).toBe('add-node-port');
    expect(await page.getByTestId('add-node-host').getAttribute('aria-invalid')).toBeNull();
    // A nested problem (an exporter's path) lands on its own field too, from the zod issue's path.
    await page.getByTestId('add-node-port').fill('22');
    await page.getByTestId('add-node-exporter-add').click();
    await page.getByTestId('add-node-exporter-0-path').fill('/metrics?x=1');
    await page.getByTestId('add-node-submit').click();
    await expect.poll(() => page.getByTestId('add-node-exporter-0-path').getAttribute('aria-invalid')).toBe('true');
    expect(await describedBy('add-node-exporter-0-path')).toContain('a path such as /metrics');
    expect(await page.getByTestId('add-node-port').getAttribute('aria-invalid')).toBeNull();
    await page.screenshot({ path: join(RESULTS, 'add-node-duplicate.png') });
    await page.keyboard.press('Escape');
    await page.getByTestId('add-node-dialog').waitFor({ state: 'detached' });
  });

  it('edits the port: the node comes up with the default key, and the focus goes back to its row menu', async () => {
    const host = lab.host('ne-a');
    await openEdit(NODE);
    expect(await page.getByTestId('edit-node-alias').getAttribute('readonly')).not.toBeNull();
    expect(await page.getByTestId('edit-node-alias').inputValue()).toBe(NODE);
    expect(await page.getByTestId('edit-node-identity').inputValue()).toBe(OPENSSH_DEFAULT_IDENTITY_FILES.join('\n'));
    expect(await page.getByTestId('edit-node-labels').inputValue()).toBe('rack-9');
    // Cancel first: the focus lands on the row menu, not <body>.
    await page.keyboard.press('Escape');
    await page.getByTestId('edit-node-dialog').waitFor({ state: 'detached' });
    await expect.poll(activeTestId).toBe(`row-menu-${NODE}`);

    await openEdit(NODE);
    await page.getByTestId('edit-node-port').fill(String(host.port));
    await page.screenshot({ path: join(RESULTS, 'edit-node-dialog.png') });
    await page.getByTestId('edit-node-submit').click();
    await page.getByTestId('edit-node-dialog').waitFor({ state: 'detached' });
    await expect.poll(activeTestId).toBe(`row-menu-${NODE}`);
    await waitForStatus(NODE, 'up');
    expect(await page.getByTestId(`fleet-row-${NODE}`).textContent()).toContain(`${host.user}@${host.address}:${host.port}`);
    // A few ticks of history before the next edit.
    await expect.poll(async () => (await memoryTimes()).length, { timeout: 30_000 }).toBeGreaterThanOrEqual(3);
  });

  it('edits host, key file, agent and ProxyJump: it reconnects through the bastion, its history still charted', async () => {
    const before = await memoryTimes();
    const hidden = lab.host('ne-hidden');
    const bastion = lab.host('ne-bastion');
    await openEdit(NODE);
    await page.getByTestId('edit-node-host').fill(hidden.address);
    await page.getByTestId('edit-node-port').fill(String(hidden.port));
    await page.getByTestId('edit-node-identity').fill(hidden.privateKeyPath);
    await page.getByTestId('edit-node-agent').check();
    await page.getByTestId('edit-node-hop-add').click();
    await page.getByTestId('edit-node-hop-0-host').fill(bastion.address);
    await page.getByTestId('edit-node-hop-0-port').fill(String(bastion.port));
    await page.getByTestId('edit-node-submit').click();
    await page.getByTestId('edit-node-dialog').waitFor({ state: 'detached' });
    // The row was up before the edit: wait for the new address first, then for it to come up there.
    await expect
      .poll(() => page.getByTestId(`fleet-row-${NODE}`).textContent(), { timeout: 15_000 })
      .toMatch(new RegExp(`${hidden.address.replace(/\./g, '\\.')}:${hidden.port} via`));
    await waitForStatus(NODE, 'up');
    await expect.poll(async () => (await memoryTimes()).length, { timeout: 30_000 }).toBeGreaterThan(before.length);
    expect(await memoryTimes()).toEqual(expect.arrayContaining(before));

    // The node page charts it, history included.
    await page.getByTestId(`node-link-${NODE}`).click();
    await expect.poll(() => page.getByTestId('node-header').textContent(), { timeout: 15_000 }).toContain('ne-hidden');
    await page.waitForFunction(
      (count) => Number(document.querySelector('[data-testid="chart-memory.used_pct"]')?.getAttribute('data-points')) > count,
      before.length,
      { timeout: 30_000 },
    );
    await page.screenshot({ path: join(RESULTS, 'edited-node-page.png'), fullPage: true });
    expect(problems.filter((p) => !/favicon/.test(p))).toEqual([]);
  });
});

// Issue #14 item 10: after Trust the focus must not fall to <body> (the row's "Review key" item
// and the menu it sat in are gone by then).
describe('the host key dialog', () => {
  const ALIAS = 'new-key';

  it('puts the focus on the node’s row menu after Cancel and after Trust', async () => {
    const host = lab.host(NEW_KEY_HOST);
    await page.goto(serve.url);
    await page.getByTestId('app-ready').waitFor({ timeout: 30_000 });
    await page.getByTestId('nav-fleet').click();
    await page.getByTestId('page-fleet').waitFor();
    await page.getByTestId('add-node-open').click();
    await page.getByTestId('add-node-alias').fill(ALIAS);
    await page.getByTestId('add-node-host').fill(host.address);
    await page.getByTestId('add-node-port').fill(String(host.port));
    await page.getByTestId('add-node-user').fill(host.user);
    await page.getByTestId('add-node-submit').click();
    await page.getByTestId('add-node-dialog').waitFor({ state: 'detached' });
    // It asks by itself; Cancel ends that, and the row keeps its way to the question.
    await page.getByTestId('host-key-dialog').waitFor({ timeout: 40_000 });
    await page.getByTestId('host-key-cancel').click();
    await page.getByTestId('host-key-dialog').waitFor({ state: 'detached' });
    expect(await activeTestId()).not.toBe('<body>');

    await page.getByTestId(`row-menu-${ALIAS}`).click();
    await page.getByTestId(`host-key-open-${ALIAS}`).click();
    await page.getByTestId('host-key-dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('host-key-dialog').waitFor({ state: 'detached' });
    await expect.poll(activeTestId).toBe(`row-menu-${ALIAS}`);

    await page.getByTestId(`row-menu-${ALIAS}`).click();
    await page.getByTestId(`host-key-open-${ALIAS}`).click();
    await page.getByTestId('host-key-dialog').waitFor();
    expect((await page.getByTestId('host-key-fingerprint').textContent())?.trim()).toBe(host.hostKeyFingerprintSha256);
    await page.getByTestId('host-key-trust').click();
    await page.getByTestId('host-key-dialog').waitFor({ state: 'detached' });
    await waitForStatus(ALIAS, 'up');
    await expect.poll(activeTestId).toBe(`row-menu-${ALIAS}`);
  });
});
