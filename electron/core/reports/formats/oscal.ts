/**
 * OSCAL 1.0.6 Assessment Results JSON (NIST's schema, test/fixtures/oscal/): one result for the
 * run, an observation per node x check with its evidence, a finding per node x check, the
 * auditor's attestations, waivers as accepted risks, and back-matter resources that carry the
 * SHA-256 of every evidence output, attachment and the policy file.
 *
 * UUIDs are version 5, derived from the run and the item (node, check, evidence hash...), so the
 * same run always yields the same ids and two exports diff cleanly; only the document's own uuid
 * also takes the export time, since each export is a new document.
 *
 * The schema requires `import-ap` (an assessment plan). Clusterdeck has no OSCAL plan: the policy
 * is the plan. So `import-ap.href` points at a back-matter resource (`#uuid`) describing the
 * policy, pinned by its SHA-256.
 *
 * Status: pass -> satisfied; not-applicable -> satisfied with implementation-status
 * not-applicable; fail, error, manual without attestation -> not-satisfied. A waived result is
 * not-satisfied with a remark and a prop naming the waiver, and a risk (deviation-approved) that
 * carries its justification, approver and expiry: never satisfied.
 */
import { createHash } from 'node:crypto';
import type { Attestation, AuditResultView, CheckInfo, EffectiveStatus, Waiver } from '../../../../shared/model/audits';
import type { ReportFormatter, ReportModel } from '../types';

export const OSCAL_VERSION = '1.0.6';
/** Namespace of Clusterdeck's own prop names (OSCAL asks names it does not define to carry one). */
export const CLUSTERDECK_NS = 'urn:clusterdeck:oscal';
/** The namespace of Clusterdeck's version-5 UUIDs (a fixed random UUID). */
const UUID_NAMESPACE = '9b6d268d-bd4b-41c4-9085-e06cb7ce95f6';
/** Where a bundle keeps evidence outputs and attachments, relative to the report. */
export const evidenceHref = (sha256: string): string => `evidence/${sha256}.txt`;
export const attachmentHref = (sha256: string): string => `attachments/${sha256}`;

type Json = Record<string, unknown>;

/** RFC 4122 version-5 UUID (SHA-1 of namespace + name). */
export function uuidV5(name: string, namespace = UUID_NAMESPACE): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** OSCAL's string type: one line, no leading or trailing space, not empty; bounded. */
export function oscalString(text: string, fallback = '-', max = 1024): string {
  const line = text.replace(/\s+/g, ' ').trim().slice(0, max).trim();
  return line.length > 0 ? line : fallback;
}

/** OSCAL's token type (an XML NCName): a check id may start with a digit, so it gets a `_`. */
export function oscalToken(text: string): string {
  const token = text.replace(/[^\p{L}\p{N}._-]/gu, '_');
  return /^[\p{L}_]/u.test(token) ? token : `_${token}`;
}

/** NIST SP 800-53 as OSCAL's catalog names it: AC-6(2) -> ac-6.2. */
export function oscalControlId(nist: string): string {
  return oscalToken(nist.toLowerCase().replace(/\(([0-9a-z]+)\)/g, '.$1'));
}

const iso = (ms: number): string => new Date(ms).toISOString();
const isSha256 = (value: string): boolean => /^[0-9a-f]{64}$/i.test(value);
const prop = (name: string, value: string): Json => ({ name, ns: CLUSTERDECK_NS, value: oscalString(value) });
const sha256Hash = (value: string): Json[] => [{ algorithm: 'SHA-256', value: value.toLowerCase() }];

/** A fenced Markdown block whose fence is longer than any backtick run in the text. */
function fenced(text: string): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}\n${text}\n${fence}`;
}

interface Finding {
  state: 'satisfied' | 'not-satisfied';
  reason: 'pass' | 'fail' | 'other';
  remarks?: string;
}

function waiverText(waiver: Waiver | undefined, id: number | null): string {
  if (!waiver) return `Waived by waiver #${id ?? '?'}.`;
  return (
    `Waived by waiver #${waiver.id} (approved by ${waiver.approver}, until ${iso(waiver.expiresAtMs)}): ${waiver.justification}. ` +
    'The failure stands; the waiver accepts it until it expires.'
  );
}

