/**
 * `clusterdeck report export|bundle|verify` and `clusterdeck audit-log verify`: reports of a run
 * stored in the database (by `audit`, `serve` or the app), with the attestations and waivers in
 * force now; a signed bundle of reports and evidence; the bundle's and the audit log's checks.
 * Exit 0 when done or intact, 1 when something failed or was tampered with, 2 for usage errors.
 */
import type { Database as Db } from 'better-sqlite3';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { ReportFormat } from '../../../shared/model/audits';
import { ReportFormatSchema } from '../../../shared/model/audits';
import { APP_VERSION } from '../../core/app-root';
import { AuditLog, type AuditActor } from '../../core/audit-log';
import { AuditStore } from '../../core/compliance/audit-store';
import { builtInPolicies } from '../../core/compliance/policy-loader';
import { WorkflowStore } from '../../core/compliance/workflow-store';
import { InventoryStore } from '../../core/inventory/inventory-store';
import { evidenceFileName, verifyBundle, writeBundle, type EvidenceFile } from '../../core/reports/bundle';
import { renderReport } from '../../core/reports/formats/index';
import { installKeyDir, loadOrCreateInstallKey } from '../../core/reports/install-key';
import { buildReportModel, checkInfoOf } from '../../core/reports/model';
import type { ReportFile, ReportModel } from '../../core/reports/types';
import { openDatabase } from '../../core/store/db';
import { chromiumPdfPrinter } from '../pdf-printer';
import { loadRuntime, type CommonFlags } from '../runtime';
import { terminalSafe } from '../terminal-text';
import { UsageError } from '../usage-error';

export const DEFAULT_BUNDLE_FORMATS: readonly ReportFormat[] = ['json', 'html', 'csv', 'oscal'];
const FORMAT_NAMES = ReportFormatSchema.options.join('|');

export interface ReportExportFlags extends CommonFlags {
  run?: string;
  format?: string;
  out?: string;
}

export interface ReportBundleFlags extends CommonFlags {
  run?: string;
  format?: string[];
  out?: string;
}

type Log = (line: string) => void;
const stderrLog: Log = (line) => process.stderr.write(`${line}\n`);
const stdoutLog: Log = (line) => process.stdout.write(`${line}\n`);

/** A --format value, or UsageError naming the formats. */
export function parseFormat(value: string | undefined, command: string): ReportFormat {
  if (value === undefined) throw new UsageError(`${command} needs --format ${FORMAT_NAMES}`);
  const parsed = ReportFormatSchema.safeParse(value);
  if (!parsed.success) throw new UsageError(`--format ${JSON.stringify(terminalSafe(value))} is not one of ${FORMAT_NAMES}`);
  return parsed.data;
}

/** --run: 'latest' (the default) or a run id. */
function parseRun(value: string | undefined): number | 'latest' {
  if (value === undefined || value === 'latest') return 'latest';
  if (!/^[1-9][0-9]{0,15}$/.test(value)) throw new UsageError(`--run must be a run id or latest, not ${JSON.stringify(terminalSafe(value))}`);
  return Number(value);
}

/** Who acts, in the audit log: the login name; the CLI has the administrator's rights. */
export function cliActor(): AuditActor {
  let name = 'unknown';
  try {
    name = userInfo().username || name;
  } catch {
    // No passwd entry (a container): keep 'unknown'.
  }
  return { name, role: 'admin' };
}

/** The database a report reads: it must exist (a report never creates an empty one). */
function openStoredDatabase(flags: CommonFlags): { db: Db; dbPath: string } {
  const { dbPath } = loadRuntime(flags);
  if (dbPath !== ':memory:' && !existsSync(dbPath)) {
    throw new Error(`no database at ${dbPath}: run \`clusterdeck audit\` first (with the same --db), or name the database with --db`);
  }
  return { db: openDatabase(dbPath), dbPath };
}

