/**
 * A self-contained, printable HTML report: inline CSS only, no script, no external resource (the
 * PDF format prints this page). Summary, scores per framework, per node, per check with the
 * evidence excerpts, the waivers and attestations. Every text from the run (node names, command
 * output, notes) is HTML-escaped; nothing from it lands in an attribute but escaped text.
 */
import type { AuditResultView, CheckInfo, EffectiveStatus, ScoreView } from '../../../../shared/model/audits';
import type { ReportFormatter, ReportModel } from '../types';
import { checksById, isoTime, resultLinks, waiverScopeText } from './text';

/** Evidence shown per probe in the page (the JSON report carries it whole, the hash names it). */
export const HTML_EXCERPT_CHARS = 2000;

export function escapeHtml(value: string | number | null | undefined): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

const e = escapeHtml;

const STYLE = `
*{box-sizing:border-box}
body{font:13px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#1b1f24;margin:24px;}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:2px solid #d0d7de;padding-bottom:4px}
h3{font-size:14px;margin:18px 0 6px}
table{border-collapse:collapse;width:100%;margin:6px 0 12px}
th,td{border:1px solid #d0d7de;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f3f5f7;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.meta{color:#57606a}.meta td,.meta th{border:none;padding:1px 8px 1px 0;background:none}
.mono,pre{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:11px}
pre{white-space:pre-wrap;word-break:break-all;background:#f6f8fa;border:1px solid #d0d7de;padding:6px;margin:4px 0;max-height:none}
.st{display:inline-block;padding:0 6px;border-radius:3px;font-weight:600;font-size:11px;white-space:nowrap}
.st-pass{background:#dafbe1;color:#116329}.st-fail{background:#ffebe9;color:#a40e26}.st-error{background:#fff1e5;color:#953800}
.st-not-applicable{background:#eaeef2;color:#57606a}.st-manual{background:#ddf4ff;color:#0550ae}.st-waived{background:#fbefff;color:#6e40c9}
.check{border:1px solid #d0d7de;border-radius:4px;padding:8px 10px;margin:10px 0;break-inside:avoid-page}
.muted{color:#57606a}
@page{size:A4;margin:14mm}
@media print{
  body{margin:0;font-size:11px}
  .page{break-before:page}
  tr,.evidence{break-inside:avoid}
  thead{display:table-header-group}
  h2,h3{break-after:avoid}
}
`;

const STATUS_LABEL: Record<EffectiveStatus, string> = {
  pass: 'pass',
  fail: 'fail',
  error: 'error',
  'not-applicable': 'not applicable',
  manual: 'manual',
  waived: 'waived',
};

function badge(status: EffectiveStatus): string {
  return `<span class="st st-${status}">${e(STATUS_LABEL[status])}</span>`;
}

function percent(score: number | null): string {
  return score === null ? '–' : `${(score * 100).toFixed(1)}%`;
}

function scoreCells(score: ScoreView): string {
  return [score.pass, score.fail, score.error, score.notApplicable, score.manual, score.waived]
    .map((n) => `<td class="num">${e(n)}</td>`)
    .join('')
    .concat(`<td class="num"><b>${e(percent(score.score))}</b></td>`);
}

const SCORE_HEAD = '<th>pass</th><th>fail</th><th>error</th><th>n/a</th><th>manual</th><th>waived</th><th>score</th>';

