// Host and node failures through the whole engine, over real SSH hosts (test/helpers/ssh-lab.ts):
// a real ext4 filesystem (a loop device mounted inside a lab host) filled to 96 %, memory pressure
// and load read from real /proc captures bound over the host's /proc files, a node whose sshd dies,
// a refused login, a changed host key. Each gives exactly one alert, resolves when it clears, and
// the noise control (bursts, a webhook that answers 500 or hangs), acknowledge and silences are
// checked on the notifications a real local webhook receives.
//
// The shipped rules wait 1 to 10 minutes (`for`). The tests shorten them the way a user would: a
// copy of the shipped rule, same id, in the user's rules folder (rules/ beside config.yaml)
// replaces it (docs/alert-rules.md, "Changing or turning off a shipped rule"). Time is the engine's
// injected clock, moved forward between ticks.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { defaultRulesFile } from '../../electron/core/alerts/default-rules-path';
import { createEngine, type Engine } from '../../electron/core/engine';
import type { Logger } from '../../electron/core/log';
import type { WebhookPayload } from '../../electron/core/notify/webhook';
import type { Clock } from '../../electron/core/scheduler';
import { ConfigSchema } from '../../shared/config';
import type { Alert, AlertView } from '../../shared/model/alerts';
import type { SshNode } from '../../shared/model/inventory';
import { readFixture } from '../helpers/fixtures';
import { SshLab, type LabHost } from '../helpers/ssh-lab';
import { generateKeyPair, knownHostsLine } from '../helpers/ssh-lab/keys';

// Real captures (test/fixtures/linux, see SOURCES.md): an idle machine, and the same machine under
// pressure (MemAvailable lowered to 1 % of MemTotal; the load average raised far above any core count).
const CALM_MEMINFO = readFixture('linux', 'proc-meminfo.gopsutil-intelcorei5.txt');
const CALM_LOADAVG = readFixture('linux', 'proc-loadavg.jc.txt');
const PRESSURE_MEMINFO = CALM_MEMINFO.replace(/^MemAvailable:\s+\d+ kB$/m, 'MemAvailable:     161155 kB');
const OVERLOAD_LOADAVG = readFixture('linux', 'proc-loadavg.node-exporter.txt').replace(/^\S+ \S+ \S+/, '512.00 480.00 300.00');
const calm = { '/proc/meminfo': CALM_MEMINFO, '/proc/loadavg': CALM_LOADAVG };

const SECOND = 1000;
const INTERVAL_MS = 10 * SECOND;

let lab: SshLab;
let labDir: string;
let rekeyedKnownHosts: string;

beforeAll(async () => {
  expect(PRESSURE_MEMINFO).not.toBe(CALM_MEMINFO);
  expect(OVERLOAD_LOADAVG).toMatch(/^512\.00 480\.00 300\.00 \d+\/\d+ \d+\n$/);
  lab = await SshLab.create({
    hosts: [
      { name: 'disk', fakeFiles: calm },
      { name: 'mem', fakeFiles: { ...calm, '/proc/meminfo': PRESSURE_MEMINFO } },
      { name: 'load', fakeFiles: { ...calm, '/proc/loadavg': OVERLOAD_LOADAVG } },
      { name: 'down', fakeFiles: calm },
      { name: 'rekey', fakeFiles: calm },
    ],
  });
  labDir = join(lab.dir, 'h10');
  mkdirSync(labDir);
  // known_hosts where `rekey` has another key than the one it presents: a changed host key.
  const other = await generateKeyPair(join(labDir, 'other_host_key'), { comment: 'an older host key of rekey' });
  rekeyedKnownHosts = lab
    .hosts()
    .map((host) => (host.name === 'rekey' ? knownHostsLine(host.address, host.port, other.publicKey) : host.hostPublicKeyLine))
    .join('\n');
}, 120_000);

afterAll(async () => {
  await lab?.dispose();
});

afterEach(async () => {
  // A failed test must not leave a host down for the next one.
  for (const host of lab.hosts()) if (!host.running) await lab.startSshd(host.name);
});

