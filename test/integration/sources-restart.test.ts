// Sources changed live from Settings (issue #13 review): a source restarted again and again, then
// removed, leaves no connection open to its server (each restart closes its client's sockets),
// and its node leaves the fleet with it. A real HTTP server on loopback answers the API the way
// Prometheus does for one node_exporter target and counts the connections it holds.
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { engineWith, memorySecrets, sourceConfig } from '../helpers/source-engine';
import { tempDir } from '../helpers/tmp';

/** Prometheus's API for one target n1:9100: "1" is the scalar 1, any other instant query a sample of it. */
async function oneNodeApi(delayMs = 0) {
  const open = new Set<import('node:net').Socket>();
  let opened = 0;
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const query = new URLSearchParams(body).get('query');
      const data =
        query === '1'
          ? { resultType: 'scalar', result: [0, '1'] }
          : {
              resultType: 'vector',
              result: [{ metric: { __name__: query === 'up' ? 'up' : 'node_load1', instance: 'n1:9100', job: 'node' }, value: [0, '1'] }],
            };
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'success', data })), delayMs);
    });
  });
  server.on('connection', (socket) => {
    opened += 1;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get open() {
      return open.size;
    },
    get opened() {
      return opened;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function until(condition: () => boolean): Promise<boolean> {
  for (let i = 0; i < 300 && !condition(); i += 1) await new Promise((r) => setTimeout(r, 10));
  return condition();
}

describe('a source restarted and removed from Settings', () => {
  it('closes its connections each time (and after a test-connection); its node leaves with it', async () => {
    const api = await oneNodeApi();
    const configPath = join(tempDir(), 'config.yaml');
    writeFileSync(configPath, '# by hand\n');
    const engine = engineWith(configPath, memorySecrets());
    try {
      for (let round = 1; round <= 5; round += 1) {
        // A changed timeout restarts the source: a new client, the old one's sockets closed.
        await engine.handlers['sources:save']({ source: sourceConfig(api.url, {}, 1000 * round) });
        await engine.collectOnce();
        await engine.collectOnce();
        expect(engine.nodeStates().map((s) => [s.id, s.kind])).toEqual([['n1', 'prometheus']]);
        // At most one client's pool (4 sockets) is open at a time.
        expect(await until(() => api.open <= 4)).toBe(true);
      }
      expect(api.opened).toBeGreaterThan(4);
      await engine.handlers['sources:remove']({ id: 'prom' });
      expect(await until(() => api.open === 0)).toBe(true);
      expect(engine.nodeStates()).toEqual([]);
      // Test-connection's client is closed after its answer too.
      for (let i = 0; i < 3; i += 1) expect((await engine.handlers['sources:test']({ source: sourceConfig(api.url) })).ok).toBe(true);
      expect(await until(() => api.open === 0)).toBe(true);
    } finally {
      engine.close();
      await api.close();
    }
  }, 30_000);

  it('removed while its discovery is under way: the answers arriving after do not add its node', async () => {
    const api = await oneNodeApi(300);
    const configPath = join(tempDir(), 'config.yaml');
    writeFileSync(configPath, '# by hand\n');
    const engine = engineWith(configPath, memorySecrets());
    try {
      // Saving starts the source and its discovery at once; it is removed before the API answers.
      await engine.handlers['sources:save']({ source: sourceConfig(api.url) });
      await engine.handlers['sources:remove']({ id: 'prom' });
      await new Promise((r) => setTimeout(r, 600));
      expect(engine.nodeStates()).toEqual([]);
      await engine.collectOnce();
      expect(engine.nodeStates()).toEqual([]);
    } finally {
      engine.close();
      await api.close();
    }
  }, 30_000);
});
