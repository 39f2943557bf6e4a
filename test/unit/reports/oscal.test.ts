// OSCAL Assessment Results from a real stored run (the built-in policy over this machine), with
// an attestation and a waiver, validated against NIST's own JSON Schema (OSCAL 1.0.6) by ajv:
// the document is valid, a broken one is not, every evidence output is in the back-matter with
// its SHA-256, and a waived failure is not-satisfied, naming its waiver.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv, { type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import { oscalAssessmentResults, oscalControlId, oscalFormatter, oscalToken, uuidV5 } from '../../../electron/core/reports/formats/oscal';
import type { ReportModel } from '../../../electron/core/reports/types';
import { attestation, HOSTILE, MANUAL_CHECK, modelOf, NODE, realStoredRun, waiver, type RealRun } from './real-run';

const SCHEMA = join(__dirname, '../../fixtures/oscal/oscal_assessment-results_schema.json');

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let validate: ValidateFunction;
let real: RealRun;
let model: ReportModel;
let failing: string;

beforeAll(async () => {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')));
  real = await realStoredRun();
  const t0 = real.run.endedAt;
  failing = real.run.results.find((r) => r.nodeId === NODE && r.status === 'fail')!.checkId;
  model = modelOf(real, {
    attestations: [attestation(real.run.id, NODE, MANUAL_CHECK, 'pass', t0 + 1)],
    waivers: [waiver(failing, { kind: 'node', nodeId: NODE }, { createdAtMs: t0, expiresAtMs: t0 + 86_400_000 })],
    nowMs: t0 + 2,
  });
}, 120_000);