export function findingStatus(effective: EffectiveStatus, detail: string, waiver?: Waiver, waiverId: number | null = null): Finding {
  switch (effective) {
    case 'pass':
      return { state: 'satisfied', reason: 'pass' };
    case 'not-applicable':
      return { state: 'satisfied', reason: 'other', remarks: 'Not applicable on this node.' };
    case 'fail':
      return { state: 'not-satisfied', reason: 'fail' };
    case 'error':
      return { state: 'not-satisfied', reason: 'other', remarks: `The check could not be evaluated: ${detail}` };
    case 'manual':
      return { state: 'not-satisfied', reason: 'other', remarks: 'A manual check that no auditor has attested yet.' };
    case 'waived':
      return { state: 'not-satisfied', reason: 'fail', remarks: waiverText(waiver, waiverId) };
  }
}

/** Everyone named in the report's attestations and waivers, as OSCAL parties with roles. */
function peopleOf(model: ReportModel, id: (name: string) => string) {
  const roles = new Map<string, Set<string>>([
    ['assessor', new Set()],
    ['waiver-approver', new Set()],
  ]);
  for (const a of model.attestations) roles.get('assessor')!.add(a.by);
  for (const w of model.waivers) {
    roles.get('assessor')!.add(w.by);
    roles.get('waiver-approver')!.add(w.approver);
  }
  const names = [...new Set([...roles.values()].flatMap((set) => [...set]))].sort();
  const parties = names.map((name) => ({ uuid: id(`party/person/${name}`), type: 'person', name: oscalString(name) }));
  return { parties, roles };
}

function metadataOf(model: ReportModel, id: (name: string) => string): Json {
  const tool = id('party/tool');
  const { parties, roles } = peopleOf(model, id);
  const responsible = [{ 'role-id': 'prepared-by', 'party-uuids': [tool] }];
  for (const [role, names] of roles) {
    if (names.size > 0) responsible.push({ 'role-id': role, 'party-uuids': [...names].sort().map((n) => id(`party/person/${n}`)) });
  }
  return {
    title: `Assessment results: ${model.policy.title} (run ${model.run.runId})`,
    'last-modified': iso(model.generatedAt),
    version: oscalString(`run-${model.run.runId}`),
    'oscal-version': OSCAL_VERSION,
    props: [prop('generator', `${model.generator.name} ${model.generator.version}`)],
    roles: [
      { id: 'prepared-by', title: 'Prepared by', description: 'The tool that ran the checks and wrote this document.' },
      { id: 'assessor', title: 'Assessor', description: 'An auditor who attested a result or recorded a waiver.' },
      { id: 'waiver-approver', title: 'Waiver approver', description: 'Who approved a waiver.' },
    ],
    parties: [
      {
        uuid: tool,
        type: 'organization',
        name: oscalString(`${model.generator.name} ${model.generator.version}`),
        remarks: 'Software: the audit tool, which collected the evidence over SSH and evaluated the checks.',
      },
      ...parties,
    ],
    'responsible-parties': responsible,
  };
}

interface EvidenceResource {
  uuid: string;
  json: Json;
}

function evidenceResources(model: ReportModel, id: (name: string) => string): Map<string, EvidenceResource> {
  const resources = new Map<string, EvidenceResource>();
  for (const result of model.results) {
    for (const e of result.evidence) {
      const sha = e.sha256.toLowerCase();
      if (!isSha256(sha) || resources.has(sha)) continue;
      const uuid = id(`evidence/${sha}`);
      const exit = e.exitCode === null ? '' : `, exit code ${e.exitCode}`;
      const problem = e.problem ? ` (${e.problem})` : '';
      resources.set(sha, {
        uuid,
        json: {
          uuid,
          title: `Output of ${oscalString(e.source, e.probe, 200)} on ${result.nodeId}`,
          description: `Probe \`${e.probe}\` on ${result.nodeId}${exit}${problem}, collected ${iso(e.startedAt)}. The hash is of the full output; an excerpt:\n\n${fenced(e.excerpt)}`,
          props: [prop('probe', e.probe), prop('node-id', result.nodeId), prop('source', e.source)],
          rlinks: [{ href: evidenceHref(sha), 'media-type': 'text/plain', hashes: sha256Hash(sha) }],
        },
      });
    }
  }
  return resources;
}

