import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Notification } from '../../../electron/core/alerts/types';
import { NotificationDispatcher } from '../../../electron/core/notify/dispatcher';
import { redactUrl, webhookSink } from '../../../electron/core/notify/webhook';

interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A real HTTP server on 127.0.0.1; `answer` decides each response (or never answers). */
async function receiver(answer: (req: Received, res: ServerResponse, index: number) => void): Promise<{ url: string; received: Received[]; closed: number[] }> {
  const received: Received[] = [];
  const closed: number[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const index = received.length;
      received.push({ method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.on('close', () => closed.push(index));
      answer(received[index]!, res, index);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received, closed };
}

const notification: Notification = {
  kind: 'alert',
  severity: 'critical',
  title: 'GPU fallen off the bus: gpu-07 GPU 3',
  body: 'Xid 79: GPU has fallen off the bus.',
  nodeId: 'gpu-07',
  alertId: 42,
  alertIds: [42],
  ruleId: 'gpu-fallen-off-bus',
  atMs: Date.UTC(2026, 2, 10, 12, 0, 0),
};

const send = (sink: ReturnType<typeof webhookSink>, signal = new AbortController().signal) => sink.send(notification, signal);

describe('webhook sink', () => {
  it('POSTs the documented JSON once on 200', async () => {
    const server = await receiver((_req, res) => res.writeHead(200).end('ok'));
    await send(webhookSink({ url: `${server.url}/hook?token=s3cret`, timeoutMs: 2000, retries: 3 }, { appVersion: '0.1.0' }));
    expect(server.received).toHaveLength(1);
    const [request] = server.received;
    expect(request!.method).toBe('POST');
    expect(request!.url).toBe('/hook?token=s3cret');
    expect(request!.headers['content-type']).toBe('application/json');
    expect(JSON.parse(request!.body)).toEqual({
      version: 1,
      kind: 'alert',
      severity: 'critical',
      title: 'GPU fallen off the bus: gpu-07 GPU 3',
      body: 'Xid 79: GPU has fallen off the bus.',
      node: 'gpu-07',
      alertId: 42,
      alertIds: [42],
      rule: 'gpu-fallen-off-bus',
      at: '2026-03-10T12:00:00.000Z',
      app: { name: 'Clusterdeck', version: '0.1.0' },
    });
  });

  it('sends URL credentials as a Basic header and never names them, nor the query, in errors', async () => {
    const server = await receiver((_req, res) => res.writeHead(500).end());
    const url = server.url.replace('http://', 'http://alice:pa%3Ass@') + '/hook?token=s3cret#frag';
    const error = await send(webhookSink({ url, timeoutMs: 2000, retries: 0 }, { appVersion: '0.1.0' })).catch((e: Error) => e);
    expect(server.received[0]!.headers.authorization).toBe(`Basic ${Buffer.from('alice:pa:ss').toString('base64')}`);
    expect((error as Error).message).toBe(`webhook ${server.url}/hook: HTTP 500 (gave up after 1 attempt)`);
    expect((error as Error).message).not.toMatch(/alice|pa%3Ass|s3cret|frag/);
    expect(redactUrl(url)).toBe(`${server.url}/hook`);
  });

  it('retries a 500 with back-off, then gives up', async () => {
    const server = await receiver((_req, res) => res.writeHead(500).end('down'));
    const sink = webhookSink({ url: server.url, timeoutMs: 2000, retries: 2 }, { appVersion: '0.1.0', backoffMs: 10 });
    await expect(send(sink)).rejects.toThrow(`webhook ${server.url}/: HTTP 500 (gave up after 3 attempts)`);
    expect(server.received).toHaveLength(3);
  });

  it('retries a 429 and a 503, and succeeds when the receiver recovers', async () => {
    const server = await receiver((_req, res, index) => res.writeHead([429, 503, 204][index]!, index === 0 ? { 'retry-after': '0' } : {}).end());
    await send(webhookSink({ url: server.url, timeoutMs: 2000, retries: 5 }, { appVersion: '0.1.0', backoffMs: 10 }));
    expect(server.received).toHaveLength(3);
  });

  it('does not retry other 4xx answers, nor follow redirects', async () => {
    const server = await receiver((_req, res, index) => res.writeHead(index === 0 ? 404 : 302, { location: 'http://example.invalid/' }).end());
    const sink = webhookSink({ url: server.url, timeoutMs: 2000, retries: 3 }, { appVersion: '0.1.0', backoffMs: 10 });
    await expect(send(sink)).rejects.toThrow('HTTP 404');
    await expect(send(sink)).rejects.toThrow('HTTP 302 (redirects are not followed)');
    expect(server.received).toHaveLength(2);
  });

  it('aborts an attempt that hangs at its timeout, and retries it', async () => {
    const server = await receiver(() => {}); // never answers
    const sink = webhookSink({ url: server.url, timeoutMs: 200, retries: 1 }, { appVersion: '0.1.0', backoffMs: 10 });
    await expect(send(sink)).rejects.toThrow('no answer within 200 ms (gave up after 2 attempts)');
    expect(server.received).toHaveLength(2);
    // The client hung up on both.
    await expect.poll(() => server.closed.length).toBe(2);
  });

  it('stops at once when the dispatcher aborts, even between attempts', async () => {
    const server = await receiver((_req, res) => res.writeHead(500).end());
    const controller = new AbortController();
    const sink = webhookSink({ url: server.url, timeoutMs: 2000, retries: 10 }, { appVersion: '0.1.0', backoffMs: 60_000 });
    const sending = send(sink, controller.signal);
    await expect.poll(() => server.received.length).toBe(1);
    controller.abort(new Error('timed out after 5000 ms'));
    await expect(sending).rejects.toThrow('timed out after 5000 ms');
    expect(server.received).toHaveLength(1);
  });

  it('is delivered through the dispatcher, which gives up on a hanging receiver at its timeout', async () => {
    const hanging = await receiver(() => {});
    const good = await receiver((_req, res) => res.writeHead(200).end());
    const warnings: string[] = [];
    const dispatcher = new NotificationDispatcher({
      sinks: [
        webhookSink({ url: `${hanging.url}/slow?key=s3cret`, timeoutMs: 60_000, retries: 0 }, { appVersion: '0.1.0' }),
        webhookSink({ url: good.url, timeoutMs: 2000, retries: 0 }, { appVersion: '0.1.0' }),
      ],
      log: { warn: (message) => warnings.push(message), info: () => {} },
      timeoutMs: 300,
    });
    dispatcher.deliver([notification, { ...notification, alertId: 43, alertIds: [43] }]);
    await dispatcher.idle();
    expect(good.received.map((r) => JSON.parse(r.body).alertId)).toEqual([42, 43]);
    // Both sends to the hanging receiver were started one after the other and aborted.
    await expect.poll(() => hanging.received.length).toBe(2);
    expect(warnings).toEqual([`a notification to webhook ${hanging.url}/slow failed: timed out after 300 ms`]);
  });
});
