// The auditor's workflow through the engine's handlers, as every transport calls them
// (dispatchCall): an audit of this machine (the real LocalHost) with a user policy from the
// policies/ folder beside config.yaml, progress events, results, an attestation of a manual
// check, a waiver (waived, never pass; expired: the failure is back), a report; an auditor
// profile refused the administrator's calls; every action in the hash-chained audit log.
import { mkdirSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CONFIG } from '../../shared/config';
import type { CallHandlers, CallName, CallRequest, CallResponse, EventPayload } from '../../shared/contract';
import { dispatchCall } from '../../shared/dispatch';
import { createEngine, type Engine } from '../../electron/core/engine';
import { silentLogger } from '../../electron/core/log';
import { startHttpServer, type RunningHttpServer } from '../../electron/server/http-server';
import { tempDir } from '../helpers/tmp';

const POLICY = `id: workflow-test
title: Workflow test policy
version: "1.0"
description: One check that passes, one that fails, one the auditor answers.
checks:
  - id: wft-001
    title: The account database exists
    description: /etc/passwd exists.
    rationale: Accounts are read from it.
    remediation: Restore it from backup.
    severity: low
    references: { cis: [], nist: [AC-2], ssg: [] }
    rule:
      file: { path: /etc/passwd, exists: true }
  - id: wft-002
    title: The site marker file exists
    description: /etc/clusterdeck-site-marker exists.
    rationale: The site's build stamps it.
    remediation: Run the site build, then reboot.
    severity: high
    references: { cis: [], nist: [CM-6], ssg: [] }
    rule:
      file: { path: /etc/clusterdeck-site-marker, exists: true }
  - id: wft-003
    title: The BMC firmware is current
    description: Checked by hand against the vendor's list.
    rationale: Out-of-band controllers are a common way in.
    remediation: Update the BMC firmware.
    severity: medium
    references: { cis: [], nist: [SI-2], ssg: [] }
    rule: manual
`;

const DAY = 24 * 60 * 60 * 1000;
let engine: Engine | null = null;
let server: RunningHttpServer | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
  engine?.close();
  engine = null;
});

/** One HTTP request to the serve server on 127.0.0.1 (its own Host name). */
function send(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; cookie: string; body: string }>((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: { Host: `127.0.0.1:${port}`, ...options.headers } },
      (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, cookie: String(res.headers['set-cookie'] ?? '').split(';')[0]!, body }));
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

async function call<C extends CallName>(handlers: CallHandlers, name: C, request: CallRequest<C>): Promise<CallResponse<C>> {
  const result = await dispatchCall(handlers, name, request);
  if (!result.ok) throw new Error(`${name}: ${result.error.code}: ${result.error.message}`);
  return result.value as CallResponse<C>;
}

function start(dir = tempDir()): { engine: Engine; clock: { now: number } } {
  mkdirSync(join(dir, 'policies'));
  writeFileSync(join(dir, 'policies', 'workflow-test.yaml'), POLICY);
  const clock = { now: Date.now() };
  engine = createEngine({
    config: DEFAULT_CONFIG,
    dbPath: join(dir, 'clusterdeck.db'),
    configPath: join(dir, 'config.yaml'),
    mode: 'serve',
    log: silentLogger,
    clock: { now: () => clock.now },
    includeLocal: true,
    useInventory: false,
    defaultRulesFile: null,
    knownHostsFile: join(dir, 'known_hosts'),
    userKnownHostsFiles: [],
  });
  return { engine, clock };
}