function attachmentResources(attestations: readonly Attestation[], id: (name: string) => string): Map<string, Json> {
  const resources = new Map<string, Json>();
  for (const a of attestations) {
    for (const file of a.attachments) {
      const sha = file.sha256.toLowerCase();
      if (!isSha256(sha) || resources.has(sha)) continue;
      resources.set(sha, {
        uuid: id(`attachment/${sha}`),
        title: `Attachment ${file.name}`,
        description: `Attached by ${a.by} to the attestation of ${a.checkId} on ${a.nodeId} (${file.bytes} bytes).`,
        props: [prop('file-name', file.name)],
        rlinks: [{ href: attachmentHref(sha), hashes: sha256Hash(sha) }],
      });
    }
  }
  return resources;
}

function planResource(model: ReportModel, uuid: string): Json {
  const { policy } = model;
  const plan: Json = {
    uuid,
    title: `Assessment plan: policy ${policy.id} version ${policy.version}`,
    description:
      `${policy.title}. ${policy.description}`.trim() +
      '\n\nClusterdeck has no separate OSCAL assessment plan: the policy file, pinned by its SHA-256, is the plan. Its checks are the objectives of this assessment.',
    props: [prop('policy-id', policy.id), prop('policy-version', policy.version)],
  };
  if (isSha256(policy.sha256))
    plan.rlinks = [{ href: `policies/${oscalToken(policy.id)}.yaml`, 'media-type': 'application/yaml', hashes: sha256Hash(policy.sha256) }];
  return plan;
}

function nistControls(checks: readonly CheckInfo[]): string[] {
  return [...new Set(checks.flatMap((c) => c.references.nist.map(oscalControlId)))].sort();
}

function reviewedControls(model: ReportModel): Json {
  const controls = nistControls(model.checks);
  const selection: Json =
    controls.length > 0
      ? { 'include-controls': controls.map((c) => ({ 'control-id': c })) }
      : { remarks: 'No check in this report cites a NIST SP 800-53 control.' };
  const reviewed: Json = {
    description: 'The NIST SP 800-53 rev. 5 controls the checks of this report cite; each check is an objective.',
    'control-selections': [selection],
  };
  if (model.checks.length > 0) {
    reviewed['control-objective-selections'] = [{ 'include-objectives': model.checks.map((c) => ({ 'objective-id': oscalToken(c.id) })) }];
  }
  return reviewed;
}

function localDefinitions(model: ReportModel, id: (name: string) => string, nodeUuid: (nodeId: string) => string): Json {
  const tool = id('component/tool');
  const local: Json = {
    'assessment-assets': {
      components: [
        {
          uuid: tool,
          type: 'software',
          title: model.generator.name,
          description: 'Agentless audit over SSH: reads files and runs commands on each node, keeps their output as evidence.',
          props: [{ name: 'version', value: oscalString(model.generator.version) }],
          status: { state: 'operational' },
        },
      ],
      'assessment-platforms': [{ uuid: id('platform/tool'), title: model.generator.name, 'uses-components': [{ 'component-uuid': tool }] }],
    },
  };
  if (model.nodes.length > 0) {
    local['inventory-items'] = model.nodes.map((n) => {
      const props = [{ name: 'asset-id', value: oscalString(n.nodeId) }];
      if (n.hostKey) props.push(prop('host-key', n.hostKey) as { name: string; value: string });
      const item: Json = { uuid: nodeUuid(n.nodeId), description: `Node ${n.nodeId}`, props };
      if (n.error) item.remarks = `Not audited: ${n.error}`;
      return item;
    });
  }
  return local;
}

