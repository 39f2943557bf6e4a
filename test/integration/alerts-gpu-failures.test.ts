// Issue #10's acceptance test for GPU failures, through the whole wired engine (createEngine):
// real OpenSSH servers (the SSH lab), each a node whose fake nvidia-smi, journalctl and dmesg replay
// real captures (there is no NVIDIA GPU here); the kernel log watcher, the failure detectors, the
// shipped rules (plus a user rules folder), the alert engine over a real SQLite file, and
// notifications through a fake notify-send on PATH and a webhook server on 127.0.0.1.
//
// One engine over five nodes, one failure each; every tick is driven by the test (pollKernelLogs,
// then collectOnce) on a clock the test moves 10 s per tick, so nothing here waits on time.
// The clock starts just after the Xid capture's own timestamps (2024-11-15 12:02), so the Xid
// events are minutes old, as they would be on a live node (keep_firing_for is 1h).
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEngine, type Engine } from '../../electron/core/engine';
import type { Logger } from '../../electron/core/log';
import { ConfigSchema, type Config } from '../../shared/config';
import type { Alert } from '../../shared/model/alerts';
import type { SshNode } from '../../shared/model/inventory';
import type { NodeSnapshot } from '../../shared/model/node';
import {
  ManualClock,
  NotifySendRecorder,
  WebhookRecorder,
  nvidiaSmiXmlScript,
  writeShared,
  xmlOnPciBus,
  xmlWithActiveReason,
} from '../helpers/alert-scenarios';
import { FakeJournal, asJournalLines, fakeJournalctlScript, replayScript } from '../helpers/fake-kernel-log';
import { fixturePath, readFixture } from '../helpers/fixtures';
import { SshLab, type LabHost } from '../helpers/ssh-lab';

const TICK_MS = 10_000;
const CLOCK_START = Date.UTC(2024, 10, 15, 12, 3, 0);
const ALL_VIEWS: Alert['view'][] = ['firing', 'pending', 'acknowledged', 'silenced', 'resolved'];

const xmlCapture = (name: string) => readFixture('nvidia-smi', 'xml', name);
const errorCapture = (name: string) => fixturePath('nvidia-smi', 'errors', name);

/**
 * The user's rules folder (rules/ beside config.yaml), using the documented override by id:
 * - the throttle rules wait 20 s instead of the shipped 1 min, so a sustained slowdown fires after
 *   three readings 10 s apart and a one-reading spike stays pending;
 * - the host rules are turned off: the lab hosts report THIS machine's disks, memory and load,
 *   which are not under test and must not add alerts of their own.
 */
const USER_RULES = `rules:
  - id: gpu-throttle-hw-slowdown
    name: GPU hardware slowdown
    watch: { detector: gpu-throttle, select: { reason: hw_slowdown } }
    for: 20s
    keep_firing_for: 0s
    severity: warning
    labels: { category: gpu }
    message: "{{node}} {{gpu}}: clocks cut by hardware slowdown for over 20 s. {{text}}"
  - { id: filesystem-full, disabled: true }
  - { id: filesystem-inodes-exhausted, disabled: true }
  - { id: memory-pressure, disabled: true }
  - { id: load-far-above-cores, disabled: true }
`;

let lab: SshLab;
let dir: string;
let shared: string;
let clock: ManualClock;
let notifySend: NotifySendRecorder;
let webhook: WebhookRecorder;
let config: Config;
let engine: Engine;
let xidDmesgCalls: string;
let busJournal: FakeJournal;
const logged: string[] = [];

// Node files the test rewrites between ticks (the fake nvidia-smi reads them at each call).
let busXml: string;
let throttleXml: string;
// The GPUs as captured, moved where the scenario needs them.
let busGpuListed: string;
let throttleNormal: string;
let throttleSlowed: string;

const log: Logger = {
  info: () => {},
  warn: (message) => logged.push(`warn: ${message}`),
  error: (message, error) => logged.push(`error: ${message} ${error instanceof Error ? error.message : ''}`),
};

function nodeOf(host: LabHost): SshNode {
  return {
    id: host.name,
    host: host.address,
    port: host.port,
    user: host.user,
    identityFiles: [host.privateKeyPath],
    useAgent: false,
    proxyJump: [],
    labels: [],
  };
}

