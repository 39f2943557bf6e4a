/**
 * CSV (RFC 4180: quoted where needed, quotes doubled, CRLF records) by csv-stringify: a header
 * row, then one row per node x check. A cell a spreadsheet would take for a formula (it starts
 * with = + - @, a tab or a carriage return) gets a leading apostrophe (OWASP's CSV injection
 * advice), so a hostile node name or note cannot run in the auditor's spreadsheet.
 */
import { stringify } from 'csv-stringify/sync';
import type { ReportFormatter, ReportModel } from '../types';
import { attestationText, checksById, resultLinks, waiverText } from './text';

export const CSV_HEADER = [
  'node',
  'check id',
  'title',
  'severity',
  'status',
  'effective status',
  'detail',
  'remediation',
  'cis',
  'nist',
  'ssg',
  'waiver',
  'attestation',
  'evidence sha256',
] as const;

/** Neutralises a cell a spreadsheet would evaluate. */
export function formulaSafe(cell: string): string {
  return /^[=+\-@\t\r]/.test(cell) ? `'${cell}` : cell;
}

export function csvRows(model: ReportModel): string[][] {
  const checks = checksById(model);
  const links = resultLinks(model);
  return model.results.map((r) => {
    const check = checks.get(r.checkId);
    const { waiver, attestation } = links(r);
    const refs = check?.references ?? { cis: [], nist: [], ssg: [] };
    return [
      r.nodeId,
      r.checkId,
      check?.title ?? r.checkId,
      check?.severity ?? '',
      r.status,
      r.effective,
      r.detail,
      check?.remediation ?? '',
      refs.cis.join('; '),
      refs.nist.join('; '),
      refs.ssg.join('; '),
      waiver ? waiverText(waiver) : '',
      attestation ? attestationText(attestation) : '',
      r.evidenceSha256,
    ];
  });
}

export function renderCsv(model: ReportModel): string {
  return stringify(
    [[...CSV_HEADER], ...csvRows(model)].map((row) => row.map(formulaSafe)),
    { record_delimiter: 'windows', quoted_match: /[\r\n]/ },
  );
}

export const csvFormatter: ReportFormatter = {
  format: 'csv',
  extension: 'csv',
  mime: 'text/csv; charset=utf-8',
  render: (model) => new TextEncoder().encode(renderCsv(model)),
};