function observationOf(
  result: AuditResultView,
  check: CheckInfo | undefined,
  uuid: string,
  nodeUuid: string,
  resources: Map<string, EvidenceResource>,
  collectedFallback: number,
): Json {
  const evidence = result.evidence.map((e) => {
    const resource = resources.get(e.sha256.toLowerCase());
    const exit = e.exitCode === null ? '' : ` (exit code ${e.exitCode})`;
    const item: Json = {
      description: `${e.probe}: ${e.source}${exit}${e.problem ? `: ${e.problem}` : ''}`,
    };
    if (resource) item.href = `#${resource.uuid}`;
    if (isSha256(e.sha256)) item.props = [prop('sha256', e.sha256.toLowerCase())];
    return item;
  });
  const props = [prop('check-id', result.checkId), prop('node-id', result.nodeId), prop('probe-status', result.status)];
  if (isSha256(result.evidenceSha256)) props.push(prop('evidence-sha256', result.evidenceSha256.toLowerCase()));
  if (result.attestationId !== null) props.push(prop('attestation-id', String(result.attestationId)));
  const started = result.evidence.map((e) => e.startedAt);
  return {
    uuid,
    title: `${check?.title ?? result.checkId} on ${result.nodeId}`,
    description: result.detail || 'No detail recorded.',
    props,
    methods: result.attestationId !== null || check?.manual ? ['EXAMINE'] : ['TEST'],
    subjects: [{ 'subject-uuid': nodeUuid, type: 'inventory-item' }],
    'relevant-evidence': evidence.length > 0 ? evidence : [{ description: 'No host output: the verdict rests on the detail above.' }],
    collected: iso(started.length > 0 ? Math.min(...started) : collectedFallback),
  };
}

function attestationOf(a: Attestation, id: (name: string) => string, attachments: Map<string, Json>): Json {
  const links = a.attachments
    .filter((f) => attachments.has(f.sha256.toLowerCase()))
    .map((f) => ({ href: `#${attachments.get(f.sha256.toLowerCase())!.uuid as string}`, rel: 'evidence', text: f.name }));
  const part: Json = {
    uuid: id(`attestation/${a.id}`),
    name: 'attestation',
    title: `${a.checkId} on ${a.nodeId}: ${a.status}`,
    props: [
      prop('attestation-id', String(a.id)),
      prop('check-id', a.checkId),
      prop('node-id', a.nodeId),
      prop('status', a.status),
      prop('attested-at', iso(a.atMs)),
    ],
    prose: a.note || 'No note.',
  };
  if (links.length > 0) part.links = links;
  return { 'responsible-parties': [{ 'role-id': 'assessor', 'party-uuids': [id(`party/person/${a.by}`)] }], parts: [part] };
}

function riskOf(waiver: Waiver, uuid: string, observations: string[]): Json {
  const scope = waiver.scope.kind === 'node' ? `node ${waiver.scope.nodeId}` : waiver.scope.kind === 'group' ? `group ${waiver.scope.group}` : 'the fleet';
  return {
    uuid,
    title: `Waiver #${waiver.id}: ${waiver.checkId} on ${scope}`,
    description: `A failure of ${waiver.checkId} accepted for ${scope}, recorded by ${waiver.by} and approved by ${waiver.approver}, until ${iso(waiver.expiresAtMs)}.`,
    statement: waiver.justification || 'No justification recorded.',
    props: [prop('waiver-id', String(waiver.id)), prop('approver', waiver.approver), prop('scope', scope), prop('expires', iso(waiver.expiresAtMs))],
    status: 'deviation-approved',
    deadline: iso(waiver.expiresAtMs),
    'related-observations': observations.map((o) => ({ 'observation-uuid': o })),
  };
}

