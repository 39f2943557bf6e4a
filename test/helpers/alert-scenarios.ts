/**
 * Pieces for acceptance tests of failures and alerts through the whole engine: a clock the test
 * moves, a fake `notify-send` that records its arguments, a webhook receiver on 127.0.0.1, real
 * nvidia-smi XML captures with one field rewritten, and the fake nvidia-smi script serving them.
 */
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Clock } from '../../electron/core/scheduler';

/** A clock only the test moves: every time the engine reads (ticks, kernel events, alerts) is decided here. */
export class ManualClock implements Clock {
  constructor(private ms: number) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): number {
    this.ms += ms;
    return this.ms;
  }
}

function shQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** A file any user (the lab's login user) can read. */
export function writeShared(dir: string, name: string, text: string): string {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chmodSync(dir, 0o755);
  const path = join(dir, name);
  writeFileSync(path, text);
  chmodSync(path, 0o644);
  return path;
}

/**
 * A fake nvidia-smi body (for the lab's `{ script }` behaviour) that answers `-q -x` with the XML
 * in `xmlPath` (read at each call, so the test may rewrite it) and refuses other arguments, like
 * the lab's own xmlFixture behaviour: the collector's CSV query fails and it reads the XML.
 */
export function nvidiaSmiXmlScript(xmlPath: string): string {
  return `if [ $# -ne 2 ] || [ "$1" != -q ] || [ "$2" != -x ]; then echo "fake nvidia-smi: unexpected arguments: $*" >&2; exit 2; fi\nexec cat ${shQuote(xmlPath)}`;
}

/**
 * An nvidia-smi XML capture of ONE GPU moved to another PCI bus (`bus`: two hex digits): the
 * GPU's id attribute, pci_bus_id and pci_bus. Everything else stays as captured.
 */
export function xmlOnPciBus(xml: string, bus: string): string {
  const ids = [...new Set([...xml.matchAll(/<pci_bus_id>([0-9A-Fa-f]{8}:[0-9A-Fa-f]{2}:[0-9A-Fa-f]{2}\.\d)<\/pci_bus_id>/g)].map((m) => m[1]!))];
  if (ids.length !== 1) throw new Error(`xmlOnPciBus wants a capture of one GPU, found ${ids.length} bus ids`);
  const from = ids[0]!;
  const to = `${from.slice(0, 9)}${bus.toUpperCase()}${from.slice(11)}`;
  const moved = xml
    .split(from)
    .join(to)
    .replace(/<pci_bus>[0-9A-Fa-f]{2}<\/pci_bus>/, `<pci_bus>${bus.toUpperCase()}</pci_bus>`);
  if (!moved.includes(`<pci_bus_id>${to}</pci_bus_id>`)) throw new Error('xmlOnPciBus: the bus id was not rewritten');
  return moved;
}

/** The capture with one clock event (throttle) reason set Active; `reason` e.g. hw_slowdown. Works for both tag generations. */
export function xmlWithActiveReason(xml: string, reason: string): string {
  const tag = new RegExp(`<(clocks_(?:event|throttle)_reason_${reason})>Not Active</clocks_(?:event|throttle)_reason_${reason}>`);
  if (!tag.test(xml)) throw new Error(`the capture has no inactive ${reason} reason`);
  return xml.replace(tag, (_all, name: string) => `<${name}>Active</${name}>`);
}

/** A fake notify-send first on PATH: each call's argv appended to `record`, NUL-separated, a call per line. */
export class NotifySendRecorder {
  readonly bin: string;
  readonly record: string;

  constructor(dir: string) {
    this.bin = join(dir, 'bin');
    mkdirSync(this.bin, { recursive: true });
    this.record = join(dir, 'notify-send.argv');
    writeFileSync(this.record, '');
    const script = `#!/bin/sh\nprintf '%s\\0' "$@" >> ${shQuote(this.record)}\nprintf '\\n' >> ${shQuote(this.record)}\n`;
    writeFileSync(join(this.bin, 'notify-send'), script, { mode: 0o755 });
    chmodSync(join(this.bin, 'notify-send'), 0o755);
  }

  /** The environment a headless engine needs to pick notify-send: a session bus, and this PATH. */
  env(): NodeJS.ProcessEnv {
    return { DBUS_SESSION_BUS_ADDRESS: 'unix:path=/run/user/1000/bus', PATH: `${this.bin}:/usr/bin:/bin` };
  }

  calls(): string[][] {
    if (!existsSync(this.record)) return [];
    return readFileSync(this.record, 'utf8')
      .split('\0\n')
      .filter((call) => call.length > 0)
      .map((call) => call.split('\0'));
  }
}

/** A webhook receiver on 127.0.0.1 that answers 204 and keeps every JSON body. */
export class WebhookRecorder {
  readonly bodies: Array<Record<string, unknown>> = [];
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<WebhookRecorder> {
    let recorder: WebhookRecorder | null = null;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        recorder?.bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    recorder = new WebhookRecorder(server, `http://127.0.0.1:${port}/clusterdeck`);
    return recorder;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
