// The JSON, CSV, JUnit and HTML reports of one real stored run (the built-in policy over this
// machine, as a plain and a hostile-named node), with a fleet waiver and an attestation applied.
import { parse as parseCsv } from 'csv-parse/sync';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseStringPromise } from 'xml2js';
import type { AuditDocument } from '../../../electron/server/commands/audit';
import { renderReport } from '../../../electron/core/reports/formats/index';
import { CSV_HEADER } from '../../../electron/core/reports/formats/csv';
import { escapeHtml } from '../../../electron/core/reports/formats/html';
import type { ReportJson } from '../../../electron/core/reports/formats/json';
import type { ReportModel } from '../../../electron/core/reports/types';
import {
  attestation,
  FORMULA_CHECK,
  FORMULA_TITLE,
  HOSTILE,
  MANUAL_CHECK,
  MANUAL_REMEDIATION,
  modelOf,
  NODE,
  realStoredRun,
  waiver,
  type RealRun,
} from './real-run';

let real: RealRun;
let model: ReportModel;
let failing: string;

const text = (bytes: Uint8Array) => new TextDecoder('utf-8', { fatal: true }).decode(bytes);

beforeAll(async () => {
  real = await realStoredRun();
  const t0 = real.run.endedAt;
  failing = real.run.results.find((r) => r.nodeId === NODE && r.status === 'fail')!.checkId;
  model = modelOf(real, {
    waivers: [waiver(failing, { kind: 'fleet' }, { createdAtMs: t0, expiresAtMs: t0 + 86_400_000 })],
    attestations: [attestation(real.run.id, NODE, MANUAL_CHECK, 'pass', t0 + 1)],
    nowMs: t0 + 10,
  });
  expect(model.results.filter((r) => r.effective === 'waived')).toHaveLength(2);
}, 120_000);

describe('file names', () => {
  it('are <policy>-run<id>.<ext>', async () => {
    const names = await Promise.all((['json', 'csv', 'junit', 'html'] as const).map(async (f) => (await renderReport(model, f)).fileName));
    const stem = `gpu-node-baseline-run${real.run.id}`;
    expect(names).toEqual([`${stem}.json`, `${stem}.csv`, `${stem}.xml`, `${stem}.html`]);
    await expect(renderReport(model, 'pdf')).rejects.toThrow(/not available/);
  });
});

describe('JSON', () => {
  it("is the audit CLI's document with effective status, attestations and waivers", async () => {
    const doc = JSON.parse(text((await renderReport(model, 'json')).bytes)) as ReportJson;
    expect(doc.policy).toEqual(expect.objectContaining({ id: 'gpu-node-baseline', title: real.policy.title, sha256: real.policy.sha256 }));
    expect(doc.runId).toBe(real.run.id);
    expect(doc.nodes.map((n) => n.nodeId)).toEqual([NODE, HOSTILE]);
    const cliKeys: (keyof AuditDocument['nodes'][number]['checks'][number])[] = [
      'nodeId',
      'checkId',
      'title',
      'status',
      'severity',
      'references',
      'detail',
      'hostKey',
      'evidence',
      'evidenceSha256',
    ];
    for (const node of doc.nodes) {
      expect(node.checks).toHaveLength(real.checks.length);
      for (const check of node.checks) for (const key of [...cliKeys, 'effective', 'attestationId', 'waiverId']) expect(check).toHaveProperty(key);
    }
    const waived = doc.nodes.flatMap((n) => n.checks).filter((c) => c.effective === 'waived');
    expect(waived.map((c) => [c.checkId, c.status])).toEqual([
      [failing, 'fail'],
      [failing, 'fail'],
    ]);
    const attested = doc.nodes[0]!.checks.find((c) => c.checkId === MANUAL_CHECK)!;
    expect(attested).toEqual(expect.objectContaining({ status: 'manual', effective: 'pass', attestationId: doc.attestations[0]!.id }));
    expect(doc.waivers).toHaveLength(1);
    expect(doc.scores.policy.waived).toBe(2);
    expect(doc.scores.nodes[HOSTILE]).toEqual(model.nodes[1]!.score);
  });
});