function nodeOf(host: LabHost, id = host.name, identity = host.privateKeyPath): SshNode {
  return { id, host: host.address, port: host.port, user: host.user, identityFiles: [identity], useAgent: false, proxyJump: [], labels: [] };
}

class TestClock implements Clock {
  constructor(private ms: number) {}
  now(): number {
    return this.ms;
  }
  advance(ms: number): void {
    this.ms += ms;
  }
}

/** Writes copies of shipped rules, with a shorter `for`, into the user's rules folder of configDir. */
function shortenRules(configDir: string, forById: Record<string, string>): void {
  const shipped = parse(readFileSync(defaultRulesFile(), 'utf8')) as { rules: Array<{ id: string; for?: string }> };
  const copies = Object.entries(forById).map(([id, duration]) => {
    const rule = shipped.rules.find((r) => r.id === id);
    if (!rule) throw new Error(`no shipped rule ${id}`);
    return { ...rule, for: duration };
  });
  mkdirSync(join(configDir, 'rules'), { recursive: true });
  writeFileSync(join(configDir, 'rules', '10-faster.yaml'), stringify({ rules: copies }));
}

// ---- a webhook on 127.0.0.1 that records what it receives ----

interface Hook {
  url: string;
  /** Every POST received (answered or not). */
  requests: number;
  /** The payloads it accepted. */
  bodies: WebhookPayload[];
  /** Requests it is sitting on (the hanging one). */
  hanging: ServerResponse[];
  close(): Promise<void>;
}

async function webhook(answer: 'accept' | 'fail-500' | 'hang'): Promise<Hook> {
  const hook: Hook = { url: '', requests: 0, bodies: [], hanging: [], close: async () => {} };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      hook.requests += 1;
      if (answer === 'hang') {
        hook.hanging.push(res);
        return;
      }
      if (answer === 'fail-500') {
        res.writeHead(500).end('upstream broken');
        return;
      }
      hook.bodies.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookPayload);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  hook.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  hook.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return hook;
}

// ---- the engine ----

interface Setup {
  nodes: SshNode[];
  /** Shipped rule id -> shorter `for`, written to the user's rules folder. */
  faster?: Record<string, string>;
  hook: Hook;
  webhook?: { timeoutMs?: number; retries?: number };
  burstCount?: number;
  log?: Logger;
}

interface Run {
  engine: Engine;
  clock: TestClock;
  /** Moves the clock on and runs one tick (returns the nodes collected). */
  tick(advanceMs?: number): Promise<string[]>;
  /** Alerts in these views (all views by default). */
  alerts(views?: AlertView[]): Alert[];
  /** Waits for the notifications under way. */
  flush(): Promise<void>;
}

const runs: Engine[] = [];
const hooks: Hook[] = [];
afterEach(async () => {
  for (const engine of runs.splice(0)) engine.close();
  for (const hook of hooks.splice(0)) await hook.close();
});

const quiet: Logger = { info: () => {}, warn: () => {}, error: () => {} };

function start(setup: Setup): Run {
  // Inside the lab's folder: removed with the lab, after every engine is closed.
  const dir = mkdtempSync(join(labDir, 'run-'));
  if (setup.faster) shortenRules(dir, setup.faster);
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, `${rekeyedKnownHosts}\n`);
  const config = ConfigSchema.parse({
    collection: { intervalMs: INTERVAL_MS },
    notifications: {
      desktop: false,
      webhook: { url: setup.hook.url, timeoutMs: setup.webhook?.timeoutMs ?? 5000, retries: setup.webhook?.retries ?? 0 },
      // Only the noise test counts bursts; the others want every notification as itself.
      burstCount: setup.burstCount ?? 1000,
    },
  });
  const clock = new TestClock(Date.now());
  const engine = createEngine({
    config,
    dbPath: join(dir, 'clusterdeck.db'),
    configPath: join(dir, 'config.yaml'),
    mode: 'serve',
    clock,
    log: setup.log ?? quiet,
    knownHostsFile: knownHosts,
    userKnownHostsFiles: [],
    includeLocal: false,
    useInventory: false,
    sshNodes: setup.nodes,
    // No session bus: the webhook is the only sink.
    env: {},
  });
  runs.push(engine);
  hooks.push(setup.hook);
  expect(engine.alerts.rules().errors).toEqual([]);
  return {
    engine,
    clock,
    async tick(advanceMs = 0) {
      clock.advance(advanceMs);
      return (await engine.collectOnce()).map((s) => s.id).sort();
    },
    alerts: (views) => engine.alerts.list({ views, limit: 100 }).alerts,
    flush: () => engine.flushNotifications(30_000),
  };
}