const errorsOf = () => (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath} ${e.message}`);

function documentOf(m: ReportModel): Json {
  return JSON.parse(new TextDecoder().decode(oscalFormatter.render(m, {}) as Uint8Array)) as Json;
}

describe('OSCAL Assessment Results', () => {
  it('validates against NIST’s schema', () => {
    const doc = documentOf(model);
    expect(validate(doc), errorsOf().join('\n')).toBe(true);
    expect(doc['assessment-results'].metadata['oscal-version']).toBe('1.0.6');
  });

  it('is invalid when broken (a missing uuid, a finding with an unknown state)', () => {
    const noUuid = documentOf(model);
    delete noUuid['assessment-results'].uuid;
    expect(validate(noUuid)).toBe(false);
    expect(errorsOf().join('\n')).toContain("must have required property 'uuid'");

    const badState = documentOf(model);
    badState['assessment-results'].results[0].findings[0].target.status.state = 'waived';
    expect(validate(badState)).toBe(false);
  });

  it('validates with no attestations, waivers or nodes, and a check id starting with a digit', () => {
    const bare = modelOf(real, { nodeIds: ['no-such-node'] });
    expect(validate(documentOf(bare)), errorsOf().join('\n')).toBe(true);
    const digits = { ...model, checks: model.checks.map((c, i) => (i === 0 ? { ...c, id: '0-first' } : c)) };
    expect(validate(documentOf(digits)), errorsOf().join('\n')).toBe(true);
  });

  it('has an observation and a finding per node x check, the nodes as inventory items', () => {
    const result = documentOf(model)['assessment-results'].results[0];
    expect(result.findings).toHaveLength(model.results.length);
    expect(result.observations.length).toBeGreaterThanOrEqual(model.results.length);
    const items = result['local-definitions']['inventory-items'] as Json[];
    expect(items.map((i) => i.props[0].value)).toEqual([NODE, HOSTILE]);
    const hostileUuid = items[1]!.uuid;
    const observation = result.observations.find((o: Json) => o.subjects[0]['subject-uuid'] === hostileUuid);
    expect(observation.methods).toEqual(['TEST']);
    const byUuid = new Map(result.observations.map((o: Json) => [o.uuid, o]));
    for (const f of result.findings) expect(byUuid.has(f['related-observations'][0]['observation-uuid'])).toBe(true);
    const controls = result['reviewed-controls']['control-selections'][0]['include-controls'].map((c: Json) => c['control-id']);
    expect(controls).toContain('ac-6.2');
  });

  it('puts every evidence output in the back-matter with its SHA-256, linked from its observation', () => {
    const doc = documentOf(model)['assessment-results'];
    const resources = new Map<string, Json>(doc['back-matter'].resources.map((r: Json) => [r.uuid, r]));
    const hashes = new Set(
      [...resources.values()].flatMap((r) => (r.rlinks ?? []).flatMap((l: Json) => (l.hashes ?? []).map((h: Json) => `${h.algorithm}:${h.value}`))),
    );
    const evidence = model.results.flatMap((r) => r.evidence.map((e) => e.sha256));
    expect(evidence.length).toBeGreaterThan(0);
    for (const sha of evidence) expect(hashes).toContain(`SHA-256:${sha}`);
    for (const o of doc.results[0].observations) {
      for (const e of o['relevant-evidence'] ?? []) if (e.href) expect(resources.has(e.href.slice(1))).toBe(true);
    }
    expect(hashes).toContain(`SHA-256:${'a'.repeat(64)}`); // the attestation's attachment
    expect(resources.get(doc['import-ap'].href.slice(1))!.rlinks[0].hashes[0].value).toBe(model.policy.sha256);
  });

  it('keeps a waived failure not-satisfied, naming the waiver, with an accepted risk', () => {
    const result = documentOf(model)['assessment-results'].results[0];
    const finding = result.findings.find(
      (f: Json) => f.props.some((p: Json) => p.name === 'node-id' && p.value === NODE) && f.target['target-id'] === oscalToken(failing),
    );
    const w = model.waivers[0]!;
    expect(finding.target.status.state).toBe('not-satisfied');
    expect(finding.props).toContainEqual(expect.objectContaining({ name: 'waiver-id', value: String(w.id) }));
    expect(finding.remarks).toContain(`waiver #${w.id}`);
    const risk = result.risks.find((r: Json) => r.uuid === finding['related-risks'][0]['risk-uuid']);
    expect(risk).toEqual(expect.objectContaining({ status: 'deviation-approved', statement: w.justification }));
    const states = new Set(result.findings.filter((f: Json) => f.props.some((p: Json) => p.value === 'waived')).map((f: Json) => f.target.status.state));
    expect([...states]).toEqual(['not-satisfied']);
  });

  it('carries the auditor’s attestation with its note, and the auditor as a party', () => {
    const doc = documentOf(model)['assessment-results'];
    const [att] = doc.results[0].attestations;
    expect(att.parts[0].prose).toBe(model.attestations[0]!.note);
    const auditor = doc.metadata.parties.find((p: Json) => p.name === 'auditor-ann');
    expect(att['responsible-parties'][0]['party-uuids']).toEqual([auditor.uuid]);
  });

  it('is stable: the same run gives the same ids; another export time gives another document uuid', () => {
    const a = documentOf(model)['assessment-results'];
    const b = documentOf({ ...model, generatedAt: model.generatedAt + 1 })['assessment-results'];
    expect(b.results).toEqual(a.results);
    expect(b.uuid).not.toBe(a.uuid);
  });
});

describe('OSCAL helpers', () => {
  it('makes RFC 4122 version-5 UUIDs (the RFC’s DNS example)', () => {
    expect(uuidV5('www.example.com', '6ba7b810-9dad-11d1-80b4-00c04fd430c8')).toBe('2ed6657d-e927-568b-95e1-2665a8aea6a2');
  });

  it('names NIST controls as OSCAL catalogs do, and makes tokens', () => {
    expect(oscalControlId('AC-17(2)')).toBe('ac-17.2');
    expect(oscalToken('gnb-ssh-001')).toBe('gnb-ssh-001');
    expect(oscalToken('1abc')).toBe('_1abc');
  });

  it('builds a plain object rooted at assessment-results', () => {
    expect(Object.keys(oscalAssessmentResults(model))).toEqual(['assessment-results']);
  });
});