/** The report model of a stored run, with the attestations and waivers in force at `nowMs`. */
export function storedReportModel(db: Db, runRef: number | 'latest', nowMs: number): ReportModel {
  const store = new AuditStore(db);
  const runId = runRef === 'latest' ? store.listRuns({ limit: 1 })[0]?.id : runRef;
  if (runId === undefined) throw new Error('no audit run is stored in this database: run `clusterdeck audit` first');
  const run = store.getRun(runId);
  if (!run) throw new Error(`no audit run ${runId} in this database`);
  const workflow = new WorkflowStore(db);
  // The policy's title and text where the built-in policy is the one that ran.
  const builtIn = builtInPolicies().find((load) => load.policy?.id === run.policyId && load.policy.sha256 === run.policySha256)?.policy;
  const checks = workflow.policySnapshot(run.id) ?? builtIn?.checks.map(checkInfoOf) ?? [];
  const inventory = new InventoryStore(db);
  return buildReportModel({
    run,
    checks,
    policy: builtIn ? { title: builtIn.title, description: builtIn.description } : undefined,
    attestations: workflow.attestations(run.nodes.map((node) => node.nodeId)),
    waivers: workflow.waivers(nowMs),
    nodeGroups: (nodeId) => inventory.get(nodeId)?.labels ?? [],
    scope: {},
    nowMs,
    version: APP_VERSION,
  });
}

export async function renderReports(model: ReportModel, formats: readonly ReportFormat[]): Promise<ReportFile[]> {
  // The system Chromium through playwright-core, found only when a PDF is asked for.
  const pdf = formats.includes('pdf') ? chromiumPdfPrinter() : undefined;
  const files: ReportFile[] = [];
  for (const format of formats) files.push(await renderReport(model, format, { pdf }));
  return files;
}

function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * The bundle's evidence: each result's full evidence as JSON (named by node and check), and each
 * probe output kept whole (its excerpt is the output the SHA-256 covers) as <sha256>.txt, which
 * the OSCAL report links to.
 */
export function evidenceFilesOf(model: ReportModel): EvidenceFile[] {
  const encoder = new TextEncoder();
  const files: EvidenceFile[] = [];
  const outputs = new Set<string>();
  for (const result of model.results) {
    const { nodeId, checkId, status, effective, detail, hostKey, evidenceSha256, evidence } = result;
    const document = { runId: model.run.runId, nodeId, checkId, status, effective, detail, hostKey, evidenceSha256, evidence };
    files.push({ name: evidenceFileName(nodeId, checkId), bytes: encoder.encode(`${JSON.stringify(document, null, 2)}\n`) });
    for (const item of evidence) {
      if (outputs.has(item.sha256) || sha256Hex(item.excerpt) !== item.sha256) continue;
      outputs.add(item.sha256);
      files.push({ name: `${item.sha256}.txt`, bytes: encoder.encode(item.excerpt) });
    }
  }
  return files;
}

/** The attestations' attachments, named by their SHA-256 (as the OSCAL report links them). */
function attachmentFilesOf(model: ReportModel, workflow: WorkflowStore): EvidenceFile[] {
  const seen = new Set<string>();
  const files: EvidenceFile[] = [];
  for (const attachment of model.attestations.flatMap((a) => a.attachments)) {
    if (seen.has(attachment.sha256)) continue;
    seen.add(attachment.sha256);
    const bytes = workflow.attachment(attachment.sha256);
    if (bytes) files.push({ name: attachment.sha256, bytes });
  }
  return files;
}

/** Writes the file whole or not at all. */
function writeWhole(path: string, bytes: Uint8Array): void {
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, bytes, { mode: 0o600 });
  renameSync(temporary, path);
}

/** Renders a stored run's report in one format to a file; records the export in the audit log. Used by `audit --format` too. */
export async function exportStoredReport(db: Db, runRef: number | 'latest', format: ReportFormat, out: string): Promise<ReportModel> {
  const model = storedReportModel(db, runRef, Date.now());
  const [file] = await renderReports(model, [format]);
  writeWhole(out, file!.bytes);
  new AuditLog(db, Date.now).append(cliActor(), 'reports:export', `run ${model.run.runId}`, { format, via: 'cli', sha256: sha256Hex(file!.bytes) });
  return model;
}

