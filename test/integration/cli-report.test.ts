// Reports through the built CLI: `audit --local` in every text format (the run stored in the
// database), `report export` of the latest run, a signed `report bundle` that `report verify`
// finds intact, then names each file changed, missing or added; and `audit-log verify` before
// and after a row of the audit log is edited with SQL.
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { parse as parseCsv } from 'csv-parse/sync';
import { parseStringPromise } from 'xml2js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ReportJson } from '../../electron/core/reports/formats/json';
import type { BundleManifest } from '../../electron/core/reports/bundle';
import { isolatedEnv, runCli } from '../helpers/cli';
import { tempDir } from '../helpers/tmp';

/** One database with three local audit runs (csv, junit, html), shared by the tests below. */
let dir: string;
let db: string;
let env: NodeJS.ProcessEnv;
const audits: Record<'csv' | 'junit' | 'html', ReturnType<typeof runCli>> = {} as never;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cd-report-'));
  env = isolatedEnv();
  db = join(dir, 'audits.db');
  for (const format of ['csv', 'junit', 'html'] as const) {
    audits[format] = runCli(['audit', '--local', '--db', db, '--format', format, '--out', join(dir, `audit.${format}`)], env);
  }
}, 180_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function reportArgs(...args: string[]): string[] {
  return [...args, '--db', db];
}

describe('clusterdeck audit --format', () => {
  it('writes CSV (one row per check), JUnit (a testcase per check) and HTML reports, and stores each run', async () => {
    for (const format of ['csv', 'junit', 'html'] as const) {
      expect({ format, status: audits[format].status, stderr: audits[format].stderr }).toMatchObject({ format, status: 0 });
    }
    expect(audits.csv.stderr).toMatch(/stored as run 1/);
    expect(audits.html.stderr).toMatch(/stored as run 3/);

    const rows = parseCsv(readFileSync(join(dir, 'audit.csv')), { columns: true }) as Array<Record<string, string>>;
    expect(rows.length).toBeGreaterThan(10);
    expect(new Set(rows.map((row) => row['check id'])).size).toBe(rows.length);
    expect(rows.find((row) => row['check id'] === 'gnb-ssh-001')).toMatchObject({ title: 'SSH root login is disabled', severity: 'high' });

    const junit = (await parseStringPromise(readFileSync(join(dir, 'audit.junit'), 'utf8'))) as {
      testsuites: { testsuite: Array<{ testcase: unknown[] }> };
    };
    expect(junit.testsuites.testsuite).toHaveLength(1);
    expect(junit.testsuites.testsuite[0]!.testcase).toHaveLength(rows.length);

    const html = readFileSync(join(dir, 'audit.html'), 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/i);
    expect(html).toContain('SSH root login is disabled');
  });
});

describe('clusterdeck report export', () => {
  it('writes the latest run as JSON, and a run named by id', () => {
    const out = join(dir, 'latest.json');
    const latest = runCli(reportArgs('report', 'export', '--run', 'latest', '--format', 'json', '--out', out), env);
    expect(latest.stderr).toMatch(/run 3 \(gpu-node-baseline\): json report written to/);
    expect(latest.status).toBe(0);
    const report = JSON.parse(readFileSync(out, 'utf8')) as ReportJson;
    expect(report).toMatchObject({ runId: 3, policy: { id: 'gpu-node-baseline' } });
    expect(report.nodes).toHaveLength(1);
    expect(report.nodes[0]!.checks.find((check) => check.checkId === 'gnb-ssh-001')).toMatchObject({ effective: expect.any(String) });

    const first = join(dir, 'first.csv');
    expect(runCli(reportArgs('report', 'export', '--run', '1', '--format', 'csv', '--out', first), env).status).toBe(0);
    expect(readFileSync(first, 'utf8').split('\r\n')[0]).toMatch(/^node,check id,title/);
  });

  it('exit 2 for a bad --run or --format, 1 for a run or a database that is not there', () => {
    const out = join(dir, 'never.json');
    const usage = [
      reportArgs('report', 'export', '--run', 'last', '--format', 'json', '--out', out),
      reportArgs('report', 'export', '--format', 'docx', '--out', out),
      reportArgs('report', 'export', '--format', 'json'),
    ];
    for (const args of usage) expect({ args, status: runCli(args, env).status }).toEqual({ args, status: 2 });
    const noRun = runCli(reportArgs('report', 'export', '--run', '99', '--format', 'json', '--out', out), env);
    expect(noRun.status).toBe(1);
    expect(noRun.stderr).toMatch(/no audit run 99/);
    const noDb = runCli(['report', 'export', '--db', join(dir, 'absent.db'), '--format', 'json', '--out', out], env);
    expect(noDb.status).toBe(1);
    expect(noDb.stderr).toMatch(/no database at .*absent\.db/);
  });
});

describe('clusterdeck report export --format pdf', () => {
  it('prints the HTML report with the system Chromium (pdftotext finds the node and check titles), and says what to install when there is none', () => {
    const out = join(dir, 'report.pdf');
    const printed = runCli(reportArgs('report', 'export', '--format', 'pdf', '--out', out), env);
    expect(printed.stderr).toMatch(/pdf report written/);
    expect(printed.status).toBe(0);
    expect(readFileSync(out).subarray(0, 5).toString()).toBe('%PDF-');
    const text = spawnSync('pdftotext', [out, '-'], { encoding: 'utf8' }).stdout;
    const [row] = parseCsv(readFileSync(join(dir, 'audit.csv')), { columns: true }) as Array<Record<string, string>>;
    expect(text).toContain(row!.node);
    expect(text).toContain('SSH root login is disabled');

    const none = runCli(reportArgs('report', 'export', '--format', 'pdf', '--out', join(dir, 'none.pdf')), { ...env, CHROMIUM_PATH: join(dir, 'no-chromium') });
    expect(none.status).toBe(1);
    expect(none.stderr).toMatch(/CHROMIUM_PATH=.*no-chromium does not exist; install Chromium/);
  });
});

