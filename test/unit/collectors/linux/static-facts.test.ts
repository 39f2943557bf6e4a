import { describe, expect, it } from 'vitest';
import { gpuQueryProfile, fallbackProfile } from '../../../../electron/core/collectors/linux/scripts';
import { parseStaticFacts } from '../../../../electron/core/collectors/linux/static-facts';
import { readFixture } from '../../../helpers/fixtures';
import { ALL_FILES, staticOutput } from './framing';

describe('parseStaticFacts', () => {
  it('reads a GPU node: OS as the local collector names it, CPU, capabilities and GPU profile', () => {
    const facts = parseStaticFacts(staticOutput());
    expect(facts).toMatchObject({
      hostname: 'gpu-node-01',
      os: { platform: 'linux', distro: 'Ubuntu', release: '22.04', kernel: '5.15.0-1047-nvidia', arch: 'x64' },
      prettyName: 'Ubuntu 22.04.5 LTS',
      cpuModel: 'Intel(R) Xeon(R) Platinum 8480+',
      processors: 224,
      gpuDriverVersion: '535.54.03',
      gpuProfile: 'r450',
      counterBits: 64,
      warnings: [],
    });
    expect(Object.values(facts.capabilities.sources).every(Boolean)).toBe(true);
    expect(facts.capabilities.linux).toBe(true);
  });

  it('falls back to /usr/lib/os-release', () => {
    const facts = parseStaticFacts(
      staticOutput({ 'os-release': ['', 'missing'], 'os-release-usr-lib': [readFixture('linux', 'os-release.rocky9.distro.txt')] }),
    );
    expect(facts.os).toMatchObject({ distro: 'Rocky Linux', release: '9.3' });
  });

  it('flags what a node lacks: no diskstats, no nvidia-smi', () => {
    const probe = `${ALL_FILES.filter((f) => f !== '/proc/diskstats')
      .map((f) => `file ${f}`)
      .join('\n')}\ncommand awk\ncommand df\n`;
    const facts = parseStaticFacts(staticOutput({ capabilities: [probe, 0], 'nvidia-smi-driver': null }));
    expect(facts.capabilities.sources['proc-diskstats']).toBe(false);
    expect(facts.capabilities.sources['nvidia-smi']).toBe(false);
    expect(facts.capabilities.sources['proc-stat']).toBe(true);
    expect(facts.capabilities.timeout).toBe(false);
    expect(facts.gpuProfile).toBe('none');
  });

  it('recognises a host that is not Linux', () => {
    const facts = parseStaticFacts(
      staticOutput({
        'os-release': ['', 'missing'],
        'os-release-usr-lib': ['', 'missing'],
        'cpu-model': ['', 'missing'],
        'kernel-name': ['Darwin\n', 0],
        'kernel-release': ['23.4.0\n', 0],
        machine: ['arm64\n', 0],
        nproc: ['', 127],
        capabilities: ['command awk\ncommand df\n', 0],
        'nvidia-smi-driver': null,
      }),
    );
    expect(facts.capabilities.linux).toBe(false);
    expect(facts.os).toEqual({ platform: 'darwin', distro: null, release: null, kernel: '23.4.0', arch: 'arm64' });
    expect(facts.capabilities.sources['proc-stat']).toBe(false);
    expect(facts.processors).toBeNull();
  });

  it('knows 32-bit counters from the machine or an old kernel', () => {
    expect(parseStaticFacts(staticOutput({ machine: ['i686\n', 0] })).counterBits).toBe(32);
    expect(parseStaticFacts(staticOutput({ 'kernel-release': ['2.6.32-754.el6.x86_64\n', 0] })).counterBits).toBe(32);
    expect(parseStaticFacts(staticOutput({ 'kernel-release': ['2.6.36\n', 0] })).counterBits).toBe(64);
  });

  it('assumes every source when the probe is missing, and says the output was cut', () => {
    const cut = staticOutput({ capabilities: null, 'nvidia-smi-driver': null }).replace('@@clusterdeck:done@@\n', '');
    const facts = parseStaticFacts(cut);
    expect(Object.values(facts.capabilities.sources).every(Boolean)).toBe(true);
    expect(facts.gpuProfile).toBe('current');
    expect(facts.warnings).toContain('static facts: output ended before the script did');
  });

  it('never throws on junk and reports each odd source', () => {
    const facts = parseStaticFacts(staticOutput({ hostname: ['<script>alert(1)</script>\n', 0], nproc: ['-1\n', 0], machine: ['\u0000\n', 0] }));
    expect([facts.hostname, facts.processors, facts.os.arch]).toEqual([null, null, null]);
    expect(facts.warnings).toHaveLength(3);
    expect(parseStaticFacts('\u0000garbage').hostname).toBeNull();
  });
});

describe('gpuQueryProfile', () => {
  it('picks the field list by driver generation', () => {
    expect(
      ['610.57.04', '590.48.01', '550.54.15', '545.23.08', '535.54.03', '470.74', '450.51', '418.43', '384.66', null].map((v) => gpuQueryProfile(v, true)),
    ).toEqual(['current', 'current', 'current', 'r450', 'r450', 'r450', 'r450', 'legacy', 'legacy', 'current']);
    expect(gpuQueryProfile('590.48.01', false)).toBe('none');
  });

  it('steps down one generation at a time when a driver refuses a field', () => {
    expect([fallbackProfile('current'), fallbackProfile('r450'), fallbackProfile('legacy'), fallbackProfile('basic'), fallbackProfile('none')]).toEqual([
      'r450',
      'legacy',
      'basic',
      null,
      null,
    ]);
  });
});