const brief = (alert: Alert) => ({ rule: alert.ruleId, node: alert.nodeId, subject: alert.subject, severity: alert.severity, view: alert.view });

// ---- a real filesystem inside a lab host ----

/** An ext4 image mounted (loop device) inside a lab host's mount namespace, filled with one file. */
class LoopDisk {
  readonly mount: string;
  private readonly image: string;
  private readonly fill: string;
  private fillKb = 0;

  constructor(
    private readonly host: string,
    name: string,
  ) {
    this.image = join(labDir, `${name}.img`);
    this.mount = join(labDir, name);
    this.fill = join(this.mount, 'checkpoints.bin');
  }

  /** A fresh filesystem of sizeMb (with only `inodes` inodes, if given), mounted. */
  async create(sizeMb: number, inodes?: number): Promise<void> {
    mkdirSync(this.mount, { recursive: true });
    writeFileSync(this.image, '');
    await this.exec(['truncate', '-s', `${sizeMb}M`, this.image]);
    await this.exec(['mkfs.ext4', '-q', '-F', ...(inodes ? ['-N', String(inodes)] : []), this.image]);
    await this.attach();
  }

  /** Creates empty files until `pct` % of the inodes are used; returns the files. */
  async useInodes(pct: number): Promise<string[]> {
    const [total, used] = (await this.exec(['df', '-P', '-i', this.mount])).trim().split('\n')[1]!.trim().split(/\s+/).slice(1, 3).map(Number);
    const files = Array.from({ length: Math.ceil((total! * pct) / 100) - used! }, (_, i) => join(this.mount, `session-${i}`));
    if (files.length > 0) await this.exec(['touch', ...files]);
    return files;
  }

  async remove(files: string[]): Promise<void> {
    if (files.length > 0) await this.exec(['rm', '-f', '--', ...files]);
  }

  /** Mounts the image in the host (again after the host restarted: its mount namespace is new). */
  async attach(): Promise<void> {
    await this.exec(['mount', '-o', 'loop', this.image, this.mount]);
  }

  /** df's Use% (used / (used + available)) as the host sees it. */
  async usedPct(): Promise<{ pct: number; used: number; available: number }> {
    const out = await this.exec(['df', '-P', '-k', this.mount]);
    const [, , used, available] = out.trim().split('\n')[1]!.trim().split(/\s+/).map(Number);
    return { pct: (used! / (used! + available!)) * 100, used: used!, available: available! };
  }

  /** Grows or shrinks the fill file until the filesystem is `pct` % used (within half a percent). */
  async fillTo(pct: number): Promise<number> {
    for (let attempt = 0; attempt < 4; attempt += 1) {
      const now = await this.usedPct();
      if (Math.abs(now.pct - pct) < 0.5) return now.pct;
      const targetUsed = ((now.used + now.available) * pct) / 100;
      this.fillKb = Math.max(0, Math.round(this.fillKb + targetUsed - now.used));
      if (targetUsed > now.used) await this.exec(['fallocate', '-l', `${this.fillKb}KiB`, this.fill]);
      else await this.exec(['truncate', '-s', `${this.fillKb}K`, this.fill]);
    }
    const final = (await this.usedPct()).pct;
    expect(Math.abs(final - pct), `filling ${this.mount} to ${pct} %`).toBeLessThan(0.5);
    return final;
  }

  private async exec(argv: string[]): Promise<string> {
    const result = await lab.execInHost(this.host, argv, { timeoutMs: 30_000 });
    if (result.code !== 0) throw new Error(`${argv.join(' ')} in lab host ${this.host}: exit ${result.code}: ${result.stderr}`);
    return result.stdout;
  }
}

// ---- the scenarios ----

