import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseGpusXml } from '../../../../electron/core/compliance/probes/gpus';
import { journaldStorage } from '../../../../electron/core/compliance/probes/logging';
import { Warnings } from '../../../../electron/core/collectors/linux/parse-support';
import { capture, exec, ok, runProbe } from './drive';

const xml = (name: string) => readFileSync(join(__dirname, '../../../fixtures/nvidia-smi/xml', name), 'utf8');

describe('gpus probe', () => {
  it('an A100 with MIG (driver 535): persistence mode, VBIOS, InfoROM, ECC, MIG pending, datacenter, no NVSwitch fabric', () => {
    const fact = parseGpusXml(xml('a100-sxm4-80gb-mig-drv535-v12.xml'));
    expect(fact).toMatchObject({ present: true, problem: null, nvswitch: false });
    expect(fact.gpus).toHaveLength(1);
    expect(fact.gpus[0]).toMatchObject({
      persistenceMode: 'Disabled',
      vbiosVersion: '92.00.36.00.02',
      inforomImage: 'G506.0212.00.01',
      eccModeCurrent: 'Enabled',
      migModeCurrent: 'Enabled',
      migModePending: 'Enabled',
      fabricState: null,
      datacenter: true,
    });
  });

  it('GeForce boards are not datacenter GPUs; nvidia-smi missing means no GPUs, a failing one is unknown', () => {
    const fact = parseGpusXml(xml('2x-gtx-1070-drv384-v9.xml'));
    expect(fact.gpus.map((g) => [g.productName, g.datacenter, g.vbiosVersion])).toEqual([
      ['GeForce GTX 1070', false, '86.04.50.00.AB'],
      ['GeForce GTX 1070', false, '86.04.50.00.AB'],
    ]);
    expect(runProbe({ kind: 'gpus' }, {}).fact).toMatchObject({ present: false, gpus: [], problem: null });
    const failed = exec("NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver.\n", 9);
    expect(runProbe({ kind: 'gpus' }, { exec: { 'nvidia-smi -q -x': failed } }).fact).toMatchObject({
      present: null,
      problem: expect.stringMatching(/exit 9/),
    });
    expect(parseGpusXml('<html/>')).toMatchObject({ present: null, problem: expect.stringMatching(/nvidia-smi output/) });
  });
});

describe('gpu-devices probe', () => {
  it('lists /dev/nvidia*, stats each, and names the world-writable ones', () => {
    const dev = (mode: number) => ({ kind: 'ok' as const, type: 'other' as const, mode, uid: 0, gid: 0, owner: 'root', group: 'root', size: 0 });
    const { fact } = runProbe(
      { kind: 'gpu-devices' },
      {
        exec: { 'ls -1A -- /dev': exec('null\nnvidia-caps\nnvidia-nvswitch0\nnvidia-uvm\nnvidia0\nnvidiactl\ntty\n') },
        stat: {
          '/dev/nvidia0': dev(0o666),
          '/dev/nvidiactl': dev(0o660),
          '/dev/nvidia-uvm': dev(0o666),
          '/dev/nvidia-nvswitch0': dev(0o600),
          '/dev/nvidia-caps': { ...dev(0o755), type: 'dir' },
        },
      },
    );
    expect(fact).toMatchObject({ worldWritable: ['/dev/nvidia-uvm', '/dev/nvidia0'], nvswitchDevices: 1, problem: null });
    expect((fact as { devices: unknown[] }).devices).toHaveLength(4);
  });
});

describe('logging probe', () => {
  it('Storage= of [Journal], drop-ins after the main file, auto with /var/log/journal is persistent, rsyslog active', () => {
    expect(journaldStorage('[Journal]\n#Storage=auto\nStorage=volatile\n', 'j', new Warnings())).toBe('volatile');
    const active = exec('LoadState=loaded\nActiveState=active\nSubState=running\nUnitFileState=enabled\n');
    const { fact } = runProbe(
      { kind: 'logging' },
      {
        read: {
          '/etc/systemd/journald.conf': ok('[Journal]\nStorage=volatile\n'),
          '/usr/lib/systemd/journald.conf.d/10-auto.conf': ok('[Journal]\nStorage=auto\n'),
        },
        exec: {
          'ls -1A -- /usr/lib/systemd/journald.conf.d': exec('10-auto.conf\n'),
          'systemctl show --property=LoadState,ActiveState,SubState,UnitFileState rsyslog.service': active,
        },
        stat: { '/var/log/journal': { kind: 'ok', type: 'dir', mode: 0o2755, uid: 0, gid: 0, owner: 'root', group: 'systemd-journal', size: 4096 } },
      },
    );
    expect(fact).toMatchObject({ storage: 'auto', journalDirExists: true, persistent: true, syslog: true, problem: null });
  });
});

describe('file-content probe', () => {
  it('follows sshd_config Includes in the order sshd reads them', () => {
    const { fact } = runProbe(
      { kind: 'file-content', path: '/etc/ssh/sshd_config', sshdIncludes: true },
      {
        read: {
          '/etc/ssh/sshd_config': ok(capture('linux-audit', 'sshd_config.fedora-include.cnquery.txt')),
          '/etc/ssh/sshd_config.d/50-redhat.conf': ok(capture('linux-audit', 'sshd_config.d-50-redhat.conf.fedora.cnquery.txt')),
        },
        exec: { 'ls -1A -- /etc/ssh/sshd_config.d': exec('50-redhat.conf\n') },
      },
    );
    const f = fact as { files: { path: string }[]; text: string; exists: boolean };
    expect(f.exists).toBe(true);
    expect(f.files.map((x) => x.path)).toEqual(['/etc/ssh/sshd_config', '/etc/ssh/sshd_config.d/50-redhat.conf']);
    expect(f.text).toMatch(/^X11Forwarding yes$/m);
  });

  it('a missing file exists: false; a path outside the readable roots is refused before any op', () => {
    expect(runProbe({ kind: 'file-content', path: '/etc/issue.net' }, {}).fact).toMatchObject({ exists: false, text: null, problem: null });
    const refused = runProbe({ kind: 'file-content', path: '/home/user/.ssh/id_rsa' }, {});
    expect(refused.ops).toEqual([]);
    expect(refused.fact).toMatchObject({ exists: null, problem: expect.stringMatching(/not a path the audit may read/) });
  });

  it('refuses a secret file before any op, so a policy cannot copy a host key (defence in depth)', () => {
    const key = '-----BEGIN OPENSSH PRIVATE KEY-----\n';
    const refused = runProbe(
      { kind: 'file-content', path: '/etc/ssh/ssh_host_ed25519_key' },
      { read: { '/etc/ssh/ssh_host_ed25519_key': ok(key) }, exec: { 'sudo cat -- /etc/ssh/ssh_host_ed25519_key': exec(key) } },
    );
    expect(refused.ops).toEqual([]);
    expect(refused.fact).toMatchObject({ exists: null, text: null, problem: expect.stringMatching(/^refused: secret file/) });
  });
});