function newEngine(): Engine {
  return createEngine({
    config,
    dbPath: join(dir, 'clusterdeck.db'),
    configPath: join(dir, 'config.yaml'),
    mode: 'serve',
    clock,
    log,
    includeLocal: false,
    useInventory: false,
    sshNodes: lab.hosts().map(nodeOf),
    knownHostsFile: lab.knownHostsPath,
    userKnownHostsFiles: [],
    env: notifySend.env(),
  });
}

/** One tick as the running engine does it: the kernel logs read, then a collection through the rules; then the sinks drained. */
async function tick(): Promise<NodeSnapshot[]> {
  clock.advance(TICK_MS);
  await engine.pollKernelLogs();
  const snapshots = await engine.collectOnce();
  await engine.flushNotifications(15_000);
  return snapshots;
}

function alertsOf(nodeId: string, views: Alert['view'][] = ALL_VIEWS): Alert[] {
  return engine.alerts.list({ nodeId, views, limit: 100 }).alerts.sort((a, b) => a.id - b.id);
}

const open = (alert: Alert) => alert.state !== 'resolved';

/** notify-send calls about a node: [title, body] after the options and `--`. */
function desktopNotes(nodeId: string): Array<{ urgency: string; title: string; body: string }> {
  return notifySend
    .calls()
    .map((argv) => ({
      urgency: argv.find((a) => a.startsWith('--urgency=')) ?? '',
      title: argv[argv.indexOf('--') + 1] ?? '',
      body: argv[argv.indexOf('--') + 2] ?? '',
    }))
    .filter((n) => n.title.includes(nodeId) || n.body.includes(`Node ${nodeId}`));
}

function webhookNotes(nodeId: string): Array<Record<string, unknown>> {
  return webhook.bodies.filter((b) => b.node === nodeId);
}

function diagnostics(): string {
  return `engine log:\n${logged.join('\n')}`;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'cd-alerts-gpu-'));
  chmodSync(dir, 0o755); // the lab's login user reads the node files in here
  shared = join(dir, 'node-files');
  clock = new ManualClock(CLOCK_START);
  notifySend = new NotifySendRecorder(join(dir, 'notify'));
  webhook = await WebhookRecorder.start();
  writeShared(join(dir, 'rules'), 'lab-overrides.yaml', USER_RULES);
  config = ConfigSchema.parse({
    collection: { intervalMs: 1000, nvidiaSmiTimeoutMs: 15_000 },
    notifications: {
      webhook: { url: webhook.url, timeoutMs: 5000, retries: 0 },
      // Five failures fire within the first ticks: the default burst limit (5 in a minute) would
      // fold them into one summary. This test is about each alert's own notification, so the limit
      // is set out of reach; the burst summary has its own tests (noise).
      burstCount: 1000,
    },
  });

  // gpu-xid: an A100 (the capture moved to bus 19, where the Xid capture's GPU sits) on a node
  // without a journal: journalctl says so as systemd 252 does, and dmesg replays the kernel ring buffer.
  const a100 = writeShared(shared, 'a100-bus19.xml', xmlOnPciBus(xmlCapture('a100-sxm4-80gb-mig-drv535-v12.xml'), '19'));
  const noJournal = writeShared(
    shared,
    'no-journal.stderr',
    readFileSync(fixturePath('kernel-log', 'journalctl-k-no-journal-files.systemd252.stderr.txt'), 'utf8'),
  );
  const dmesgCapture = writeShared(shared, 'xid-48-63-94.dmesg', readFileSync(errorCapture('xid-48-63-94-dbe-row-remap.dmesg-iso.log'), 'utf8'));
  xidDmesgCalls = writeShared(shared, 'dmesg-calls', '');
  chmodSync(xidDmesgCalls, 0o666); // the fake dmesg, run as the lab's user, appends its arguments
  // Other nodes keep a journal with nothing in it, or (gpu-bus) one the test appends to.
  const emptyJournal = new FakeJournal(join(shared, 'empty-journal'));
  busJournal = new FakeJournal(join(shared, 'bus-journal'));

  // gpu-bus: an RTX 3090 capture whose single GPU is moved from bus 09 to 06, the bus of the
  // Xid 79 capture, so the kernel's lines and nvidia-smi name the same GPU.
  busGpuListed = xmlOnPciBus(xmlCapture('rtx-3090-drv590-v13.xml'), '06');
  busXml = writeShared(shared, 'bus.xml', busGpuListed);
  // gpu-throttle: a Tesla T4 capture, and the same with HW slowdown set Active.
  throttleNormal = xmlCapture('tesla-t4-linux-drv515-v11.xml');
  throttleSlowed = xmlWithActiveReason(throttleNormal, 'hw_slowdown');
  throttleXml = writeShared(shared, 'throttle.xml', throttleNormal);

  lab = await SshLab.create({
    hosts: [
      {
        name: 'gpu-xid',
        nvidiaSmi: { script: nvidiaSmiXmlScript(a100) },
        fakePrograms: {
          journalctl: replayScript({ stdoutText: '-- No entries --', stderrPath: noJournal, exitCode: 1 }),
          dmesg: replayScript({ stdoutPath: dmesgCapture, exitCode: 0, callsPath: xidDmesgCalls }),
        },
      },
      { name: 'gpu-bus', nvidiaSmi: { script: nvidiaSmiXmlScript(busXml) }, fakePrograms: { journalctl: fakeJournalctlScript(busJournal.path) } },
      // nvidia-smi's real exit status for this message is 9 (NVML_ERROR_DRIVER_NOT_LOADED).
      {
        name: 'gpu-driver',
        nvidiaSmi: { errorFixture: 'driver-not-loaded.txt', exitCode: 9 },
        fakePrograms: { journalctl: fakeJournalctlScript(emptyJournal.path) },
      },
      {
        name: 'gpu-pages',
        nvidiaSmi: { xmlFixture: 'v100-sxm3-32gb-retired-pages-drv410-v10.xml' },
        fakePrograms: { journalctl: fakeJournalctlScript(emptyJournal.path) },
      },
      { name: 'gpu-throttle', nvidiaSmi: { script: nvidiaSmiXmlScript(throttleXml) }, fakePrograms: { journalctl: fakeJournalctlScript(emptyJournal.path) } },
    ],
  });
  engine = newEngine();
}, 180_000);