describe('clusterdeck report bundle and report verify', () => {
  function bundle(): { path: string; manifest: BundleManifest } {
    const path = join(tempDir(), 'bundle');
    const result = runCli(reportArgs('report', 'bundle', '--out', path), env);
    expect(result.stderr).toMatch(/run 3 \(gpu-node-baseline\): bundle of \d+ files .* signed with the installation key [0-9a-f]{64}/);
    expect(result.status).toBe(0);
    return { path, manifest: JSON.parse(readFileSync(join(path, 'manifest.json'), 'utf8')) as BundleManifest };
  }

  it("holds the default reports, every result's evidence and a signed manifest; verify says intact (exit 0)", () => {
    const { path, manifest } = bundle();
    const top = readdirSync(path).sort();
    expect(top).toEqual(
      expect.arrayContaining([
        'evidence',
        'gpu-node-baseline-run3.csv',
        'gpu-node-baseline-run3.html',
        'gpu-node-baseline-run3.json',
        'manifest.json',
        'manifest.sig',
        'public-key.pem',
      ]),
    );
    expect(top.some((name) => /oscal/.test(name) || name.endsWith('.oscal.json'))).toBe(true);
    const report = JSON.parse(readFileSync(join(path, 'gpu-node-baseline-run3.json'), 'utf8')) as ReportJson;
    const checks = report.nodes[0]!.checks.length;
    expect(manifest.files.filter((file) => /^evidence\/.+--.+\.json$/.test(file.path))).toHaveLength(checks);

    const verified = runCli(['report', 'verify', path], env);
    expect(verified.stdout).toMatch(/signature: valid/);
    expect(verified.stdout).toMatch(/intact/);
    expect(verified.status).toBe(0);

    // Against the installation's public key, kept beside the database.
    const trusted = runCli(['report', 'verify', path, '--public-key', join(dir, 'installation-key.pub.pem')], env);
    expect(trusted.stdout).toMatch(/signature: valid, by the trusted key/);
    expect(trusted.status).toBe(0);
  });

  it('exit 1 naming each changed, missing and added file', () => {
    const { path, manifest } = bundle();
    const html = join(path, 'gpu-node-baseline-run3.html');
    writeFileSync(html, readFileSync(html, 'utf8').replace('SSH root login is disabled', 'SSH root login is fine'));
    const evidence = manifest.files.find((file) => file.path.startsWith('evidence/'))!.path;
    rmSync(join(path, evidence));
    writeFileSync(join(path, 'evidence', 'planted.json'), '{}');
    const result = runCli(['report', 'verify', path], env);
    expect(result.status).toBe(1);
    expect(result.stdout).toContain('changed: gpu-node-baseline-run3.html');
    expect(result.stdout).toContain(`missing: ${evidence}`);
    expect(result.stdout).toContain('added: evidence/planted.json');
    expect(result.stdout).toMatch(/NOT intact/);
  });

  it('exit 1 for an edited manifest (bad signature), and for a key other than the installation', () => {
    const { path } = bundle();
    const other = join(tempDir(), 'other.pem');
    writeFileSync(other, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    const wrongKey = runCli(['report', 'verify', path, '--public-key', other], env);
    expect(wrongKey.status).toBe(1);
    expect(wrongKey.stdout).toMatch(/signature: INVALID/);

    const manifestPath = join(path, 'manifest.json');
    writeFileSync(manifestPath, readFileSync(manifestPath, 'utf8').replace('"createdAt": "', '"createdAt": "1'));
    const edited = runCli(['report', 'verify', path], env);
    expect(edited.status).toBe(1);
    expect(edited.stdout).toMatch(/signature: INVALID/);
  });

  it('refuses a folder that is not empty (exit 1), and takes --format to choose the reports', () => {
    const { path } = bundle();
    const again = runCli(reportArgs('report', 'bundle', '--out', path), env);
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/not empty/);
    const junitOnly = join(tempDir(), 'junit');
    expect(runCli(reportArgs('report', 'bundle', '--run', '2', '--format', 'junit', '--out', junitOnly), env).status).toBe(0);
    expect(readdirSync(junitOnly).filter((name) => name.startsWith('gpu-node-baseline'))).toEqual(['gpu-node-baseline-run2.xml']);
  });
});

describe('clusterdeck audit-log verify', () => {
  it('exit 0 while the chain holds; exit 1 naming the row edited with SQL', () => {
    const intact = runCli(['audit-log', 'verify', '--db', db], env);
    expect(intact.stdout).toMatch(/\d+ rows, chain intact/);
    expect(intact.status).toBe(0);

    const database = new Database(db);
    const rows = database.prepare("SELECT seq FROM audit_log WHERE action = 'audits:run' ORDER BY seq").all() as Array<{ seq: number }>;
    expect(rows).toHaveLength(3);
    database.prepare("UPDATE audit_log SET actor = 'mallory' WHERE seq = ?").run(rows[1]!.seq);
    database.close();

    const edited = runCli(['audit-log', 'verify', '--db', db], env);
    expect(edited.status).toBe(1);
    expect(edited.stdout).toMatch(new RegExp(`row ${rows[1]!.seq}: row ${rows[1]!.seq} was edited`));
  });
});