describe('a full filesystem', () => {
  it('is ONE alert that escalates: warning at 91 %, critical at 96 % (told again), held at 93 %, warning at 91 %, resolved when freed', async () => {
    const disk = new LoopDisk('disk', 'data');
    await disk.create(64);
    const hook = await webhook('accept');
    const run = start({ nodes: [nodeOf(lab.host('disk'))], hook, faster: { 'filesystem-full': '10s' } });

    // 91 %: the warning level (>= 90 %), firing once it held for `for`.
    await disk.fillTo(91);
    expect(await run.tick()).toEqual(['disk']);
    expect(run.alerts(['firing'])).toEqual([]);
    await run.tick(11 * SECOND);
    const firing = run.alerts(['firing']);
    expect(firing.map(brief)).toEqual([{ rule: 'filesystem-full', node: 'disk', subject: disk.mount, severity: 'warning', view: 'firing' }]);
    expect(firing[0]!.message).toMatch(new RegExp(`^disk: ${disk.mount} is 9[01](\\.\\d+)?% full\\.$`));
    const id = firing[0]!.id;

    // 96 %: the same alert escalates to critical (no new `for`) and is told again, saying so.
    expect(await disk.fillTo(96)).toBeGreaterThanOrEqual(95.5);
    await run.tick(11 * SECOND);
    expect(run.alerts().map(brief)).toEqual([{ rule: 'filesystem-full', node: 'disk', subject: disk.mount, severity: 'critical', view: 'firing' }]);
    expect(run.alerts()[0]!.id).toBe(id);
    await run.flush();
    expect(hook.bodies.map((b) => [b.kind, b.rule, b.severity, b.alertId])).toEqual([
      ['alert', 'filesystem-full', 'warning', id],
      ['alert', 'filesystem-full', 'critical', id],
    ]);
    expect(hook.bodies[1]!.title).toBe('Escalated to critical: Filesystem full: disk');

    // 93 %: below the critical threshold (95) but above its recovery threshold (92): still critical.
    await disk.fillTo(93);
    await run.tick(11 * SECOND);
    expect(run.alerts(['firing']).map((a) => [a.id, a.severity, Math.round(a.value!)])).toEqual([[id, 'critical', 93]]);

    // 91 %: below 92, back to warning (still over 90 %): the same alert, not told again.
    await disk.fillTo(91);
    await run.tick(11 * SECOND);
    expect(run.alerts(['firing']).map((a) => [a.id, a.severity])).toEqual([[id, 'warning']]);

    // 50 %: resolved, told once.
    await disk.fillTo(50);
    await run.tick(11 * SECOND);
    expect(run.alerts(['firing', 'pending', 'silenced', 'acknowledged'])).toEqual([]);
    expect(run.engine.alerts.list({ limit: 100 }).total).toBe(1);
    await run.flush();
    expect(hook.bodies.map((b) => [b.kind, b.rule, b.severity])).toEqual([
      ['alert', 'filesystem-full', 'warning'],
      ['alert', 'filesystem-full', 'critical'],
      ['resolved', 'filesystem-full', 'warning'],
    ]);
    expect(run.engine.alerts.get(id)!.transitions.map((t) => t.to)).toEqual([
      'pending',
      'firing',
      'notified',
      'escalated',
      'notified',
      'de-escalated',
      'resolved',
    ]);
  });
});

describe('a filesystem out of inodes', () => {
  it('is one critical alert though space is plenty, and resolves when files are removed', async () => {
    const small = new LoopDisk('disk', 'sessions');
    await small.create(16, 64);
    const hook = await webhook('accept');
    const run = start({ nodes: [nodeOf(lab.host('disk'))], hook, faster: { 'filesystem-inodes-exhausted': '10s' } });
    const files = await small.useInodes(97);
    await run.tick();
    await run.tick(11 * SECOND);
    const firing = run.alerts().filter((a) => a.subject === small.mount);
    expect(firing.map(brief)).toEqual([{ rule: 'filesystem-inodes-exhausted', node: 'disk', subject: small.mount, severity: 'critical', view: 'firing' }]);
    expect(firing[0]!.message).toMatch(new RegExp(`^disk: ${small.mount} has used 9[5-9](\\.\\d+)?% of its inodes\\.$`));
    expect(run.alerts().filter((a) => a.ruleId.startsWith('filesystem-full'))).toEqual([]);

    await small.remove(files);
    await run.tick(11 * SECOND);
    expect(run.engine.alerts.get(firing[0]!.id)!.alert.state).toBe('resolved');
    await run.flush();
    expect(hook.bodies.map((b) => [b.kind, b.rule])).toEqual([
      ['alert', 'filesystem-inodes-exhausted'],
      ['resolved', 'filesystem-inodes-exhausted'],
    ]);
  });
});