function table(head: string, rows: readonly string[], empty: string): string {
  if (rows.length === 0) return `<p class="muted">${e(empty)}</p>`;
  return `<table><thead><tr>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function excerptOf(text: string): string {
  return text.length > HTML_EXCERPT_CHARS
    ? `${text.slice(0, HTML_EXCERPT_CHARS)}\n… (${text.length - HTML_EXCERPT_CHARS} more characters in the JSON report)`
    : text;
}

function references(check: CheckInfo): string {
  const parts = (['cis', 'nist', 'ssg'] as const).filter((f) => check.references[f].length).map((f) => `${f.toUpperCase()}: ${check.references[f].join(', ')}`);
  return parts.length ? e(parts.join(' · ')) : '<span class="muted">none</span>';
}

function summary(model: ReportModel): string {
  const frameworks = Object.entries(model.scores.frameworks).map(([f, score]) => `<tr><th>${e(f.toUpperCase())}</th>${scoreCells(score)}</tr>`);
  const nodes = model.nodes.map(
    (n) =>
      `<tr><td>${e(n.nodeId)}</td><td>${n.audited ? 'yes' : `<b>no</b>: ${e(n.error)}`}</td><td class="mono">${e(n.hostKey ?? 'local')}</td>${scoreCells(n.score)}</tr>`,
  );
  return `<section>
<h2>Summary</h2>
${table(`<th></th>${SCORE_HEAD}`, [`<tr><th>Policy</th>${scoreCells(model.scores.policy)}</tr>`], '')}
<p class="muted">Score: pass / (pass + fail). Waived results are counted apart, never as passed.</p>
<h3>Scores per framework</h3>
${table(`<th>framework</th>${SCORE_HEAD}`, frameworks, 'No framework in scope.')}
<h3>Nodes</h3>
${table(`<th>node</th><th>audited</th><th>host key</th>${SCORE_HEAD}`, nodes, 'No node in scope.')}
</section>`;
}

function waiversAndAttestations(model: ReportModel): string {
  const waivers = model.waivers.map(
    (w) =>
      `<tr><td>#${e(w.id)}</td><td>${e(w.checkId)}</td><td>${e(waiverScopeText(w))}</td><td>${e(w.justification)}</td><td>${e(w.approver)}</td><td>${e(w.by)}</td>` +
      `<td>${e(isoTime(w.createdAtMs))}</td><td>${e(isoTime(w.expiresAtMs))}</td><td>${w.revokedAtMs !== null ? `revoked ${e(isoTime(w.revokedAtMs))}` : w.active ? 'active' : 'expired'}</td></tr>`,
  );
  const attestations = model.attestations.map(
    (a) =>
      `<tr><td>#${e(a.id)}</td><td>${e(a.nodeId)}</td><td>${e(a.checkId)}</td><td>${badge(a.status)}</td><td>${e(a.note)}</td>` +
      `<td>${a.attachments.map((f) => `${e(f.name)} <span class="mono">(${e(f.bytes)} B, sha256 ${e(f.sha256)})</span>`).join('<br>')}</td><td>${e(a.by)}</td><td>${e(isoTime(a.atMs))}</td></tr>`,
  );
  return `<section class="page">
<h2>Waivers</h2>
${table('<th>id</th><th>check</th><th>scope</th><th>justification</th><th>approver</th><th>by</th><th>created</th><th>expires</th><th>state</th>', waivers, 'No waiver applies to this report.')}
<h2>Attestations</h2>
${table('<th>id</th><th>node</th><th>check</th><th>status</th><th>note</th><th>attachments</th><th>by</th><th>at</th>', attestations, 'No attestation.')}
</section>`;
}

function perNode(model: ReportModel, checks: Map<string, CheckInfo>): string {
  return model.nodes
    .map((node) => {
      const rows = model.results
        .filter((r) => r.nodeId === node.nodeId)
        .map(
          (r) =>
            `<tr><td class="mono">${e(r.checkId)}</td><td>${e(checks.get(r.checkId)?.title ?? r.checkId)}</td><td>${e(checks.get(r.checkId)?.severity ?? '')}</td>` +
            `<td>${badge(r.status)}</td><td>${badge(r.effective)}</td><td>${e(r.detail)}</td></tr>`,
        );
      return `<section class="page">
<h2>Node ${e(node.nodeId)}</h2>
${node.audited ? '' : `<p><b>Not audited:</b> ${e(node.error)}</p>`}
${table('<th>check</th><th>title</th><th>severity</th><th>status</th><th>effective</th><th>detail</th>', rows, 'No result.')}
</section>`;
    })
    .join('\n');
}