/** The OSCAL document as a plain object (`{ "assessment-results": ... }`). */
export function oscalAssessmentResults(model: ReportModel): Json {
  const seed = `${model.run.policySha256}/${model.run.runId}/${model.run.startedAt}`;
  const id = (name: string) => uuidV5(`${seed}/${name}`);
  const nodeUuid = (nodeId: string) => id(`node/${nodeId}`);
  const checkById = new Map(model.checks.map((c) => [c.id, c]));
  const waiverById = new Map(model.waivers.map((w) => [w.id, w]));
  const evidence = evidenceResources(model, id);
  const attachments = attachmentResources(model.attestations, id);
  const planUuid = id('plan');

  const observations: Json[] = [];
  const findings: Json[] = [];
  const risks = new Map<number, { uuid: string; observations: string[] }>();
  for (const r of model.results) {
    const key = `${r.nodeId}/${r.checkId}`;
    const check = checkById.get(r.checkId);
    const observation = id(`observation/${key}`);
    observations.push(observationOf(r, check, observation, nodeUuid(r.nodeId), evidence, model.run.startedAt));
    const waiver = r.waiverId === null ? undefined : waiverById.get(r.waiverId);
    const status = findingStatus(r.effective, r.detail, waiver, r.waiverId);
    const target: Json = { type: 'objective-id', 'target-id': oscalToken(r.checkId), status: { state: status.state, reason: status.reason } };
    if (r.effective === 'not-applicable') target['implementation-status'] = { state: 'not-applicable' };
    const props = [prop('check-id', r.checkId), prop('node-id', r.nodeId), prop('effective-status', r.effective)];
    if (check) props.push(prop('severity', check.severity), ...check.references.nist.map((c) => prop('nist-control', oscalControlId(c))));
    const finding: Json = {
      uuid: id(`finding/${key}`),
      title: `${check?.title ?? r.checkId}: ${r.nodeId}`,
      description: check ? `${check.description}\n\nRemediation: ${check.remediation}` : r.detail || r.checkId,
      props,
      target,
      'related-observations': [{ 'observation-uuid': observation }],
    };
    if (status.remarks) finding.remarks = status.remarks;
    if (r.effective === 'waived' && r.waiverId !== null) {
      props.push(prop('waiver-id', String(r.waiverId)));
      const risk = risks.get(r.waiverId) ?? { uuid: id(`risk/waiver/${r.waiverId}`), observations: [] };
      risk.observations.push(observation);
      risks.set(r.waiverId, risk);
      if (waiver) finding['related-risks'] = [{ 'risk-uuid': risk.uuid }];
    }
    findings.push(finding);
  }
  for (const node of model.nodes.filter((n) => !n.audited)) {
    observations.push({
      uuid: id(`observation/${node.nodeId}/not-audited`),
      title: `${node.nodeId} not audited`,
      description: node.error ?? 'The node could not be audited.',
      props: [prop('node-id', node.nodeId), prop('probe-status', 'error')],
      methods: ['TEST'],
      subjects: [{ 'subject-uuid': nodeUuid(node.nodeId), type: 'inventory-item' }],
      collected: iso(model.run.startedAt),
    });
  }

  const result: Json = {
    uuid: id('result'),
    title: `Audit run ${model.run.runId}: ${model.policy.title}`,
    description:
      `Policy ${model.policy.id} version ${model.policy.version} (SHA-256 ${model.policy.sha256}) run on ${model.nodes.length} node(s) by ` +
      `${model.generator.name} ${model.generator.version}: ${model.scores.policy.pass} passed, ${model.scores.policy.fail} failed, ` +
      `${model.scores.policy.error} errors, ${model.scores.policy.waived} waived, ${model.scores.policy.manual} awaiting attestation.`,
    start: iso(model.run.startedAt),
    end: iso(Math.max(model.run.endedAt, model.run.startedAt)),
    props: [prop('run-id', String(model.run.runId)), prop('policy-id', model.policy.id), prop('policy-version', model.policy.version)],
    'local-definitions': localDefinitions(model, id, nodeUuid),
    'reviewed-controls': reviewedControls(model),
  };
  if (model.attestations.length > 0) result.attestations = model.attestations.map((a) => attestationOf(a, id, attachments));
  if (observations.length > 0) result.observations = observations;
  const riskList = [...risks].filter(([waiverId]) => waiverById.has(waiverId));
  if (riskList.length > 0) result.risks = riskList.map(([waiverId, r]) => riskOf(waiverById.get(waiverId)!, r.uuid, r.observations));
  if (findings.length > 0) result.findings = findings;

  return {
    'assessment-results': {
      uuid: uuidV5(`${seed}/document/${model.generatedAt}`),
      metadata: metadataOf(model, id),
      'import-ap': {
        href: `#${planUuid}`,
        remarks: 'No OSCAL assessment plan exists: the policy is the plan, described (and pinned by its SHA-256) in the back-matter resource this points to.',
      },
      results: [result],
      'back-matter': { resources: [planResource(model, planUuid), ...[...evidence.values()].map((r) => r.json), ...attachments.values()] },
    },
  };
}

export const oscalFormatter: ReportFormatter = {
  format: 'oscal',
  extension: 'oscal.json',
  mime: 'application/json',
  render(model) {
    return new TextEncoder().encode(`${JSON.stringify(oscalAssessmentResults(model), null, 2)}\n`);
  },
};
