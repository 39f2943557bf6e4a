import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NodeSnapshotSchema } from '../../../shared/model/node';
import { exposedSamples, parseExposition } from '../../../electron/core/sources/exposition';
import { CPU_COUNT, CPU_SECONDS_SUM, nodeExporterSnapshot } from '../../../electron/core/sources/node-exporter-map';

const LIMITS = { maxSeries: 100_000, maxBytes: 16 * 1024 * 1024 };
const CONTEXT = { nodeId: 'n1', collectedAt: 1_800_000_000_000, intervalMs: 5000 };

/** Two real scrapes of Debian's node_exporter 1.5.0 on this machine, 5 s apart (see SOURCES.md). */
function capture(which: 'a' | 'b') {
  const parsed = parseExposition(readFileSync(join(__dirname, `../../fixtures/prometheus/node-exporter/debian12-1.5.0-${which}.prom`), 'utf8'), LIMITS);
  expect(parsed.warnings).toEqual([]);
  return exposedSamples(parsed);
}

/** A capture as a source reads it: CPU summed over the cores by mode (as `sum without (cpu)`), and the core count. */
function summed(samples: ReturnType<typeof capture>) {
  const cpu = samples.filter((s) => s.name === 'node_cpu_seconds_total');
  const byMode = new Map<string, number>();
  for (const s of cpu) byMode.set(s.labels.mode!, (byMode.get(s.labels.mode!) ?? 0) + s.value);
  return [
    ...samples.filter((s) => s.name !== 'node_cpu_seconds_total'),
    ...[...byMode].map(([mode, value]) => ({ name: CPU_SECONDS_SUM, labels: { mode }, value })),
    { name: CPU_COUNT, labels: {}, value: cpu.filter((s) => s.labels.mode === 'idle').length },
  ];
}

function text(lines: string[]) {
  const parsed = parseExposition(lines.join('\n') + '\n', LIMITS);
  expect(parsed.warnings).toEqual([]);
  return exposedSamples(parsed);
}

describe('nodeExporterSnapshot over a real node_exporter capture', () => {
  it('maps two readings: CPU from counter deltas, rates over the node clock, memory, filesystems, OS', () => {
    const snapshot = nodeExporterSnapshot(capture('b'), capture('a'), CONTEXT);
    expect(NodeSnapshotSchema.parse(snapshot)).toEqual(snapshot);
    expect(snapshot.hostname).toBe('vm'); // node_uname_info nodename
    expect(snapshot.os).toEqual({ platform: 'linux', distro: 'Debian GNU/Linux', release: '12', kernel: '6.18.44-fc-v1098', arch: 'x64' });
    // Busy = all but idle and iowait, over the 5.046 s between node_time_seconds of the two scrapes.
    expect(snapshot.cpu).toEqual({ model: null, cores: 2, utilPct: 99.2, perCoreUtilPct: [99.2, 99.2], load1: 7.44, load5: 8.37, load15: 8.7 });
    expect(snapshot.memory).toEqual({
      totalBytes: 25275973632,
      usedBytes: 25275973632 - 20752867328,
      availableBytes: 20752867328,
      usedPct: 17.89,
      swapTotalBytes: 0,
      swapUsedBytes: 0,
    });
    // df's used = size - free; the reserved blocks are neither used nor available.
    expect(snapshot.filesystems).toEqual([
      {
        mount: '/',
        device: '/dev/vda',
        fsType: 'ext4',
        sizeBytes: 270553174016,
        usedBytes: 270553174016 - 243556818944,
        availableBytes: 81947938816,
        usedPct: 24.78,
        inodesTotal: 16777216,
        inodesUsed: 16777216 - 16304151,
      },
    ]);
    expect(snapshot.network.map((n) => n.iface)).toEqual(['eth0', 'ifb0', 'ifb1']);
    expect(snapshot.network[0]).toEqual({ iface: 'eth0', rxBytesTotal: 1506744386, txBytesTotal: 6664726, rxBytesPerSec: 0, txBytesPerSec: 0 });
    // zram0 is not a disk (the same filter as /proc/diskstats).
    expect(snapshot.diskIo).toEqual([
      {
        device: 'vda',
        readBytesTotal: 13873796096,
        writeBytesTotal: 260599472128,
        readBytesPerSec: 648631,
        writeBytesPerSec: 1117042,
        busyPct: 5.47,
      },
    ]);
    expect(snapshot.gpuStatus.state).toBe('no-gpu');
    expect(snapshot.errors).toEqual([]);
  });

  it('reads CPU summed over the cores (what a source asks for): the same utilisation and cores, no per-core list', () => {
    const snapshot = nodeExporterSnapshot(summed(capture('b')), summed(capture('a')), CONTEXT);
    expect(snapshot.cpu).toEqual({ model: null, cores: 2, utilPct: 99.2, perCoreUtilPct: [], load1: 7.44, load5: 8.37, load15: 8.7 });
    expect(nodeExporterSnapshot(summed(capture('a')), null, CONTEXT).cpu).toMatchObject({ cores: 2, utilPct: null, perCoreUtilPct: [] });
    // A core gone offline between the readings: no utilisation rather than a skewed one.
    const fewer = summed(capture('b')).map((s) => (s.name === CPU_COUNT ? { ...s, value: 1 } : s));
    expect(nodeExporterSnapshot(fewer, summed(capture('a')), CONTEXT).cpu).toMatchObject({ cores: 1, utilPct: null });
  });

  it('gives no utilisation and no rates on the first reading: missing, not 0', () => {
    const snapshot = nodeExporterSnapshot(capture('a'), null, { ...CONTEXT, hostname: 'given-name' });
    expect(snapshot.hostname).toBe('given-name');
    expect(snapshot.cpu).toMatchObject({ cores: 2, utilPct: null, perCoreUtilPct: [null, null], load1: expect.any(Number) as number });
    expect(snapshot.network.every((n) => n.rxBytesPerSec === null && n.txBytesPerSec === null)).toBe(true);
    expect(snapshot.diskIo.every((d) => d.readBytesPerSec === null && d.writeBytesPerSec === null && d.busyPct === null)).toBe(true);
  });

  it('gives no rates across a reboot (node_boot_time_seconds moved)', () => {
    const rebooted = capture('b').map((s) => (s.name === 'node_boot_time_seconds' ? { ...s, value: s.value + 3600 } : s));
    const snapshot = nodeExporterSnapshot(rebooted, capture('a'), CONTEXT);
    expect(snapshot.cpu?.utilPct).toBeNull();
    expect(snapshot.diskIo[0]!.readBytesPerSec).toBeNull();
  });
});

