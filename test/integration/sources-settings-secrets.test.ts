// A source's kept secret is bound to the origin it was given for (issue #13 review): Settings can
// change a source's URL, but a kept token or password (OS keychain or a file the config names) is
// never sent to another origin unless it is typed again; a file another source uses is only sent
// to that source's origin; credentials in a URL are refused, so that they never land in
// config.yaml or an answer. Real HTTP servers on loopback record the Authorization they receive.
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as http from 'node:http';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { PrometheusSourceConfig } from '../../shared/config';
import { loadConfig } from '../../electron/core/config';
import { engineWith, memorySecrets, sourceConfig } from '../helpers/source-engine';
import { tempDir } from '../helpers/tmp';

const TOKEN = 'tok-bound-to-origin-5c1a';

/** A server answering the instant query "1" as Prometheus does (any other query: no series); records each request's Authorization. */
async function fakeApi(): Promise<{ url: string; authorizations: Array<string | null>; close(): Promise<void> }> {
  const authorizations: Array<string | null> = [];
  const server = http.createServer((req, res) => {
    authorizations.push(req.headers.authorization ?? null);
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const data = new URLSearchParams(body).get('query') === '1' ? { resultType: 'scalar', result: [0, '1'] } : { resultType: 'vector', result: [] };
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    authorizations,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const source = (url: string, extra: Partial<PrometheusSourceConfig> = {}) => sourceConfig(url, extra, 2000);

function configFile(text = '# by hand\n'): string {
  const path = join(tempDir(), 'config.yaml');
  writeFileSync(path, text);
  return path;
}

describe('a source secret is bound to its origin', () => {
  it('keychain: a changed origin needs the token typed again (save and test); the same origin keeps it; a token kept for no configured source is not used', async () => {
    const [home, other] = [await fakeApi(), await fakeApi()];
    const secrets = memorySecrets();
    const configPath = configFile();
    const engine = engineWith(configPath, secrets);
    try {
      await engine.handlers['sources:save']({ source: source(home.url), token: TOKEN });
      // Same origin, another path: the kept token stays.
      await engine.handlers['sources:save']({ source: source(`${home.url}/prefix/`, { secret: 'keychain' }) });
      expect((await engine.handlers['sources:test']({ source: source(home.url, { secret: 'keychain' }) })).ok).toBe(true);

      for (const call of ['sources:save', 'sources:test'] as const) {
        await expect(engine.handlers[call]({ source: source(other.url, { secret: 'keychain' }) })).rejects.toMatchObject({
          code: 'bad-request',
          message: expect.stringMatching(/^token: .*origin.*enter the token again/),
        });
      }
      expect(other.authorizations).toEqual([]);
      expect(readFileSync(configPath, 'utf8')).toContain(home.url);
      expect(secrets.entries.get('prometheus-source:prom:token')).toBe(TOKEN);

      // Typed again: it goes to the new origin.
      await engine.handlers['sources:save']({ source: source(other.url), token: 'tok-for-the-other' });
      expect(secrets.entries.get('prometheus-source:prom:token')).toBe('tok-for-the-other');

      // A keychain entry no configured source stands for (config.yaml edited by hand) is not sent anywhere.
      secrets.set('prometheus-source:stale:token', TOKEN);
      await expect(engine.handlers['sources:test']({ source: source(other.url, { id: 'stale', secret: 'keychain' }) })).rejects.toMatchObject({
        code: 'bad-request',
        message: expect.stringMatching(/^token: /),
      });
      await expect(engine.handlers['sources:save']({ source: source(other.url, { id: 'stale', secret: 'keychain' }) })).rejects.toMatchObject({
        code: 'bad-request',
      });
      expect(other.authorizations.filter((a) => a?.includes(TOKEN))).toEqual([]);
    } finally {
      engine.close();
      await home.close();
      await other.close();
    }
  }, 30_000);

  it('files: a token file the config names is not sent to another origin from Settings, whichever source names it; at its own origin it is', async () => {
    const [home, other] = [await fakeApi(), await fakeApi()];
    const configPath = configFile();
    const dir = dirname(configPath);
    mkdirSync(join(dir, 'tokens'));
    writeFileSync(join(dir, 'tokens', 'prom.token'), `${TOKEN}\n`, { mode: 0o600 });
    symlinkSync(join(dir, 'tokens', 'prom.token'), join(dir, 'alias.token'));
    writeFileSync(join(dir, 'other.token'), 'tok-other\n', { mode: 0o600 });
    const engine = engineWith(configPath, undefined);
    try {
      await engine.handlers['sources:save']({ source: source(home.url, { bearerTokenFile: 'tokens/prom.token' }) });
      // The same source moved to another origin, its file kept: refused, nothing sent.
      const moved = source(other.url, { bearerTokenFile: 'tokens/prom.token' });
      for (const call of ['sources:save', 'sources:test'] as const) {
        await expect(engine.handlers[call]({ source: moved })).rejects.toMatchObject({
          code: 'bad-request',
          message: expect.stringMatching(/^bearerTokenFile: .*prom.token.* source prom at http:\/\/127\.0\.0\.1:\d+.*config\.yaml/),
        });
      }
      // Another source naming the same file, by another path or through a link: refused too.
      for (const path of [join(dir, 'tokens', 'prom.token'), './tokens/../tokens/prom.token', 'alias.token']) {
        await expect(engine.handlers['sources:test']({ source: source(other.url, { id: 'evil', bearerTokenFile: path }) })).rejects.toMatchObject({
          code: 'bad-request',
          message: expect.stringMatching(/^bearerTokenFile: /),
        });
      }
      expect(other.authorizations).toEqual([]);

      // At its own origin, from another source too: fine.
      expect((await engine.handlers['sources:test']({ source: source(`${home.url}/x`, { id: 'twin', bearerTokenFile: 'alias.token' }) })).ok).toBe(true);
      expect(home.authorizations).toContain(`Bearer ${TOKEN}`);
      // The source moved with a file nobody else names: fine.
      await engine.handlers['sources:save']({ source: source(other.url, { bearerTokenFile: 'other.token' }) });
      expect(loadConfig(configPath).sources[0]).toMatchObject({ url: other.url, bearerTokenFile: 'other.token' });
    } finally {
      engine.close();
      await home.close();
      await other.close();
    }
  }, 30_000);

  it('credentials in the URL are refused (they would be written to config.yaml and shown)', async () => {
    const configPath = configFile();
    const engine = engineWith(configPath, memorySecrets());
    try {
      for (const url of ['http://ops:hunter2@127.0.0.1:9090', 'http://ops@127.0.0.1:9090', 'https://:hunter2@prom.example/']) {
        for (const call of ['sources:save', 'sources:test'] as const) {
          const refusal = engine.handlers[call]({ source: source(url) });
          await expect(refusal).rejects.toMatchObject({ code: 'bad-request', message: expect.stringMatching(/^url: .*(user|password)/) });
          await expect(refusal).rejects.not.toMatchObject({ message: expect.stringContaining('hunter2') });
        }
      }
      expect(readFileSync(configPath, 'utf8')).toBe('# by hand\n');
    } finally {
      engine.close();
    }
  });

  it('app:info says whether typed secrets can be kept: with a keychain yes, without (serve, a desktop without one) no', async () => {
    const withKeychain = engineWith(configFile(), memorySecrets());
    const without = engineWith(configFile(), undefined);
    try {
      expect(await withKeychain.handlers['app:info']({})).toMatchObject({ secretsKept: true });
      expect(await without.handlers['app:info']({})).toMatchObject({ secretsKept: false });
    } finally {
      withKeychain.close();
      without.close();
    }
  });
});