describe('audit workflow (engine handlers, a real local node)', () => {
  it('runs an audit with progress, attests a manual check, waives a failure until it expires, exports, and logs every step', async () => {
    const { engine: running, clock } = start();
    const h = running.handlers;
    const nodeId = running.hosts.ids()[0]!;

    const policies = await call(h, 'audits:policies', {});
    expect(policies.map((p) => [p.id, p.builtIn])).toEqual(
      expect.arrayContaining([
        ['gpu-node-baseline', true],
        ['workflow-test', false],
      ]),
    );

    const progress: EventPayload<'audit:progress'>[] = [];
    running.events.on('audit:progress', (event) => progress.push(event));
    const { runId } = await call(h, 'audits:run', { policyId: 'workflow-test' });
    expect(progress[0]).toMatchObject({ runId: null, policyId: 'workflow-test', done: 0, total: 1, finished: false });
    expect(progress).toContainEqual(expect.objectContaining({ nodeId, done: 1, total: 1, finished: false, error: null }));
    expect(progress.at(-1)).toEqual({ runId, policyId: 'workflow-test', done: 1, total: 1, nodeId: null, finished: true, error: null });

    expect((await call(h, 'audits:runs', {})).map((r) => r.runId)).toEqual([runId]);
    const effective = async () => Object.fromEntries((await call(h, 'audits:results', { runId })).results.map((r) => [r.checkId, [r.status, r.effective]]));
    const first = await call(h, 'audits:results', { runId });
    expect(first.checks.map((c) => [c.id, c.manual])).toEqual([
      ['wft-001', false],
      ['wft-002', false],
      ['wft-003', true],
    ]);
    expect(await effective()).toEqual({ 'wft-001': ['pass', 'pass'], 'wft-002': ['fail', 'fail'], 'wft-003': ['manual', 'manual'] });

    const photo = Buffer.from('BMC 2.14 (2026-10), vendor list checked');
    const attestation = await call(h, 'audits:attest', {
      runId,
      nodeId,
      checkId: 'wft-003',
      status: 'pass',
      note: 'Checked against the vendor list',
      attachments: [{ name: 'bmc.txt', contentBase64: photo.toString('base64') }],
    });
    expect(attestation.attachments[0]).toMatchObject({ name: 'bmc.txt', bytes: photo.byteLength });
    const waiver = await call(h, 'audits:waive', {
      checkId: 'wft-002',
      scope: { kind: 'node', nodeId },
      justification: 'The marker comes with the Q3 image',
      approver: 'ciso',
      expiresAtMs: clock.now + DAY,
    });
    expect(await effective()).toEqual({ 'wft-001': ['pass', 'pass'], 'wft-002': ['fail', 'waived'], 'wft-003': ['manual', 'pass'] });
    const waived = (await call(h, 'audits:results', { runId })).run.score;
    expect(waived).toMatchObject({ pass: 2, fail: 0, waived: 1, score: 1 });

    const csv = await call(h, 'reports:export', { runId, format: 'csv' });
    expect(csv.fileName).toMatch(/\.csv$/);
    expect(Buffer.from(csv.contentBase64, 'base64').toString('utf8')).toMatch(/wft-002.*waived/);

    clock.now += DAY;
    expect(await effective()).toMatchObject({ 'wft-002': ['fail', 'fail'] });
    expect((await call(h, 'audits:waivers', {}))[0]).toMatchObject({ id: waiver.id, active: false });

    // A waiver asked for the past, or without an approver, is refused; nothing is logged for it.
    const refused = await dispatchCall(h, 'audits:waive', {
      checkId: 'wft-002',
      scope: { kind: 'fleet' },
      justification: 'j',
      approver: 'ciso',
      expiresAtMs: clock.now - 1,
    });
    expect(refused).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringMatching(/future/) } });
    expect(
      await dispatchCall(h, 'audits:waive', { checkId: 'wft-002', scope: { kind: 'fleet' }, justification: 'j', approver: '', expiresAtMs: clock.now + 1 }),
    ).toMatchObject({
      ok: false,
      error: { code: 'bad-request' },
    });

    const log = await call(h, 'auditLog:list', {});
    expect(log.map((row) => [row.action, JSON.parse(row.details).phase ?? null]).reverse()).toEqual([
      ['audits:run', 'start'],
      ['audits:run', 'finish'],
      ['audits:attest', null],
      ['audits:waive', null],
      ['reports:export', null],
    ]);
    expect(new Set(log.map((row) => row.role))).toEqual(new Set(['admin']));
    expect(await call(h, 'auditLog:verify', {})).toEqual({ ok: true, rows: 5, problem: null });
  });

  it("refuses an auditor the administrator's calls, names the auditor in the log, and keeps each window's profile its own", async () => {
    const { engine: running } = start();
    const auditorWindow = running.callerHandlers();
    const adminWindow = running.callerHandlers();
    expect(await call(auditorWindow, 'profile:get', {})).toMatchObject({ role: 'admin' });
    await call(auditorWindow, 'profile:set', { profile: { name: 'ann-auditor', role: 'auditor' } });
    expect(await call(auditorWindow, 'profile:get', {})).toEqual({ name: 'ann-auditor', role: 'auditor' });
    expect(await call(adminWindow, 'profile:get', {})).toMatchObject({ role: 'admin' });

    const node = { id: 'gpu-07', host: 'gpu-07.lab', port: 22, user: 'ops', identityFiles: [], useAgent: true, proxyJump: [], labels: [] };
    const add = await dispatchCall(auditorWindow, 'nodes:add', { node });
    expect(add).toEqual({
      ok: false,
      error: { code: 'forbidden', message: expect.stringMatching(/forbidden: the auditor profile ann-auditor may not nodes:add/) },
    });
    const trust = await dispatchCall(auditorWindow, 'hostKeys:trust', { nodeId: 'gpu-07', fingerprint: `SHA256:${'A'.repeat(43)}` });
    expect(trust).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect((await call(adminWindow, 'nodes:states', {})).map((s) => s.id)).not.toContain('gpu-07');

    // What an auditor may do: run audits, read the log.
    const { runId } = await call(auditorWindow, 'audits:run', { policyId: 'workflow-test' });
    expect(runId).toBeGreaterThan(0);

    // The administrator's window adds the node: logged with its own profile.
    await call(adminWindow, 'nodes:add', { node });
    const rows = (await call(adminWindow, 'auditLog:list', {})).reverse().map((row) => [row.actor, row.role, row.action, row.subject]);
    expect(rows).toEqual([
      ['ann-auditor', 'auditor', 'profile:set', 'ann-auditor'],
      ['ann-auditor', 'auditor', 'refused', 'nodes:add'],
      ['ann-auditor', 'auditor', 'refused', 'hostKeys:trust'],
      ['ann-auditor', 'auditor', 'audits:run', 'workflow-test'],
      ['ann-auditor', 'auditor', 'audits:run', `run ${runId}`],
      [expect.any(String), 'admin', 'nodes:add', 'gpu-07'],
    ]);
    expect((await call(adminWindow, 'auditLog:verify', {})).ok).toBe(true);
  });

  it('lets an auditor change its name but never raise itself to administrator (a new window is an administrator)', async () => {
    const { engine: running } = start();
    const window = running.callerHandlers();
    await call(window, 'profile:set', { profile: { name: 'ann-auditor', role: 'auditor' } });
    const raise = await dispatchCall(window, 'profile:set', { profile: { name: 'ann-auditor', role: 'admin' } });
    expect(raise).toEqual({
      ok: false,
      error: { code: 'forbidden', message: expect.stringMatching(/forbidden: the auditor profile ann-auditor may not become an administrator/) },
    });
    expect(await call(window, 'profile:get', {})).toEqual({ name: 'ann-auditor', role: 'auditor' });
    expect(await dispatchCall(window, 'nodes:remove', { nodeId: 'gpu-07' })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await call(window, 'profile:set', { profile: { name: 'ann', role: 'auditor' } })).toEqual({ name: 'ann', role: 'auditor' });
    expect(await call(running.callerHandlers(), 'profile:get', {})).toMatchObject({ role: 'admin' });
    const rows = (await call(running.callerHandlers(), 'auditLog:list', {})).reverse().map((row) => [row.actor, row.role, row.action, row.subject]);
    expect(rows).toContainEqual(['ann-auditor', 'auditor', 'refused', 'profile:set']);
  });

  it('gives each serve session its own profile: an auditor session is refused (403) where another session is not', async () => {
    const { engine: running } = start();
    server = await startHttpServer({
      handlers: running.handlers,
      callerHandlers: () => running.callerHandlers(),
      events: running.events,
      rendererDir: tempDir(),
      host: '127.0.0.1',
      port: 0,
      log: silentLogger,
    });
    const port = server.port;
    const session = async () => (await send(port, `/?token=${server!.token}`)).cookie;
    const [auditor, admin] = [await session(), await session()];
    const post = (cookie: string, name: string, body: unknown) =>
      send(port, `/api/call/${name}`, { method: 'POST', headers: { Cookie: cookie, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });

    expect((await post(auditor, 'profile:set', { profile: { name: 'ann-auditor', role: 'auditor' } })).status).toBe(200);
    const refused = await post(auditor, 'settings:update', { patch: { collection: { intervalMs: 10_000 } } });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(JSON.parse((await post(admin, 'profile:get', {})).body)).toMatchObject({ ok: true, value: { role: 'admin' } });
    expect(JSON.parse((await post(auditor, 'profile:get', {})).body)).toEqual({ ok: true, value: { name: 'ann-auditor', role: 'auditor' } });
    const last = (await call(running.handlers, 'auditLog:list', { limit: 1 }))[0]!;
    expect(last).toMatchObject({ actor: 'ann-auditor', role: 'auditor', action: 'refused', subject: 'settings:update' });
  });

  it("logs the rule watcher's reload of the alert rules, by the engine itself", async () => {
    const dir = tempDir();
    const { engine: running } = start(dir);
    mkdirSync(join(dir, 'rules'), { recursive: true });
    writeFileSync(
      join(dir, 'rules', 'mine.yaml'),
      'rules:\n  - { id: mine, name: mine, watch: { detector: node-unreachable }, for: 30s, severity: critical, message: "{{node}}" }\n',
    );
    await vi.waitFor(
      async () => {
        const rows = await call(running.handlers, 'auditLog:list', {});
        expect(rows.find((row) => row.action === 'rules:reloaded')).toMatchObject({ actor: 'clusterdeck', role: 'system', subject: join(dir, 'rules') });
      },
      { timeout: 20_000, interval: 100 },
    );
    expect((await call(running.handlers, 'auditLog:verify', {})).ok).toBe(true);
  });
});
