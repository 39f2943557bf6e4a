// The node page lists who is on each GPU: clusterdeck serve with a fake nvidia-smi printing a
// real capture (Tesla T4: Xorg and a python job) whose PIDs are a process this test starts and
// one that does not exist, so user and command come from this machine's /proc.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, isolatedEnv, startServe, type ServeProcess } from '../helpers/cli';
import { launchChromium } from '../helpers/browser';
import { fakeNvidiaSmi } from '../helpers/fake-nvidia-smi';
import { readFixture } from '../helpers/fixtures';
import { tempDir } from '../helpers/tmp';

const RESULTS = join(ROOT, 'test-results');
const NO_SUCH_PID = 4194303;

let browser: Browser;
let serve: ServeProcess;
let job: ChildProcess;

beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  job = spawn('/bin/sh', ['-c', 'sleep 600', 'train', '--epochs', '3', '--data', '/scratch/imagenet'], { stdio: 'ignore' });
  const xml = readFixture('nvidia-smi/xml', 'tesla-t4-linux-drv515-v11.xml')
    .replace('<pid>5762</pid>', `<pid>${job.pid}</pid>`)
    .replace('<pid>675</pid>', `<pid>${NO_SUCH_PID}</pid>`);
  const capture = join(tempDir(), 'capture.xml');
  writeFileSync(capture, xml);
  const fake = fakeNvidiaSmi({ script: `[ "$1 $2" = "-q -x" ] || exit 2\ncat '${capture}'` });
  const env = isolatedEnv({ PATH: fake.path });
  mkdirSync(join(env.XDG_CONFIG_HOME!, 'clusterdeck'), { recursive: true });
  writeFileSync(join(env.XDG_CONFIG_HOME!, 'clusterdeck', 'config.yaml'), 'collection:\n  intervalMs: 1000\n');
  serve = await startServe(['--db', join(env.XDG_DATA_HOME!, 'e2e.db')], env);
  browser = await launchChromium();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await serve?.stop();
  job?.kill();
});

describe('GPU processes on the node page', () => {
  it('shows PID, user, command (whole in its title), GPU memory and running time, largest memory first', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1200 }, colorScheme: 'light' });
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(serve.url);
    await page.getByTestId('app-ready').waitFor({ timeout: 30_000 });
    await expect.poll(() => page.getByTestId('node-header').textContent(), { timeout: 15_000 }).toContain(hostname());

    const table = page.getByRole('table', { name: /GPU processes/ });
    await table.waitFor({ timeout: 15_000 });
    const headers = await table.getByRole('columnheader').allTextContents();
    expect(headers).toEqual(['GPU', 'PID', 'User', 'Command', 'GPU memory', 'Running']);

    const rows = page.getByTestId('gpu-process');
    await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(2);
    const me = execFileSync('id', ['-un'], { encoding: 'utf8' }).trim();
    const command = '/bin/sh -c sleep 600 train --epochs 3 --data /scratch/imagenet';
    const first = rows.nth(0);
    expect(await first.getAttribute('data-pid')).toBe(String(job.pid));
    const cells = await first.getByRole('cell').allTextContents();
    expect(cells.slice(0, 4)).toEqual(['GPU 0', String(job.pid), me, command]);
    expect(cells[4]).toBe('1005 MiB');
    expect(cells[5]).toMatch(/^\d+ (s|min)$/);
    expect(await first.getByRole('cell').nth(3).getAttribute('title')).toBe(command);

    // The PID of the capture's Xorg does not exist here: no user or command, the name nvidia-smi gave.
    const second = await rows.nth(1).getByRole('cell').allTextContents();
    expect(second[1]).toBe(String(NO_SUCH_PID));
    expect(second[2]).toBe('—');
    expect(second[3]).toMatch(/^\/usr\/lib\/xorg\/Xorg/);
    expect(second[5]).toBe('—');

    await page.screenshot({ path: join(RESULTS, 'gpu-processes.png'), fullPage: true });
    expect(problems).toEqual([]);
  });
});
