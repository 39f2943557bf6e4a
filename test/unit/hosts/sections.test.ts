import { describe, expect, it } from 'vitest';
import { MAX_SECTION_LINES, sectionText, splitSections } from '../../../electron/core/hosts/sections';
import { framed } from '../collectors/linux/framing';

const KNOWN = ['proc-stat', 'proc-meminfo', 'df-size', 'nvidia-smi'];

describe('splitSections', () => {
  it('splits framed output into sections with their content and status', () => {
    const got = splitSections(
      framed([
        ['proc-stat', 'cpu 1 2 3 4\ncpu0 1 2 3 4\n'],
        ['proc-meminfo', 'MemTotal: 1 kB\n'],
        ['df-size', 'x\n', 1],
      ]),
      KNOWN,
    );
    expect(got.done).toBe(true);
    expect(got.warnings).toEqual([]);
    expect(sectionText(got.sections.get('proc-stat')!)).toBe('cpu 1 2 3 4\ncpu0 1 2 3 4\n');
    expect(got.sections.get('proc-meminfo')!.status).toEqual({ kind: 'ok' });
    expect(got.sections.get('df-size')!.status).toEqual({ kind: 'failed', exitCode: 1 });
  });

  it('keeps at most MAX_SECTION_LINES lines of a flooded section, which then counts as cut off', () => {
    const got = splitSections(
      framed([
        ['nvidia-smi', 'y\n'.repeat(MAX_SECTION_LINES + 500)],
        ['proc-meminfo', 'MemTotal: 1 kB\n'],
      ]),
      KNOWN,
    );
    const flooded = got.sections.get('nvidia-smi')!;
    expect(flooded.lines).toHaveLength(MAX_SECTION_LINES);
    expect(flooded.status).toEqual({ kind: 'incomplete' });
    expect(got.warnings.join('\n')).toMatch(new RegExp(`section nvidia-smi has more than ${MAX_SECTION_LINES} lines`));
    // The sections after it are read as usual.
    expect(sectionText(got.sections.get('proc-meminfo')!)).toBe('MemTotal: 1 kB\n');
    expect(got.done).toBe(true);
  });

  it('reads the end statuses: ok, 0, missing, 127, error, other exit codes', () => {
    const got = splitSections(
      framed([
        ['proc-stat', '', 'missing'],
        ['proc-meminfo', 'x', 'error'],
        ['df-size', '', 127],
        ['nvidia-smi', 'x', 0],
      ]),
      KNOWN,
    );
    expect([...got.sections.values()].map((s) => s.status)).toEqual([{ kind: 'missing' }, { kind: 'read-error' }, { kind: 'missing' }, { kind: 'ok' }]);
  });

  it('leaves a section out when the host never printed it, and keeps the rest', () => {
    const got = splitSections(
      framed([
        ['proc-stat', 'cpu 1 1 1 1\n'],
        ['nvidia-smi', '0, x\n'],
      ]),
      KNOWN,
    );
    expect([...got.sections.keys()]).toEqual(['proc-stat', 'nvidia-smi']);
    expect(got.sections.has('proc-meminfo')).toBe(false);
  });

  it('marks the section it was in when output stops (timeout, size cap) and reports done as false', () => {
    const cut = framed([
      ['proc-stat', 'cpu 1 1 1 1\n'],
      ['proc-meminfo', 'MemTotal: 1 kB\nMemFree: 1 kB\n'],
    ])
      .split('\n')
      .slice(0, 5)
      .join('\n');
    const got = splitSections(cut, KNOWN);
    expect(got.done).toBe(false);
    expect(got.sections.get('proc-stat')!.status).toEqual({ kind: 'ok' });
    expect(got.sections.get('proc-meminfo')).toMatchObject({ status: { kind: 'incomplete' }, lines: ['MemTotal: 1 kB'] });
  });

  it('ignores a login banner and other lines outside any section', () => {
    const got = splitSections(`Welcome to gpu01!\nLast login: yesterday\n${framed([['proc-stat', 'cpu 1 1 1 1']])}`, KNOWN);
    expect(sectionText(got.sections.get('proc-stat')!)).toBe('cpu 1 1 1 1\n');
    expect(got.warnings).toEqual(['2 line(s) outside any section skipped']);
  });

  it('accepts CRLF line ends on markers', () => {
    const got = splitSections(framed([['proc-stat', 'cpu 1 1 1 1']]).replace(/\n/g, '\r\n'), KNOWN);
    expect(got.done).toBe(true);
    expect(got.sections.get('proc-stat')!.status.kind).toBe('ok');
  });
});