describe('CSV', () => {
  it('round-trips through csv-parse: a header, one row per node x check, CRLF records, remediation with commas, quotes and newlines', async () => {
    const csv = text((await renderReport(model, 'csv')).bytes);
    expect(csv.endsWith('\r\n')).toBe(true);
    expect(csv.split('\r\n')[0]).toBe(CSV_HEADER.join(','));
    const rows = parseCsv(csv, { relax_column_count: false }) as string[][];
    expect(rows[0]).toEqual([...CSV_HEADER]);
    expect(rows).toHaveLength(1 + model.results.length);
    const col = (name: (typeof CSV_HEADER)[number]) => CSV_HEADER.indexOf(name);
    const manual = rows.find((r) => r[col('node')] === NODE && r[col('check id')] === MANUAL_CHECK)!;
    expect(manual[col('remediation')]).toBe(MANUAL_REMEDIATION);
    expect(manual[col('nist')]).toBe('SI-2; CM-6');
    expect(manual[col('effective status')]).toBe('pass');
    expect(manual[col('attestation')]).toMatch(/^attested pass by auditor-ann at .*: Checked the BMC, "ok", =1\+1$/);
    const hostile = rows.filter((r) => r[col('node')] === HOSTILE);
    expect(hostile).toHaveLength(real.checks.length);
    const waived = rows.find((r) => r[col('node')] === HOSTILE && r[col('check id')] === failing)!;
    expect([waived[col('status')], waived[col('effective status')]]).toEqual(['fail', 'waived']);
    expect(waived[col('waiver')]).toContain('approved by ciso');
    for (const [i, row] of rows.slice(1).entries()) expect(row[col('evidence sha256')]).toBe(model.results[i]!.evidenceSha256);
  });

  it('guards cells a spreadsheet would run as formulas (= + - @)', async () => {
    const rows = parseCsv(text((await renderReport(model, 'csv')).bytes)) as string[][];
    const row = rows.find((r) => r[1] === FORMULA_CHECK)!;
    expect(row[2]).toBe(`'${FORMULA_TITLE}`);
    expect(row[7]).toBe(`'+1 then -1, @once`);
    expect(rows.flat().filter((cell) => /^[=+\-@\t\r]/.test(cell))).toEqual([]);
  });
});

describe('JUnit', () => {
  it('parses strictly, a testsuite per node and a testcase per check, with failures, errors and skips as the effective statuses say', async () => {
    const xml = text((await renderReport(model, 'junit')).bytes);
    const doc = (await parseStringPromise(xml, { strict: true })) as {
      testsuites: { $: Record<string, string>; testsuite: Array<{ $: Record<string, string>; testcase: Array<Record<string, unknown>> }> };
    };
    const suites = doc.testsuites.testsuite;
    expect(suites.map((s) => s.$.name)).toEqual([NODE, HOSTILE]);
    const count = (status: string) => model.results.filter((r) => r.effective === status).length;
    expect(doc.testsuites.$).toEqual(
      expect.objectContaining({
        tests: String(model.results.length),
        failures: String(count('fail')),
        errors: String(count('error')),
        skipped: String(count('not-applicable') + count('manual') + count('waived')),
      }),
    );
    const cases = suites.flatMap((s) => s.testcase);
    expect(cases).toHaveLength(model.results.length);
    expect(cases.filter((c) => c.failure)).toHaveLength(count('fail'));
    expect(cases.filter((c) => c.error)).toHaveLength(count('error'));
    expect(cases.filter((c) => c.skipped)).toHaveLength(count('not-applicable') + count('manual') + count('waived'));
    for (const suite of suites) expect(suite.$.tests).toBe(String(suite.testcase.length));
    const waived = suites[1]!.testcase.find((c) => String((c.$ as Record<string, string>).name).startsWith(`${failing}:`))!;
    expect((waived.skipped as Array<{ $: { message: string } }>)[0]!.$.message).toMatch(/^waiver #\d+ \(fleet\) approved by ciso/);
    const manual = suites[1]!.testcase.find((c) => String((c.$ as Record<string, string>).name).startsWith(`${MANUAL_CHECK}:`))!;
    expect((manual.$ as Record<string, string>).name).toBe(`${MANUAL_CHECK}: ${real.checks.find((c) => c.id === MANUAL_CHECK)!.title}`);
  });
});

describe('HTML', () => {
  let html: string;
  beforeAll(async () => {
    html = text((await renderReport(model, 'html')).bytes);
  });

  it('is self-contained: no script, no external resource, no URL outside text', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\son\w+\s*=/i);
    expect(html).not.toMatch(/url\(|@import/i);
    const tags = html.match(/<[^>]*>/g) ?? [];
    expect(tags.length).toBeGreaterThan(100);
    expect(tags.filter((tag) => /https?:|\/\/|\b(src|href)\s*=/i.test(tag))).toEqual([]);
    // The URL in a check's title is text.
    expect(html).toContain(escapeHtml(FORMULA_TITLE));
    expect(html).toMatch(/@media print\{[\s\S]*\.page\{break-before:page\}/);
  });

  it('escapes a hostile node name and the texts, and shows node names, check titles, evidence, waivers and attestations', () => {
    expect(html).not.toContain(HOSTILE);
    expect(html).not.toContain('<b>&amp;');
    expect(html).toContain(escapeHtml(HOSTILE));
    expect(html).toContain(`<h2>Node ${escapeHtml(HOSTILE)}</h2>`);
    expect(html).toContain(`<h2>Node ${NODE}</h2>`);
    for (const check of real.checks) expect(html).toContain(escapeHtml(check.title));
    expect(html).toContain('BMC firmware is current &amp; &quot;signed&quot; &lt;reviewed by hand&gt;');
    expect(html).toContain(escapeHtml('Checked the BMC, "ok", =1+1'));
    expect(html).toContain(escapeHtml('Vendor image, fixed in Q3, see "ticket" <OPS-1>, risk accepted'));
    const excerpt = model.results.flatMap((r) => r.evidence).find((ev) => ev.excerpt.length > 20 && ev.excerpt.length < 2000)!;
    expect(html).toContain(escapeHtml(excerpt.excerpt));
    for (const f of ['CIS', 'NIST', 'SSG']) expect(html).toContain(`<tr><th>${f}</th>`);
  });
});