describe('memory pressure and load', () => {
  it('are one alert each, and resolve when the node is calm again', async () => {
    await lab.setFakeFile('mem', '/proc/meminfo', PRESSURE_MEMINFO);
    await lab.setFakeFile('load', '/proc/loadavg', OVERLOAD_LOADAVG);
    const hook = await webhook('accept');
    const run = start({
      nodes: [nodeOf(lab.host('mem')), nodeOf(lab.host('load'))],
      hook,
      faster: { 'memory-pressure': '10s', 'load-far-above-cores': '10s' },
    });
    expect(await run.tick()).toEqual(['load', 'mem']);
    expect(
      run
        .alerts(['pending'])
        .map((a) => [a.ruleId, a.nodeId])
        .sort(),
    ).toEqual([
      ['load-far-above-cores', 'load'],
      ['memory-pressure', 'mem'],
    ]);
    await run.tick(11 * SECOND);
    const firing = run.alerts();
    expect(firing.map(brief).sort((a, b) => a.node.localeCompare(b.node))).toEqual([
      { rule: 'load-far-above-cores', node: 'load', subject: '', severity: 'warning', view: 'firing' },
      { rule: 'memory-pressure', node: 'mem', subject: '', severity: 'warning', view: 'firing' },
    ]);
    expect(firing.find((a) => a.nodeId === 'mem')!.message).toBe('mem: only 1% of memory is available.');
    expect(firing.find((a) => a.nodeId === 'load')!.message).toMatch(/^load: load is \d+(\.\d+)? per CPU core for over 10 minutes\.$/);
    await run.tick(11 * SECOND);
    expect(
      run
        .alerts()
        .map((a) => a.id)
        .sort(),
    ).toEqual(firing.map((a) => a.id).sort());

    await lab.setFakeFile('mem', '/proc/meminfo', CALM_MEMINFO);
    await lab.setFakeFile('load', '/proc/loadavg', CALM_LOADAVG);
    await run.tick(11 * SECOND);
    expect(run.alerts(['firing', 'pending', 'silenced', 'acknowledged'])).toEqual([]);
    await run.flush();
    expect(hook.bodies.map((b) => `${b.kind} ${b.rule} ${b.node}`).sort()).toEqual([
      'alert load-far-above-cores load',
      'alert memory-pressure mem',
      'resolved load-far-above-cores load',
      'resolved memory-pressure mem',
    ]);
  });
});