function resultDetail(r: AuditResultView, links: ReturnType<typeof resultLinks>): string {
  const { waiver, attestation } = links(r);
  const evidence = r.evidence
    .map(
      (ev) =>
        `<div class="evidence"><div class="mono">${e(ev.probe)} — ${e(ev.source)}${ev.exitCode === null ? '' : ` (exit ${e(ev.exitCode)})`}${ev.problem ? ` — ${e(ev.problem)}` : ''} · sha256 ${e(ev.sha256)}</div>` +
        `<pre>${e(excerptOf(ev.excerpt))}</pre></div>`,
    )
    .join('');
  return `<h3>${e(r.nodeId)}: ${badge(r.status)} → ${badge(r.effective)}</h3>
<p>${e(r.detail)}</p>
${waiver ? `<p><b>Waived</b> by waiver #${e(waiver.id)} (${e(waiverScopeText(waiver))}), approved by ${e(waiver.approver)} until ${e(isoTime(waiver.expiresAtMs))}: ${e(waiver.justification)}</p>` : ''}
${attestation ? `<p><b>Attested</b> ${badge(attestation.status)} by ${e(attestation.by)} at ${e(isoTime(attestation.atMs))}: ${e(attestation.note)}</p>` : ''}
<p class="mono muted">evidence sha256 ${e(r.evidenceSha256)}</p>
${evidence}`;
}

function perCheck(model: ReportModel): string {
  const links = resultLinks(model);
  const sections = model.checks.map((check) => {
    const results = model.results.filter((r) => r.checkId === check.id);
    return `<div class="check">
<h3><span class="mono">${e(check.id)}</span> ${e(check.title)} <span class="muted">(${e(check.severity)}${check.manual ? ', manual' : ''})</span></h3>
<p>${e(check.description)}</p>
<p><b>Rationale:</b> ${e(check.rationale)}</p>
<p><b>Remediation:</b></p><pre>${e(check.remediation)}</pre>
<p><b>References:</b> ${references(check)}</p>
${check.note ? `<p class="muted">${e(check.note)}</p>` : ''}
${results.map((r) => resultDetail(r, links)).join('\n')}
</div>`;
  });
  return `<section class="page">\n<h2>Checks and evidence</h2>\n${sections.join('\n')}\n</section>`;
}

export function renderHtml(model: ReportModel): string {
  const checks = checksById(model);
  const title = `${model.policy.title} — audit run ${model.run.runId}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="generator" content="${e(`${model.generator.name} ${model.generator.version}`)}">
<title>${e(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>${e(title)}</h1>
<p>${e(model.policy.description)}</p>
<table class="meta">
<tr><th>Policy</th><td>${e(model.policy.id)} ${e(model.policy.version)} <span class="mono">sha256 ${e(model.policy.sha256)}</span></td></tr>
<tr><th>Run</th><td>#${e(model.run.runId)}, ${e(isoTime(model.run.startedAt))} – ${e(isoTime(model.run.endedAt))}</td></tr>
<tr><th>Scope</th><td>${e(model.scope.nodeIds.length)} node(s); frameworks ${e(model.scope.frameworks.map((f) => f.toUpperCase()).join(', ') || 'all')}</td></tr>
<tr><th>Report</th><td>made ${e(isoTime(model.generatedAt))} by ${e(model.generator.name)} ${e(model.generator.version)}; statuses as of then (waivers in force, attestations made)</td></tr>
</table>
</header>
${summary(model)}
${waiversAndAttestations(model)}
${perNode(model, checks)}
${perCheck(model)}
</body>
</html>
`;
}

export const htmlFormatter: ReportFormatter = {
  format: 'html',
  extension: 'html',
  mime: 'text/html; charset=utf-8',
  render: (model) => new TextEncoder().encode(renderHtml(model)),
};
