import { describe, expect, it } from 'vitest';
import { parseBootId } from '../../../../electron/core/collectors/linux/boot-id';
import { parseCpuModel } from '../../../../electron/core/collectors/linux/cpu-model';
import { parseHostname } from '../../../../electron/core/collectors/linux/hostname';
import { parseNproc } from '../../../../electron/core/collectors/linux/nproc';
import { parseUnameField, toNodeArch, toNodePlatform } from '../../../../electron/core/collectors/linux/uname';

describe('parseHostname', () => {
  it('reads one plausible name', () => {
    expect(parseHostname('gpu-node-017.cluster.local\n')).toEqual({ hostname: 'gpu-node-017.cluster.local', warnings: [] });
  });

  it('refuses what cannot be a host name', () => {
    for (const junk of ['', '\n', 'a b', '-leading', '<script>', 'x'.repeat(300), '\u0000', 'naïve']) {
      expect(parseHostname(junk).hostname).toBeNull();
    }
  });

  it('takes the first of several lines with a warning', () => {
    expect(parseHostname('a\nb\n')).toEqual({ hostname: 'a', warnings: ['2 lines, one host name expected'] });
  });
});

describe('parseNproc', () => {
  it('reads a processor count', () => {
    expect(parseNproc('224\n')).toEqual({ processors: 224, warnings: [] });
  });

  it('refuses zero, negatives, words and absurd counts', () => {
    for (const junk of ['0', '-4', 'many', '1000000', '', '4 4']) expect(parseNproc(junk).processors).toBeNull();
  });
});

describe('uname fields', () => {
  it('reads one word', () => {
    expect(parseUnameField('5.15.0-1047-nvidia\n', 'uname -r')).toEqual({ value: '5.15.0-1047-nvidia', warnings: [] });
  });

  it('refuses several words or control characters', () => {
    expect(parseUnameField('Linux gpu01 5.15\n', 'uname -r').value).toBeNull();
    expect(parseUnameField('x86_64\u0007\n', 'uname -m').value).toBeNull();
  });

  it('names machines and kernels the way process.arch and process.platform do', () => {
    expect(['x86_64', 'aarch64', 'i686', 'armv7l', 'ppc64le', 's390x', 'riscv64', 'sparc64'].map(toNodeArch)).toEqual([
      'x64',
      'arm64',
      'ia32',
      'arm',
      'ppc64',
      's390x',
      'riscv64',
      'sparc64',
    ]);
    expect(['Linux', 'Darwin', 'FreeBSD'].map(toNodePlatform)).toEqual(['linux', 'darwin', 'freebsd']);
  });
});

describe('parseBootId', () => {
  it('reads the kernel boot UUID', () => {
    expect(parseBootId('8634566e-86e7-4035-b8bb-d3b73d71e8d3\n').bootId).toBe('8634566e-86e7-4035-b8bb-d3b73d71e8d3');
  });

  it('refuses anything else', () => {
    for (const junk of ['', 'not-a-uuid', '8634566E-86E7-4035-B8BB-D3B73D71E8D3x']) expect(parseBootId(junk).bootId).toBeNull();
  });
});

describe('parseCpuModel', () => {
  it('reads the model name line, blanks collapsed', () => {
    expect(parseCpuModel('model name\t: Intel(R) Xeon(R) Platinum 8480+    CPU @ 2.0GHz\n').model).toBe('Intel(R) Xeon(R) Platinum 8480+ CPU @ 2.0GHz');
  });

  it('gives null without a warning on ARM (no model name line), and with one for junk', () => {
    expect(parseCpuModel('')).toEqual({ model: null, warnings: [] });
    expect(parseCpuModel('model name\t: \u0007bell\n').warnings).toHaveLength(1);
    expect(parseCpuModel('vendor_id : x\n').model).toBeNull();
  });
});
