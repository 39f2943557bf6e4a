/**
 * The report formats by name, and `renderReport`: one model in, one named file out
 * (`<policy>-run<id>.<ext>`). PDF and OSCAL register here once their formatters exist.
 */
import type { ReportFormat } from '../../../../shared/model/audits';
import type { PdfPrinter, ReportFile, ReportFormatter, ReportModel } from '../types';
import { csvFormatter } from './csv';
import { htmlFormatter } from './html';
import { jsonFormatter } from './json';
import { junitFormatter } from './junit';
import { oscalFormatter } from './oscal';
import { pdfFormatter } from './pdf';
import { fileStem } from './text';

export const REPORT_FORMATTERS: Partial<Record<ReportFormat, ReportFormatter>> = {
  json: jsonFormatter,
  csv: csvFormatter,
  junit: junitFormatter,
  html: htmlFormatter,
  oscal: oscalFormatter,
  pdf: pdfFormatter,
};

export function reportFormatter(format: ReportFormat): ReportFormatter {
  const formatter = REPORT_FORMATTERS[format];
  if (!formatter) throw new Error(`the report format ${format} is not available`);
  return formatter;
}

export function reportFileName(model: ReportModel, format: ReportFormat): string {
  return `${fileStem(model)}.${reportFormatter(format).extension}`;
}

export async function renderReport(model: ReportModel, format: ReportFormat, context: { pdf?: PdfPrinter } = {}): Promise<ReportFile> {
  const formatter = reportFormatter(format);
  const bytes = await formatter.render(model, context);
  return { fileName: `${fileStem(model)}.${formatter.extension}`, mime: formatter.mime, bytes };
}