describe('nodeExporterSnapshot: what the capture does not show', () => {
  it("leaves out pseudo filesystems, loopback and container interfaces, partitions; keeps df's arithmetic", () => {
    const now = text([
      'node_filesystem_size_bytes{device="tmpfs",fstype="tmpfs",mountpoint="/run"} 1000',
      'node_filesystem_avail_bytes{device="tmpfs",fstype="tmpfs",mountpoint="/run"} 500',
      'node_filesystem_size_bytes{device="/dev/sdb1",fstype="xfs",mountpoint="/data"} 1000',
      'node_filesystem_avail_bytes{device="/dev/sdb1",fstype="xfs",mountpoint="/data"} 250',
      'node_filesystem_size_bytes{device="overlay",fstype="overlay",mountpoint="/var/lib/docker/overlay2/x/merged"} 1000',
      'node_filesystem_avail_bytes{device="overlay",fstype="overlay",mountpoint="/var/lib/docker/overlay2/x/merged"} 1',
      'node_network_receive_bytes_total{device="lo"} 5',
      'node_network_transmit_bytes_total{device="lo"} 5',
      'node_network_receive_bytes_total{device="veth12ab"} 5',
      'node_network_transmit_bytes_total{device="veth12ab"} 5',
      'node_network_receive_bytes_total{device="ens3"} 2000',
      'node_network_transmit_bytes_total{device="ens3"} 100',
      'node_disk_read_bytes_total{device="sda1"} 1',
      'node_disk_written_bytes_total{device="sda1"} 1',
      'node_disk_read_bytes_total{device="nvme0n1"} 4096',
      'node_disk_written_bytes_total{device="nvme0n1"} 0',
    ]);
    const before = text(['node_network_receive_bytes_total{device="ens3"} 1000', 'node_network_transmit_bytes_total{device="ens3"} 200']);
    const snapshot = nodeExporterSnapshot(now, before, { ...CONTEXT, intervalMs: 2000 });
    // No free_bytes: used is size - avail; no inode counts: null, not 0.
    expect(snapshot.filesystems).toEqual([
      {
        mount: '/data',
        device: '/dev/sdb1',
        fsType: 'xfs',
        sizeBytes: 1000,
        usedBytes: 750,
        availableBytes: 250,
        usedPct: 75,
        inodesTotal: null,
        inodesUsed: null,
      },
    ]);
    // Rates over the caller's interval where the node's clock is not exported; a counter that went
    // down (reset) gives no rate.
    expect(snapshot.network).toEqual([{ iface: 'ens3', rxBytesTotal: 2000, txBytesTotal: 100, rxBytesPerSec: 500, txBytesPerSec: null }]);
    expect(snapshot.diskIo.map((d) => [d.device, d.busyPct])).toEqual([['nvme0n1', null]]);
  });

  it('says what is missing when node_exporter exports no CPU or memory, and validates', () => {
    const snapshot = nodeExporterSnapshot(text(['up 1']), null, CONTEXT);
    expect(snapshot.cpu).toBeNull();
    expect(snapshot.memory).toBeNull();
    expect(snapshot.hostname).toBe('n1');
    expect(snapshot.os).toEqual({ platform: 'linux', distro: null, release: null, kernel: null, arch: null });
    expect(snapshot.errors.map((e) => e.collector)).toEqual(['cpu', 'memory']);
    expect(NodeSnapshotSchema.safeParse(snapshot).success).toBe(true);
  });

  it('stays within the node bounds when an exporter lists thousands of interfaces', () => {
    const lines = Array.from({ length: 3000 }, (_, i) => [
      `node_network_receive_bytes_total{device="eth${i}"} 1`,
      `node_network_transmit_bytes_total{device="eth${i}"} 1`,
    ]).flat();
    expect(nodeExporterSnapshot(text(lines), null, CONTEXT).network).toHaveLength(257);
  });
});