describe('a node that stops answering', () => {
  it('is one node-unreachable alert; its full disk shows suppressed by it, is not told again, and stands again when the node is back', async () => {
    const disk = new LoopDisk('down', 'scratch');
    await disk.create(64);
    await disk.fillTo(96);
    const hook = await webhook('accept');
    const run = start({
      nodes: [nodeOf(lab.host('down'))],
      hook,
      faster: { 'filesystem-full': '10s', 'node-unreachable': '10s' },
    });
    await run.tick();
    await run.tick(11 * SECOND);
    const full = run.alerts(['firing']);
    expect(full.map((a) => [a.ruleId, a.severity])).toEqual([['filesystem-full', 'critical']]);

    await lab.stopSshd('down');
    expect(await run.tick(11 * SECOND)).toEqual([]);
    expect(run.engine.nodeStates().find((s) => s.id === 'down')!.status).toBe('unreachable');
    expect(run.alerts(['pending']).map((a) => a.ruleId)).toEqual(['node-unreachable']);
    await run.tick(11 * SECOND);

    const unreachable = run.alerts(['firing']);
    expect(unreachable.map(brief)).toEqual([{ rule: 'node-unreachable', node: 'down', subject: '', severity: 'critical', view: 'firing' }]);
    expect(unreachable[0]!.message).toMatch(/^down does not answer: \S/);
    // Not hidden: still firing, listed, with the reason; the summary's worst ignores it.
    const consequences = run.alerts(['silenced']);
    expect(consequences.map((a) => [a.ruleId, a.state, a.suppressedBy])).toEqual(
      expect.arrayContaining([['filesystem-full', 'firing', 'suppressed by node-unreachable on down']]),
    );
    expect(consequences.every((a) => a.nodeId === 'down' && a.suppressedBy !== null)).toBe(true);
    expect(run.engine.alerts.summary()).toMatchObject({ worst: 'critical', nodes: { down: { worst: 'critical' } } });
    await run.tick(11 * SECOND);
    await run.flush();
    expect(hook.bodies.map((b) => [b.kind, b.rule])).toEqual([
      ['alert', 'filesystem-full'],
      ['alert', 'node-unreachable'],
    ]);

    // The node comes back (its mount namespace is new: mount the still full image again).
    await lab.startSshd('down');
    await disk.attach();
    let back: string[] = [];
    for (let i = 0; i < 40 && !back.includes('down'); i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      back = await run.tick(SECOND);
    }
    expect(back).toEqual(['down']);
    expect(run.engine.alerts.get(unreachable[0]!.id)!.alert.state).toBe('resolved');
    expect(run.alerts(['firing']).map((a) => [a.id, a.suppressedBy])).toEqual([[full[0]!.id, null]]);
    await run.tick(11 * SECOND);
    await run.flush();
    // The disk alert was told once, before; it is not told again.
    expect(hook.bodies.map((b) => [b.kind, b.rule])).toEqual([
      ['alert', 'filesystem-full'],
      ['alert', 'node-unreachable'],
      ['resolved', 'node-unreachable'],
    ]);
  });
});

describe('a node that refuses the login, and one whose host key changed', () => {
  it('are one alert each, not node-unreachable, and stay one alert tick after tick', async () => {
    const hook = await webhook('accept');
    const run = start({
      nodes: [nodeOf(lab.host('mem'), 'denied', lab.keys.unauthorized.privateKeyPath), nodeOf(lab.host('rekey'), 'rekeyed')],
      hook,
    });
    expect(await run.tick()).toEqual([]);
    const states = Object.fromEntries(run.engine.nodeStates().map((s) => [s.id, s.status]));
    expect(states).toEqual({ denied: 'auth-failed', rekeyed: 'host-key-mismatch' });
    const firing = run.alerts();
    expect(firing.map(brief).sort((a, b) => a.node.localeCompare(b.node))).toEqual([
      { rule: 'node-auth-failed', node: 'denied', subject: '', severity: 'critical', view: 'firing' },
      { rule: 'node-host-key-changed', node: 'rekeyed', subject: '', severity: 'critical', view: 'firing' },
    ]);
    expect(firing.find((a) => a.nodeId === 'denied')!.message).toMatch(/^denied refuses Clusterdeck's login: \S/);
    expect(firing.find((a) => a.nodeId === 'rekeyed')!.message).toMatch(/^rekeyed presents a different host key than the trusted one: .*HOST KEY CHANGED/s);
    await run.tick(11 * SECOND);
    await run.tick(11 * SECOND);
    expect(
      run
        .alerts()
        .map((a) => a.id)
        .sort(),
    ).toEqual(firing.map((a) => a.id).sort());
    await run.flush();
    expect(hook.bodies.map((b) => `${b.kind} ${b.rule} ${b.node} ${b.severity}`).sort()).toEqual([
      'alert node-auth-failed denied critical',
      'alert node-host-key-changed rekeyed critical',
    ]);
  });
});

/** A logger that keeps the warnings (the dispatcher reports a failing sink there). */
function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { info: () => {}, warn: (message) => warnings.push(message), error: (message) => warnings.push(message), warnings };
}

async function until(what: string, done: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !done(); i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(done(), what).toBe(true);
}