afterAll(async () => {
  engine?.close();
  await webhook?.close();
  await lab?.dispose();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('GPU failures over SSH through the engine', () => {
  it('1. Xid from dmesg (no journal): one alert per GPU and Xid, with the catalog severity and decoded text, notified once', async () => {
    await tick();
    const alerts = alertsOf('gpu-xid');
    expect(
      alerts.map((a) => [a.ruleId, a.subject, a.severity, a.state]),
      diagnostics(),
    ).toEqual([
      ['xid', '00000000:19:00.0:xid:48', 'critical', 'firing'],
      ['xid', '00000000:19:00.0:xid:63', 'warning', 'firing'],
      ['xid', '00000000:19:00.0:xid:94', 'warning', 'firing'],
    ]);
    // The A100 listed at that bus: the alert names it by UUID and index.
    expect(alerts.every((a) => a.gpu === 'GPU-513536b6-7d19-9063-b049-1e69664bb298' && a.labels.gpu_index === '0')).toBe(true);
    const [dbe, remap, contained] = alerts;
    expect(dbe!.message).toContain('gpu-xid GPU-513536b6-7d19-9063-b049-1e69664bb298: Xid 48 Double Bit ECC Error.');
    expect(dbe!.message).toContain('Recommended action: WORKFLOW_XID_48.');
    expect(dbe!.message).toContain('An uncorrectable double bit error (DBE) has been detected on GPU in the framebuffer');
    expect(remap!.message).toContain('Xid 63 GPU memory remapping event.');
    expect(remap!.message).toContain('Recommended action: IGNORE.');
    expect(contained!.message).toContain('Xid 94 Contained memory error.');
    expect(contained!.message).toContain('Recommended action: RESTART_APP.');
    // dmesg was asked for ISO times (journalctl having said there is no journal).
    expect(readFileSync(xidDmesgCalls, 'utf8').trim().split('\n')[0]).toBe('--time-format iso');

    const desktop = desktopNotes('gpu-xid');
    expect(desktop.map((n) => [n.urgency, n.title])).toEqual([
      ['--urgency=critical', 'GPU Xid error: gpu-xid GPU 0'],
      ['--urgency=normal', 'GPU Xid error: gpu-xid GPU 0'],
      ['--urgency=normal', 'GPU Xid error: gpu-xid GPU 0'],
    ]);
    expect(desktop.map((n) => n.body)).toEqual(expect.arrayContaining([expect.stringContaining('Xid 48 Double Bit ECC Error')]));
    expect(desktop.map((n) => n.body)).toEqual(expect.arrayContaining([expect.stringContaining('Xid 94 Contained memory error')]));
    const hooks = webhookNotes('gpu-xid');
    expect(hooks.map((h) => [h.kind, h.rule, h.alertId, h.severity])).toEqual(alerts.map((a) => ['alert', 'xid', a.id, a.severity]));
    expect(hooks.map((h) => h.body)).toEqual(alerts.map((a) => a.message));

    // dmesg prints the whole ring buffer again at each read: nothing new, no new alert or notification.
    await tick();
    expect(alertsOf('gpu-xid').map((a) => [a.id, a.state])).toEqual(alerts.map((a) => [a.id, 'firing']));
    expect(desktopNotes('gpu-xid')).toHaveLength(3);
    expect(webhookNotes('gpu-xid')).toHaveLength(3);
  });

  it("2. a GPU fallen off the bus: the kernel's Xid 79 and the GPU missing from nvidia-smi are ONE critical alert", async () => {
    // The first ticks listed the GPU at 06:00: the node's baseline knows it.
    expect(alertsOf('gpu-bus'), diagnostics()).toEqual([]);
    busJournal.append(asJournalLines(readFileSync(errorCapture('xid-79-fallen-off-bus.kernel.txt'), 'utf8'), 'gpu-bus', clock.now()));
    // What nvidia-smi says once its only GPU is gone (NVML_ERROR_NOT_FOUND, exit 6).
    lab.setNvidiaSmi('gpu-bus', { errorFixture: 'no-devices-found.txt', exitCode: 6 });
    await tick();

    const alerts = alertsOf('gpu-bus');
    const fallen = alerts.filter((a) => a.ruleId === 'gpu-fallen-off-bus');
    expect(
      fallen.map((a) => [a.subject, a.gpu, a.severity, a.state, a.labels.evidence, a.labels.xid]),
      diagnostics(),
    ).toEqual([['00000000:06:00.0', 'GPU-12345678-aaaa-bbbb-cccc-0123456789ab', 'critical', 'firing', 'kernel+missing', '79']]);
    expect(fallen[0]!.message).toContain('gpu-bus: the GPU at PCI 00000000:06:00.0 (GPU-12345678-aaaa-bbbb-cccc-0123456789ab) has fallen off the bus.');
    expect(fallen[0]!.message).toContain('the kernel reports Xid 79: GPU has fallen off the bus.');
    expect(fallen[0]!.message).toContain('Recommended action: RESTART_BM.');
    expect(fallen[0]!.message).toContain('It is no longer listed by nvidia-smi (0 of the 1 GPUs this node had are listed).');
    // nvidia-smi's "No devices were found" is the same failure seen from NVML: listed as
    // suppressed by it (the shipped inhibit rule), never notified.
    expect(alerts.filter((a) => a.ruleId !== 'gpu-fallen-off-bus').map((a) => [a.ruleId, a.state, a.suppressedBy !== null, a.notifiedAtMs])).toEqual([
      ['gpu-driver-error', 'firing', true, null],
    ]);

    expect(desktopNotes('gpu-bus').map((n) => [n.urgency, n.title])).toEqual([['--urgency=critical', 'GPU fallen off the bus: gpu-bus GPU 0']]);
    expect(desktopNotes('gpu-bus')[0]!.body).toContain('Xid 79: GPU has fallen off the bus');
    expect(webhookNotes('gpu-bus').map((h) => [h.kind, h.rule, h.alertId, h.severity, h.body])).toEqual([
      ['alert', 'gpu-fallen-off-bus', fallen[0]!.id, 'critical', fallen[0]!.message],
    ]);

    // Still gone a tick later: the same alert, nothing notified again.
    await tick();
    expect(
      alertsOf('gpu-bus')
        .filter(open)
        .map((a) => [a.id, a.ruleId]),
    ).toEqual(alerts.map((a) => [a.id, a.ruleId]));
    expect(desktopNotes('gpu-bus')).toHaveLength(1);
    expect(webhookNotes('gpu-bus')).toHaveLength(1);
  });

  it("3. the driver not loaded: one critical gpu-driver-error alert with the driver's message", () => {
    const alerts = alertsOf('gpu-driver');
    expect(
      alerts.map((a) => [a.ruleId, a.subject, a.severity, a.state, a.labels.state]),
      diagnostics(),
    ).toEqual([['gpu-driver-error', '', 'critical', 'firing', 'driver-not-loaded']]);
    expect(alerts[0]!.message).toBe('gpu-driver: nvidia-smi failed: The NVIDIA driver is not loaded: nvidia-smi could not communicate with it.');
    expect(desktopNotes('gpu-driver').map((n) => [n.urgency, n.title, n.body])).toEqual([
      ['--urgency=critical', 'GPU driver or NVML failure: gpu-driver', alerts[0]!.message],
    ]);
    expect(webhookNotes('gpu-driver').map((h) => [h.kind, h.alertId, h.body])).toEqual([['alert', alerts[0]!.id, alerts[0]!.message]]);
  });

  it('4. retired pages pending on the V100 capture: one gpu-retired-pages-pending alert', () => {
    const alerts = alertsOf('gpu-pages');
    expect(
      alerts.map((a) => [a.ruleId, a.subject, a.severity, a.state]),
      diagnostics(),
    ).toEqual([['gpu-retired-pages-pending', 'GPU-ef23ffa6-c9fd-93d5-aeb8-612c087255ff', 'warning', 'firing']]);
    expect(alerts[0]!.message).toContain('retired pages are pending; a GPU reset is needed to retire them.');
    expect(desktopNotes('gpu-pages').map((n) => [n.urgency, n.title])).toEqual([['--urgency=normal', 'GPU page retirement pending: gpu-pages GPU 0']]);
    expect(webhookNotes('gpu-pages').map((h) => [h.kind, h.alertId, h.body])).toEqual([['alert', alerts[0]!.id, alerts[0]!.message]]);
  });

  it('5. HW slowdown: one reading shorter than `for` notifies nothing; a sustained one fires once after `for`', async () => {
    expect(alertsOf('gpu-throttle'), diagnostics()).toEqual([]);
    writeShared(shared, 'throttle.xml', throttleSlowed);
    await tick();
    const spike = alertsOf('gpu-throttle');
    expect(spike.map((a) => [a.ruleId, a.state, a.labels.reason])).toEqual([['gpu-throttle-hw-slowdown', 'pending', 'hw_slowdown']]);
    writeShared(shared, 'throttle.xml', throttleNormal);
    await tick();
    expect(alertsOf('gpu-throttle').map((a) => [a.id, a.state, a.firedAtMs, a.notifiedAtMs])).toEqual([[spike[0]!.id, 'resolved', null, null]]);
    expect(desktopNotes('gpu-throttle')).toEqual([]);
    expect(webhookNotes('gpu-throttle')).toEqual([]);

    // Sustained: pending at 0 s and 10 s, firing at 20 s (the user rule's `for`).
    writeShared(shared, 'throttle.xml', throttleSlowed);
    await tick();
    await tick();
    expect(alertsOf('gpu-throttle', ['pending']).map((a) => a.ruleId)).toEqual(['gpu-throttle-hw-slowdown']);
    expect(desktopNotes('gpu-throttle')).toEqual([]);
    await tick();
    const firing = alertsOf('gpu-throttle', ['firing']);
    expect(firing.map((a) => [a.ruleId, a.subject, a.severity])).toEqual([
      ['gpu-throttle-hw-slowdown', 'GPU-d37e67a5-91dd-3774-a5cb-99096249601a:hw_slowdown', 'warning'],
    ]);
    expect(firing[0]!.message).toContain('gpu-throttle GPU-d37e67a5-91dd-3774-a5cb-99096249601a: clocks cut by hardware slowdown for over 20 s.');
    expect(firing[0]!.message).toContain('HW slowdown: the hardware cut the clocks by half or more');
    expect(desktopNotes('gpu-throttle').map((n) => n.title)).toEqual(['GPU hardware slowdown: gpu-throttle GPU 0']);
    expect(webhookNotes('gpu-throttle').map((h) => [h.kind, h.alertId])).toEqual([['alert', firing[0]!.id]]);
    await tick();
    expect(desktopNotes('gpu-throttle')).toHaveLength(1);
  });

  it('a restart over the same database while the failures persist: the same alerts stay firing, nothing is notified again', async () => {
    const openBefore = lab.hosts().flatMap((h) =>
      alertsOf(h.name)
        .filter(open)
        .map((a) => [a.id, a.ruleId, a.state]),
    );
    expect(openBefore).toHaveLength(8);
    const desktopBefore = notifySend.calls().length;
    const webhookBefore = webhook.bodies.length;
    const dmesgReads = readFileSync(xidDmesgCalls, 'utf8').split('\n').length;
    engine.close();
    engine = newEngine();
    await tick();
    const snapshots = await tick();
    // The new engine did look: every node answered with its failure still there, and the
    // kernel log without a journal was read again (the same Xids, recorded once already).
    expect(snapshots.map((s) => [s.id, s.gpuStatus.state]).sort(), diagnostics()).toEqual([
      ['gpu-bus', 'no-devices'],
      ['gpu-driver', 'driver-not-loaded'],
      ['gpu-pages', 'ok'],
      ['gpu-throttle', 'ok'],
      ['gpu-xid', 'ok'],
    ]);
    expect(readFileSync(xidDmesgCalls, 'utf8').split('\n').length).toBeGreaterThan(dmesgReads);
    const openAfter = lab.hosts().flatMap((h) =>
      alertsOf(h.name)
        .filter(open)
        .map((a) => [a.id, a.ruleId, a.state]),
    );
    expect(openAfter, diagnostics()).toEqual(openBefore);
    expect(notifySend.calls()).toHaveLength(desktopBefore);
    expect(webhook.bodies).toHaveLength(webhookBefore);
  });

  it('resolves when the condition clears: the GPU listed again, the driver loaded again', async () => {
    const fallen = alertsOf('gpu-bus').filter(open);
    const driver = alertsOf('gpu-driver').filter(open);
    lab.setNvidiaSmi('gpu-bus', { script: nvidiaSmiXmlScript(busXml) });
    lab.setNvidiaSmi('gpu-driver', { xmlFixture: 'tesla-t4-linux-drv515-v11.xml' });
    await tick();
    expect(
      alertsOf('gpu-bus').map((a) => [a.id, a.state]),
      diagnostics(),
    ).toEqual(fallen.map((a) => [a.id, 'resolved']));
    expect(alertsOf('gpu-driver').map((a) => [a.id, a.state])).toEqual(driver.map((a) => [a.id, 'resolved']));
    // Only what was notified is told resolved (not the suppressed driver error of gpu-bus).
    expect(desktopNotes('gpu-bus').map((n) => n.title)).toEqual(['GPU fallen off the bus: gpu-bus GPU 0', 'Resolved: GPU fallen off the bus: gpu-bus GPU 0']);
    expect(desktopNotes('gpu-driver').map((n) => n.title)).toEqual([
      'GPU driver or NVML failure: gpu-driver',
      'Resolved: GPU driver or NVML failure: gpu-driver',
    ]);
    const fallenId = fallen.find((a) => a.ruleId === 'gpu-fallen-off-bus')!.id;
    expect(webhookNotes('gpu-bus').map((h) => [h.kind, h.alertId])).toEqual([
      ['alert', fallenId],
      ['resolved', fallenId],
    ]);
    expect(webhookNotes('gpu-driver').map((h) => [h.kind, h.alertId])).toEqual([
      ['alert', driver[0]!.id],
      ['resolved', driver[0]!.id],
    ]);
    // The others still hold: the Xid alerts within keep_firing_for, retired pages, the slowdown.
    expect(['gpu-xid', 'gpu-pages', 'gpu-throttle'].map((node) => alertsOf(node, ['firing']).length)).toEqual([3, 1, 1]);
  });
});
