// Prometheus-compatible sources from Settings (issue #13), through the engine's handlers against
// real Prometheus servers: test-connection classifies a 401 (basic auth in Prometheus's own web
// config), an unknown CA and the CA given (a self-signed certificate made by openssl), a closed
// port and a server that is not Prometheus; a Mimir tenant reaches the API as X-Scope-OrgID; a
// saved source is written into config.yaml (comments kept, its token only in the secret store)
// and its nodes join the fleet without a restart; a removed one takes its nodes and secret away.
import { readFileSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../electron/core/fleet';
import { systemClock } from '../../electron/core/scheduler';
import { SourceSet } from '../../electron/core/source-set';
import { loadConfig } from '../../electron/core/config';
import { forward, recordingProxy, serve, serveCapture } from '../helpers/http-server';
import { freePort, startNodeExporter, startPrometheus, waitFor, type NodeExporterLab, type PrometheusLab } from '../helpers/prometheus';
import { engineWith, memorySecrets, silent, sourceConfig } from '../helpers/source-engine';
import { tempDir } from '../helpers/tmp';
import { selfSignedCertificate, type SelfSignedCertificate } from '../helpers/tls';

const TOKEN = 'tok-sources-7d1e-never-in-a-file';
const PASSWORD = 'pw-basic-test';
/** bcrypt of PASSWORD, cost 4 (python3 crypt.crypt with METHOD_BLOWFISH, rounds=16): Prometheus's basic_auth_users. */
const PASSWORD_BCRYPT = '$2b$04$ljO4fjZz4ZdWYthaiWucf.wpUiCnSgv/zMLWTmeOzeXhVL2TkZhu2';

const CONFIG_TEXT = [
  '# Kept by hand: this comment must survive Settings saving and removing a source.',
  'collection:',
  '  intervalMs: 1000 # fast, for the test',
  '',
].join('\n');

const source = sourceConfig;

function configFile(): string {
  const path = join(tempDir(), 'config.yaml');
  writeFileSync(path, CONFIG_TEXT);
  return path;
}

describe('sources from Settings against real Prometheus servers', () => {
  let exporter: NodeExporterLab;
  let prometheus: PrometheusLab;
  let guarded: PrometheusLab;

  beforeAll(async () => {
    exporter = await startNodeExporter();
    prometheus = await startPrometheus({ jobs: [{ job: 'node', targets: [exporter.address] }] });
    guarded = await startPrometheus({
      jobs: [{ job: 'node', targets: [exporter.address] }],
      basicAuth: { username: 'ops', password: PASSWORD, bcryptHash: PASSWORD_BCRYPT },
    });
  }, 120_000);

  afterAll(async () => {
    await guarded?.stop();
    await prometheus?.stop();
    await exporter?.stop();
  });

  it('test-connection: ok with its node count; 401 without or with a wrong password; ok with the password typed or kept', async () => {
    const secrets = memorySecrets();
    const engine = engineWith(configFile(), secrets);
    try {
      const plain = await engine.handlers['sources:test']({ source: source(prometheus.url) });
      expect(plain).toMatchObject({ ok: true, errorKind: null, nodeCount: 1, version: expect.stringMatching(/^2\./) });

      const none = await engine.handlers['sources:test']({ source: source(guarded.url) });
      expect(none).toMatchObject({ ok: false, errorKind: 'unauthorized', message: expect.stringMatching(/HTTP 401/) });
      const basic = source(guarded.url, { basic: { username: 'ops' } });
      const wrong = await engine.handlers['sources:test']({ source: basic, password: 'not-it' });
      expect(wrong).toMatchObject({ ok: false, errorKind: 'unauthorized' });
      expect(JSON.stringify(wrong)).not.toContain('not-it');
      expect(await engine.handlers['sources:test']({ source: basic, password: PASSWORD })).toMatchObject({ ok: true, nodeCount: 1 });

      // Nothing kept yet: said so, not a 401 (a keychain entry alone, without the source saved, is not used).
      secrets.set('prometheus-source:prom:password', PASSWORD);
      await expect(engine.handlers['sources:test']({ source: { ...basic, secret: 'keychain' } })).rejects.toMatchObject({
        code: 'bad-request',
        message: expect.stringMatching(/^password: none is kept for source prom yet/),
      });
      await engine.handlers['sources:save']({ source: basic, password: PASSWORD });
      expect(await engine.handlers['sources:test']({ source: { ...basic, secret: 'keychain' } })).toMatchObject({ ok: true, nodeCount: 1 });
    } finally {
      engine.close();
    }
  }, 60_000);

  it('test-connection: a closed port is unreachable, an HTML server is not Prometheus', async () => {
    const engine = engineWith(configFile(), memorySecrets());
    const html = await serve((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><body>Grafana login</body></html>'));
    try {
      const port = await freePort();
      expect(await engine.handlers['sources:test']({ source: source(`http://127.0.0.1:${port}`, { timeoutMs: 2000 }) })).toMatchObject({
        ok: false,
        errorKind: 'unreachable',
        message: expect.stringMatching(/connection refused/),
      });
      expect(await engine.handlers['sources:test']({ source: source(html.url) })).toMatchObject({
        ok: false,
        errorKind: 'not-prometheus',
        message: expect.stringMatching(/not a Prometheus API: it answered an HTML page/),
      });
    } finally {
      await html.close();
      engine.close();
    }
  }, 30_000);

  describe('TLS with a self-signed certificate', () => {
    let tls: PrometheusLab;
    let certificate: SelfSignedCertificate | undefined;
    let dir: string;

    beforeAll(async () => {
      certificate = selfSignedCertificate('cd-sources-tls-');
      dir = certificate.dir;
      const { certPem, keyPem } = certificate;
      tls = await startPrometheus({ tls: { certPem, keyPem, caPem: certPem } });
    }, 60_000);
    afterAll(async () => {
      await tls?.stop();
      certificate?.remove();
    });

    it('an unknown CA is a TLS error; with caFile (relative to the config folder) it connects', async () => {
      const configPath = join(dir, 'config.yaml');
      writeFileSync(configPath, CONFIG_TEXT);
      const engine = engineWith(configPath, memorySecrets());
      try {
        expect(await engine.handlers['sources:test']({ source: source(tls.url) })).toMatchObject({
          ok: false,
          errorKind: 'tls',
          message: expect.stringMatching(/self-signed/),
        });
        expect(await engine.handlers['sources:test']({ source: source(tls.url, { caFile: 'cert.pem' }) })).toMatchObject({ ok: true, errorKind: null });
      } finally {
        engine.close();
      }
    });
  });

  it('save: config.yaml keeps its comments and names no secret, the token goes to the secret store, the nodes join without a restart; the tenant is sent; remove takes nodes and secret away', async () => {
    const proxy = await recordingProxy(prometheus.url);
    const configPath = configFile();
    const secrets = memorySecrets();
    const engine = engineWith(configPath, secrets);
    try {
      await engine.collectOnce();
      expect(engine.nodeStates()).toEqual([]);

      const saved = await engine.handlers['sources:save']({ source: source(proxy.url, { tenant: 'team-a|team-b' }), token: TOKEN });
      expect(saved.secret).toEqual({ kind: 'bearer', keptIn: 'keychain' });
      const text = readFileSync(configPath, 'utf8');
      expect(text).toContain('# Kept by hand: this comment must survive');
      expect(text).toContain('intervalMs: 1000 # fast, for the test');
      expect(text).toContain('secret: keychain');
      expect(text).toContain('tenant: team-a|team-b');
      expect(text).not.toContain(TOKEN);
      expect(secrets.entries.get('prometheus-source:prom:token')).toBe(TOKEN);

      // No restart: the running engine brings the source's node in.
      await engine.collectOnce();
      await engine.collectOnce();
      expect(engine.nodeStates().map((s) => [s.id, s.kind, s.status])).toEqual([['127.0.0.1', 'prometheus', 'up']]);
      const [listed] = await engine.handlers['sources:list']({});
      expect(listed).toMatchObject({
        config: { id: 'prom', tenant: 'team-a|team-b', secret: 'keychain' },
        health: { state: 'ok', nodeCount: 1, errorKind: null },
      });
      expect(listed!.health.lastOkAt).toEqual(expect.any(Number));
      expect(JSON.stringify(listed)).not.toContain(TOKEN);

      // Every API request carried the tenant and the kept token.
      const api = proxy.requests.filter((r) => r.path.startsWith('/api/v1/'));
      expect(api.length).toBeGreaterThan(0);
      for (const request of api) expect(request.headers).toMatchObject({ 'x-scope-orgid': 'team-a|team-b', authorization: `Bearer ${TOKEN}` });

      // The audit log says where the token went, never the token.
      const rows = engine.auditLog.list();
      expect(rows.some((r) => r.action === 'sources:save')).toBe(true);
      expect(JSON.stringify(rows)).not.toContain(TOKEN);

      await engine.handlers['sources:remove']({ id: 'prom' });
      const after = readFileSync(configPath, 'utf8');
      expect(after).toContain('# Kept by hand: this comment must survive');
      expect(after).not.toContain('sources');
      expect(secrets.entries.size).toBe(0);
      expect(engine.nodeStates()).toEqual([]);
      expect(await engine.handlers['sources:list']({})).toEqual([]);
      await expect(engine.handlers['sources:remove']({ id: 'prom' })).rejects.toMatchObject({ code: 'not-found' });
    } finally {
      engine.close();
      await proxy.close();
    }
  }, 60_000);

  it('serve (no keychain): a typed token is refused, pointing at bearerTokenFile; a token file in the config folder works, one elsewhere is refused; a bad tenant is refused', async () => {
    const configPath = configFile();
    const tokenFile = join(dirname(configPath), 'prom.token');
    writeFileSync(tokenFile, `${TOKEN}\n`, { mode: 0o600 });
    const elsewhere = join(tempDir(), 'not-a-token');
    writeFileSync(elsewhere, 'a secret of something else\n', { mode: 0o600 });
    const engine = engineWith(configPath, undefined);
    try {
      await expect(engine.handlers['sources:save']({ source: source(prometheus.url), token: TOKEN })).rejects.toMatchObject({
        code: 'unavailable',
        message: expect.stringMatching(/bearerTokenFile/),
      });
      expect(readFileSync(configPath, 'utf8')).toBe(CONFIG_TEXT);
      await expect(engine.handlers['sources:save']({ source: source(prometheus.url, { tenant: 'a b\r\nX-Evil: 1' }) })).rejects.toMatchObject({
        code: 'bad-request',
        message: expect.stringMatching(/^tenant: /),
      });
      // A file outside the config folder would be sent to any URL the caller names: refused, nothing sent.
      for (const call of ['sources:save', 'sources:test'] as const) {
        await expect(engine.handlers[call]({ source: source(prometheus.url, { bearerTokenFile: elsewhere }) })).rejects.toMatchObject({
          code: 'bad-request',
          message: expect.stringMatching(/^bearerTokenFile: a secret file named from Settings must be in the config folder/),
        });
      }
      const saved = await engine.handlers['sources:save']({ source: source(prometheus.url, { bearerTokenFile: 'prom.token' }) });
      expect(saved.secret).toEqual({ kind: 'bearer', keptIn: 'file' });
      await engine.collectOnce();
      await engine.collectOnce();
      expect(engine.nodeStates().map((s) => s.id)).toEqual(['127.0.0.1']);
      expect(loadConfig(configPath).sources).toEqual([expect.objectContaining({ id: 'prom', bearerTokenFile: 'prom.token', nodeLabel: 'instance' })]);
    } finally {
      engine.close();
    }
  }, 60_000);

  it("health says how long a tick's queries took, and when that was later than the tick allows", async () => {
    const delay = { ms: 0 };
    const proxy = await serve((req, res) => forward(prometheus.url, req, res, { delayMs: delay.ms }));
    // A 4 s tick deadline: a source's answer may take 3 s before the tick goes on without it.
    const fleet = new Fleet(4000, silent);
    const sources = new SourceSet({ configDir: tempDir(), secrets: memorySecrets(), log: silent, clock: systemClock, fleet, sshHostOf: () => undefined });
    try {
      expect(sources.health('prom')).toMatchObject({ state: 'unknown', answerMs: null, late: false });
      // A timeout longer than the held answers (a query's time includes its wait for a socket).
      sources.apply([source(proxy.url, {}, 30_000)]);
      await waitFor('the node in the fleet', async () => {
        await fleet.tick(Date.now());
        sources.afterTick(Date.now());
        return fleet.ids().length === 1 ? true : null;
      });
      await fleet.tick(Date.now());
      const prompt = sources.health('prom');
      expect(prompt).toMatchObject({ state: 'ok', late: false });
      expect(prompt.answerMs).toBeGreaterThanOrEqual(0);

      // Every answer held 4 s: the tick goes on without it; once it comes, health says it was late.
      delay.ms = 4000;
      await fleet.tick(Date.now());
      await waitFor('the late answer', async () => ((sources.health('prom').answerMs ?? 0) >= 4000 ? true : null), 40_000);
      expect(sources.health('prom')).toMatchObject({ message: null, state: 'ok', late: true });

      delay.ms = 0;
      await waitFor(
        'an answer in time again',
        async () => {
          await fleet.tick(Date.now());
          return sources.health('prom').late ? null : true;
        },
        20_000,
      );
      expect(sources.health('prom').answerMs).toBeLessThan(3000);
    } finally {
      sources.close();
      fleet.closeAll();
      await proxy.close();
    }
  }, 90_000);

  it('a node whose series are gone for vanishAfterMs leaves the fleet (the source removes it), the others stay', async () => {
    const gpus = await serveCapture(join(__dirname, '..', 'fixtures', 'prometheus', 'dcgm-exporter', 'tesla-t4-drv460.106.00-exporter2x.datadog.prom'));
    const lab = await startPrometheus({
      jobs: [
        { job: 'node', targets: [exporter.address] },
        { job: 'dcgm', targets: [`localhost:${gpus.port}`] },
      ],
    });
    // In front of the real Prometheus: once `hidden`, the localhost target's series (up included)
    // are left out of the answers, as when a target leaves Prometheus's config.
    const view = { hidden: false };
    const proxy = await serve((req, res) => {
      const headers = { ...req.headers };
      delete headers['accept-encoding'];
      const forward = http.request(`${lab.url}${req.url}`, { method: req.method, headers }, (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          let body = Buffer.concat(chunks).toString('utf8');
          if (view.hidden && req.url?.startsWith('/api/v1/query')) {
            const parsed = JSON.parse(body) as { data?: { result?: Array<{ metric: Record<string, string> }> } };
            if (Array.isArray(parsed.data?.result)) parsed.data.result = parsed.data.result.filter((r) => !r.metric.instance?.startsWith('localhost:'));
            body = JSON.stringify(parsed);
          }
          res.writeHead(answer.statusCode ?? 502, { 'content-type': 'application/json' }).end(body);
        });
      });
      forward.on('error', () => res.writeHead(502).end());
      req.pipe(forward);
    });
    const fleet = new Fleet(5000, silent);
    const left: Array<[string[], string]> = [];
    const sources = new SourceSet({
      configDir: tempDir(),
      secrets: memorySecrets(),
      log: silent,
      clock: systemClock,
      fleet,
      sshHostOf: () => undefined,
      vanishAfterMs: 1500,
      onNodesLeft: (ids, why) => left.push([ids, why]),
    });
    const tick = async () => {
      await fleet.tick(Date.now());
      sources.afterTick(Date.now());
      return fleet.ids().sort();
    };
    try {
      sources.apply([source(proxy.url)]);
      await waitFor('both nodes in the fleet', async () => ((await tick()).length === 2 ? true : null));
      expect(fleet.ids().sort()).toEqual(['127.0.0.1', 'localhost']);

      view.hidden = true;
      await waitFor('the GPU-only node to leave', async () => ((await tick()).includes('localhost') ? null : true), 30_000);
      expect(fleet.ids()).toEqual(['127.0.0.1']);
      expect(left).toEqual([[['localhost'], 'removed']]);
      expect(sources.health('prom')).toMatchObject({ state: 'ok', nodeCount: 1 });
    } finally {
      sources.close();
      fleet.closeAll();
      await proxy.close();
      await gpus.close();
      await lab.stop();
    }
  }, 90_000);
});
