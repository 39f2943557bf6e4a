/**
 * One report model, several formats. A report is built once from a stored audit run, the
 * policy it used, and the attestations and waivers in force (reports/model.ts), then each
 * format (reports/formats/*.ts, registered in reports/formats/index.ts) turns it into bytes.
 * Formats are pure: model in, bytes out (PDF prints the HTML through a Chromium it is given).
 */
import type { Attestation, AuditResultView, AuditRunSummary, CheckInfo, FrameworkName, ReportFormat, ScoreView, Waiver } from '../../../shared/model/audits';

export interface ReportNode {
  nodeId: string;
  audited: boolean;
  error: string | null;
  hostKey: string | null;
  score: ScoreView;
}

export interface ReportModel {
  /** Clusterdeck's version and when the report was made. */
  generator: { name: 'Clusterdeck'; version: string };
  generatedAt: number;
  run: AuditRunSummary;
  policy: { id: string; title: string; version: string; sha256: string; description: string };
  /** The scope the report was asked for. */
  scope: { nodeIds: readonly string[]; frameworks: readonly FrameworkName[] };
  nodes: readonly ReportNode[];
  checks: readonly CheckInfo[];
  /** node x check, with effective status (waived, attested). */
  results: readonly AuditResultView[];
  attestations: readonly Attestation[];
  waivers: readonly Waiver[];
  scores: { policy: ScoreView; frameworks: Partial<Record<FrameworkName, ScoreView>> };
}

export interface ReportFile {
  fileName: string;
  mime: string;
  bytes: Uint8Array;
}

/** Prints HTML to PDF: Electron's printToPDF in the app, playwright-core + system Chromium headless. */
export interface PdfPrinter {
  print(html: string): Promise<Uint8Array>;
}

export interface ReportFormatter {
  format: ReportFormat;
  /** e.g. 'csv'; the file name is `<policy>-run<id>.<extension>`. */
  extension: string;
  mime: string;
  render(model: ReportModel, context: { pdf?: PdfPrinter }): Promise<Uint8Array> | Uint8Array;
}