describe('noise control and the webhook', () => {
  const pressure = async () => {
    await lab.setFakeFile('mem', '/proc/meminfo', PRESSURE_MEMINFO);
    await lab.setFakeFile('load', '/proc/loadavg', OVERLOAD_LOADAVG);
  };
  const instantly = { 'memory-pressure': '0s', 'load-far-above-cores': '0s' };

  it('7 alerts in one tick with burstCount 5: the first 4 go out as themselves, the other 3 as ONE summary at the end of the window', async () => {
    await pressure();
    const hook = await webhook('accept');
    const mem = lab.host('mem');
    const load = lab.host('load');
    const run = start({
      nodes: [
        nodeOf(mem, 'mem-1'),
        nodeOf(mem, 'mem-2'),
        nodeOf(mem, 'mem-3'),
        nodeOf(load, 'load-1'),
        nodeOf(load, 'load-2'),
        nodeOf(mem, 'denied', lab.keys.unauthorized.privateKeyPath),
        nodeOf(lab.host('rekey'), 'rekeyed'),
      ],
      hook,
      faster: instantly,
      burstCount: 5,
    });
    expect(await run.tick()).toEqual(['load-1', 'load-2', 'mem-1', 'mem-2', 'mem-3']);
    const firing = run.alerts(['firing']);
    expect(firing).toHaveLength(7);
    expect(new Set(firing.map((a) => a.nodeId)).size).toBe(7);
    await run.flush();
    expect(hook.bodies.map((b) => b.kind)).toEqual(['alert', 'alert', 'alert', 'alert']);

    // The burst window (60 s by default) ends: the 3 held back go out as one summary naming each.
    await run.tick(61 * SECOND);
    await run.flush();
    expect(hook.bodies).toHaveLength(5);
    const summary = hook.bodies[4]!;
    expect(summary).toMatchObject({ kind: 'summary', title: 'Burst: 3 more notifications in 1 minute', rule: null, node: null });
    const told = new Set(hook.bodies.slice(0, 4).map((b) => b.alertId));
    const held = firing.filter((a) => !told.has(a.id));
    expect(held).toHaveLength(3);
    expect([...summary.alertIds].sort((a, b) => a - b)).toEqual(held.map((a) => a.id).sort((a, b) => a - b));
    expect(summary.body.split('\n').sort()).toEqual(held.map((a) => `[${a.severity}] ${a.title}: ${a.nodeId}`).sort());
    expect(summary.severity).toBe(held.some((a) => a.severity === 'critical') ? 'critical' : 'warning');

    // Nothing more: each alert was told once, as itself or in the summary.
    await run.tick(61 * SECOND);
    await run.flush();
    expect(hook.bodies).toHaveLength(5);
  });

  it('a webhook answering 500 is retried, then given up with one warning; the engine goes on and does not tell the alert again', async () => {
    await pressure();
    const hook = await webhook('fail-500');
    const log = recordingLogger();
    const run = start({ nodes: [nodeOf(lab.host('mem'), 'mem-1')], hook, faster: instantly, webhook: { retries: 2, timeoutMs: 2000 }, log });
    expect(await run.tick()).toEqual(['mem-1']);
    expect(await run.tick(11 * SECOND)).toEqual(['mem-1']);
    await run.flush();
    expect(hook.requests).toBe(3);
    expect(log.warnings.filter((w) => w.includes('webhook'))).toEqual([
      expect.stringMatching(/^a notification to webhook http:\/\/127\.0\.0\.1:\d+\/hook failed: .*HTTP 500 \(gave up after 3 attempts\)$/),
    ]);
    const [alert] = run.alerts(['firing']);
    expect(alert!.notifiedAtMs).not.toBeNull();
    await run.tick(11 * SECOND);
    await run.flush();
    expect(hook.requests).toBe(3);
  });

  it('a webhook that never answers does not hold the engine: ticks go on and new alerts are recorded while it hangs', async () => {
    await pressure();
    await lab.setFakeFile('load', '/proc/loadavg', CALM_LOADAVG);
    const hook = await webhook('hang');
    const run = start({
      nodes: [nodeOf(lab.host('mem'), 'mem-1'), nodeOf(lab.host('load'), 'load-1')],
      hook,
      faster: instantly,
      webhook: { retries: 0, timeoutMs: 60_000 },
    });
    expect(await run.tick()).toEqual(['load-1', 'mem-1']);
    await until('the webhook received the first notification', () => hook.requests === 1);
    // While that POST hangs: more ticks, and a new failure on another node.
    await lab.setFakeFile('load', '/proc/loadavg', OVERLOAD_LOADAVG);
    expect(await run.tick(11 * SECOND)).toEqual(['load-1', 'mem-1']);
    expect(await run.tick(11 * SECOND)).toEqual(['load-1', 'mem-1']);
    expect(hook.hanging).toHaveLength(1);
    expect(
      run
        .alerts(['firing'])
        .map((a) => [a.ruleId, a.nodeId, a.notifiedAtMs !== null])
        .sort(),
    ).toEqual([
      ['load-far-above-cores', 'load-1', true],
      ['memory-pressure', 'mem-1', true],
    ]);
    // Waiting for the notifications is bounded too; the second waits its turn behind the hung one.
    await run.engine.flushNotifications(200);
    expect(hook.requests).toBe(1);
  });
});