describe('splitSections against forged markers', () => {
  it('treats a marker inside a source as content, because every source line starts with |', () => {
    // A mount point, interface or process name that reads exactly like our markers.
    const hostile = [
      '@@clusterdeck:end:df-size:0@@',
      '@@clusterdeck:begin:proc-meminfo@@',
      'MemTotal: 999999999 kB',
      '@@clusterdeck:end:proc-meminfo:ok@@',
      '@@clusterdeck:done@@',
    ].join('\n');
    const got = splitSections(
      framed([
        ['df-size', `Filesystem 1024-blocks Used Available Capacity Mounted on\n${hostile}\n`],
        ['proc-meminfo', 'MemTotal: 1 kB\n'],
      ]),
      KNOWN,
    );
    expect(got.sections.get('df-size')!.lines).toEqual(['Filesystem 1024-blocks Used Available Capacity Mounted on', ...hostile.split('\n')]);
    expect(sectionText(got.sections.get('proc-meminfo')!)).toBe('MemTotal: 1 kB\n');
    expect(got.warnings).toEqual([]);
  });

  it('does not count an unprefixed line that is not exactly a marker', () => {
    const out = [
      '@@clusterdeck:begin:proc-stat@@',
      '|cpu 1 1 1 1',
      ' @@clusterdeck:end:proc-stat:ok@@',
      '@@clusterdeck:end:proc-stat:ok@@ ',
      '@@clusterdeck:end:proc-stat:ok@@x',
      '@@CLUSTERDECK:end:proc-stat:ok@@',
      '@@clusterdeck:end:proc-stat:9999@@',
      '@@clusterdeck:end:proc-stat:ok@@',
      '@@clusterdeck:done@@',
    ].join('\n');
    const got = splitSections(out, KNOWN);
    expect(got.sections.get('proc-stat')).toEqual({ name: 'proc-stat', lines: ['cpu 1 1 1 1'], status: { kind: 'ok' } });
    expect(got.warnings).toEqual(['5 line(s) outside any section skipped']);
  });

  it('refuses unknown section names, out-of-order ends, repeats and lines after done', () => {
    const out = [
      '@@clusterdeck:begin:__proto__@@',
      '|polluted',
      '@@clusterdeck:end:__proto__:ok@@',
      '@@clusterdeck:begin:evil@@',
      '|x',
      '@@clusterdeck:end:proc-stat:ok@@',
      '@@clusterdeck:begin:proc-stat@@',
      '|cpu 1 1 1 1',
      '@@clusterdeck:end:proc-stat:ok@@',
      '@@clusterdeck:begin:proc-stat@@',
      '|cpu 9 9 9 9',
      '@@clusterdeck:end:proc-stat:ok@@',
      '@@clusterdeck:done@@',
      '@@clusterdeck:begin:proc-meminfo@@',
      '|MemTotal: 1 kB',
    ].join('\n');
    const got = splitSections(out, KNOWN);
    expect([...got.sections.keys()]).toEqual(['proc-stat']);
    expect(got.sections.get('proc-stat')!.lines).toEqual(['cpu 1 1 1 1']);
    expect(got.warnings.join('\n')).toMatch(/unknown section "evil"/);
    expect(got.warnings.join('\n')).toMatch(/repeated/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('closes a section that a new begin interrupts, and says so', () => {
    const got = splitSections(
      '@@clusterdeck:begin:proc-stat@@\n|cpu 1 1 1 1\n@@clusterdeck:begin:proc-meminfo@@\n|MemTotal: 1 kB\n@@clusterdeck:end:proc-meminfo:ok@@\n',
      KNOWN,
    );
    expect(got.sections.get('proc-stat')!.status.kind).toBe('incomplete');
    expect(got.sections.get('proc-meminfo')!.status.kind).toBe('ok');
    expect(got.warnings[0]).toMatch(/did not end/);
  });

  it('copes with binary junk, huge output and an empty answer', () => {
    expect(splitSections('', KNOWN)).toEqual({ sections: new Map(), done: false, warnings: [] });
    const junk = splitSections('\u0000\u0001\uFFFD\n'.repeat(1000), KNOWN);
    expect(junk.sections.size).toBe(0);
    const huge = splitSections('x'.repeat(33 * 1024 * 1024), KNOWN);
    expect(huge.warnings[0]).toMatch(/over the/);
  });
});
