/**
 * JUnit XML for CI pipelines: a testsuite per node, a testcase per check (classname the policy,
 * name the check id and title). Effective status decides: fail is a <failure>, error an
 * <error>, not-applicable / manual / waived a <skipped> with the reason; pass has neither. The
 * evidence's hash and the remediation travel in the failure text.
 */
import type { AuditResultView } from '../../../../shared/model/audits';
import type { ReportFormatter, ReportModel } from '../types';
import { attestationText, checksById, isoTime, resultLinks, waiverText } from './text';
import { xmlAttribute as attr, xmlText as text } from './xml-text';

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
}

function counts(results: readonly AuditResultView[]): Counts {
  return {
    tests: results.length,
    failures: results.filter((r) => r.effective === 'fail').length,
    errors: results.filter((r) => r.effective === 'error').length,
    skipped: results.filter((r) => r.effective === 'not-applicable' || r.effective === 'manual' || r.effective === 'waived').length,
  };
}

const countAttributes = (c: Counts) => `tests="${c.tests}" failures="${c.failures}" errors="${c.errors}" skipped="${c.skipped}"`;

export function renderJunit(model: ReportModel): string {
  const checks = checksById(model);
  const links = resultLinks(model);
  const classname = `${model.policy.id}`;
  const testcase = (r: AuditResultView): string => {
    const check = checks.get(r.checkId);
    const { waiver, attestation } = links(r);
    const name = `${r.checkId}: ${check?.title ?? r.checkId}`;
    const open = `    <testcase classname="${attr(classname)}" name="${attr(name)}" time="0">`;
    const body = [
      `${r.detail}`,
      check?.remediation ? `Remediation: ${check.remediation}` : '',
      attestation ? attestationText(attestation) : '',
      `Evidence sha256: ${r.evidenceSha256}`,
    ]
      .filter(Boolean)
      .join('\n');
    let inner = '';
    if (r.effective === 'fail') inner = `<failure message="${attr(r.detail)}" type="${attr(check?.severity ?? 'fail')}">${text(body)}</failure>`;
    else if (r.effective === 'error') inner = `<error message="${attr(r.detail)}" type="error">${text(body)}</error>`;
    else if (r.effective === 'waived') inner = `<skipped message="${attr(waiver ? waiverText(waiver) : 'waived')}"/>`;
    else if (r.effective === 'not-applicable') inner = `<skipped message="${attr(`not applicable: ${r.detail}`)}"/>`;
    else if (r.effective === 'manual') inner = `<skipped message="${attr(`manual check, not attested: ${r.detail}`)}"/>`;
    return inner ? `${open}\n      ${inner}\n    </testcase>` : `${open}</testcase>`;
  };
  const suites = model.nodes.map((node) => {
    const results = model.results.filter((r) => r.nodeId === node.nodeId);
    const head =
      `  <testsuite name="${attr(node.nodeId)}" ${countAttributes(counts(results))} timestamp="${attr(isoTime(model.run.startedAt))}" ` +
      `time="${Math.max(0, (model.run.endedAt - model.run.startedAt) / 1000)}">`;
    const properties = [
      ['policy', `${model.policy.id} ${model.policy.version}`],
      ['policy.sha256', model.policy.sha256],
      ['run', String(model.run.runId)],
      ['node.audited', String(node.audited)],
      ...(node.hostKey ? [['node.hostKey', node.hostKey]] : []),
      ...(node.error ? [['node.error', node.error]] : []),
    ]
      .map(([name, value]) => `      <property name="${attr(name!)}" value="${attr(value!)}"/>`)
      .join('\n');
    return [head, `    <properties>\n${properties}\n    </properties>`, ...results.map(testcase), '  </testsuite>'].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(`${model.policy.title} (run ${model.run.runId})`)}" ${countAttributes(counts(model.results))}>`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}

export const junitFormatter: ReportFormatter = {
  format: 'junit',
  extension: 'xml',
  mime: 'application/xml',
  render: (model) => new TextEncoder().encode(renderJunit(model)),
};