describe('acknowledge and silences', () => {
  it('an acknowledged alert and a silenced node are not told; when the silence expires, its still-firing alert is told once', async () => {
    await lab.setFakeFile('mem', '/proc/meminfo', PRESSURE_MEMINFO);
    await lab.setFakeFile('load', '/proc/loadavg', OVERLOAD_LOADAVG);
    const hook = await webhook('accept');
    const mem = lab.host('mem');
    const run = start({
      nodes: [nodeOf(mem, 'mem-1'), nodeOf(mem, 'mem-2'), nodeOf(lab.host('load'), 'load-1')],
      hook,
      faster: { 'memory-pressure': '10s', 'load-far-above-cores': '10s' },
    });
    await run.tick();
    const pending = new Map(run.alerts(['pending']).map((a) => [a.nodeId, a]));
    expect([...pending.keys()].sort()).toEqual(['load-1', 'mem-1', 'mem-2']);
    const acked = run.engine.alerts.ack(pending.get('mem-1')!.id, 'alice', 'swapping job, owner told');
    expect(acked.ack).toMatchObject({ by: 'alice', comment: 'swapping job, owner told' });
    const silence = run.engine.alerts.silence([{ label: 'node', value: 'load-1', regex: false }], 60 * SECOND, 'kernel build on load-1', 'bob');
    expect(silence).toMatchObject({ active: true, endsAtMs: run.clock.now() + 60 * SECOND });

    await run.tick(11 * SECOND);
    await run.tick(11 * SECOND);
    const views = () => Object.fromEntries(run.alerts().map((a) => [a.nodeId, [a.state, a.view, a.silencedBy, a.notifiedAtMs !== null]]));
    expect(views()).toEqual({
      'mem-1': ['firing', 'acknowledged', null, false],
      'mem-2': ['firing', 'firing', null, true],
      'load-1': ['firing', 'silenced', silence.id, false],
    });
    await run.flush();
    expect(hook.bodies.map((b) => `${b.kind} ${b.node}`)).toEqual(['alert mem-2']);

    // The silence runs out (60 s after it was made): load-1 is still overloaded, so it is told now, once.
    await run.tick(40 * SECOND);
    expect(run.engine.alerts.silences().map((s) => [s.id, s.active])).toEqual([[silence.id, false]]);
    expect(views()['load-1']).toEqual(['firing', 'firing', null, true]);
    const transitions = run.engine.alerts.get(pending.get('load-1')!.id)!.transitions.map((t) => [t.to, t.actor, t.note]);
    expect(transitions).toEqual(
      expect.arrayContaining([
        ['silenced', 'bob', `silence ${silence.id}`],
        ['unsilenced', null, `silence ${silence.id} ended`],
        ['notified', null, null],
      ]),
    );
    await run.tick(11 * SECOND);
    await run.flush();
    expect(hook.bodies.map((b) => `${b.kind} ${b.node}`)).toEqual(['alert mem-2', 'alert load-1']);
    expect(views()['mem-1']).toEqual(['firing', 'acknowledged', null, false]);
  });
});