export async function reportExport(flags: ReportExportFlags, log: Log = stderrLog): Promise<number> {
  const format = parseFormat(flags.format, 'report export');
  if (!flags.out) throw new UsageError('report export needs --out PATH');
  const runRef = parseRun(flags.run);
  const out = resolve(flags.out);
  const { db } = openStoredDatabase(flags);
  try {
    const model = await exportStoredReport(db, runRef, format, out);
    log(terminalSafe(`run ${model.run.runId} (${model.policy.id}): ${format} report written to ${out}`));
    return 0;
  } finally {
    db.close();
  }
}

export async function reportBundle(flags: ReportBundleFlags, log: Log = stderrLog): Promise<number> {
  if (!flags.out) throw new UsageError('report bundle needs --out DIR (a new or empty folder)');
  const formats = [...new Set((flags.format?.length ? flags.format : DEFAULT_BUNDLE_FORMATS).map((f) => parseFormat(f, 'report bundle')))];
  const runRef = parseRun(flags.run);
  const out = resolve(flags.out);
  const { db, dbPath } = openStoredDatabase(flags);
  try {
    const model = storedReportModel(db, runRef, Date.now());
    const files = await renderReports(model, formats);
    const signer = loadOrCreateInstallKey(installKeyDir(dbPath));
    const manifest = writeBundle({ dir: out, files, evidence: evidenceFilesOf(model), attachments: attachmentFilesOf(model, new WorkflowStore(db)), signer });
    new AuditLog(db, Date.now).append(cliActor(), 'reports:export', `run ${model.run.runId}`, {
      formats,
      via: 'cli',
      bundle: true,
      files: manifest.files.length,
      publicKeySha256: manifest.signature.publicKeySha256,
    });
    log(
      terminalSafe(
        `run ${model.run.runId} (${model.policy.id}): bundle of ${manifest.files.length} files (${formats.join(', ')} and evidence) written to ${out}, ` +
          `signed with the installation key ${manifest.signature.publicKeySha256}`,
      ),
    );
    return 0;
  } finally {
    db.close();
  }
}

export async function reportVerify(bundle: string, flags: { publicKey?: string }, log: Log = stdoutLog): Promise<number> {
  let trusted: Buffer | undefined;
  if (flags.publicKey !== undefined) {
    try {
      trusted = readFileSync(flags.publicKey);
    } catch {
      throw new UsageError(`--public-key ${terminalSafe(flags.publicKey)}: cannot read the file`);
    }
  }
  const dir = resolve(bundle);
  const result = verifyBundle(dir, trusted);
  for (const path of result.changed) log(terminalSafe(`changed: ${path}`));
  for (const path of result.missing) log(terminalSafe(`missing: ${path}`));
  for (const path of result.added) log(terminalSafe(`added: ${path}`));
  for (const problem of result.problems) log(terminalSafe(`problem: ${problem}`));
  const key = result.publicKeySha256 ?? 'none';
  const keyText = result.trustedKey ? `the trusted key ${key}` : `the bundle's own key ${key} (pass --public-key FILE to check it is the installation's)`;
  log(terminalSafe(result.signatureValid ? `signature: valid, by ${keyText}` : `signature: INVALID for ${keyText}`));
  log(terminalSafe(result.ok ? `bundle ${dir}: intact` : `bundle ${dir}: NOT intact`));
  return result.ok ? 0 : 1;
}

export async function auditLogVerify(flags: CommonFlags, log: Log = stdoutLog): Promise<number> {
  const { db, dbPath } = openStoredDatabase(flags);
  try {
    const verdict = new AuditLog(db, Date.now).verify();
    if (verdict.ok) {
      log(terminalSafe(`audit log of ${dbPath}: ${verdict.rows} row${verdict.rows === 1 ? '' : 's'}, chain intact`));
      return 0;
    }
    log(terminalSafe(`audit log of ${dbPath}: row ${verdict.problem!.seq}: ${verdict.problem!.message}`));
    return 1;
  } finally {
    db.close();
  }
}
