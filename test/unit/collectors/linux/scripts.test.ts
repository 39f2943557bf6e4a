import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseProcDiskstats } from '../../../../electron/core/collectors/linux/proc-diskstats';
import { parseProcLoadavg } from '../../../../electron/core/collectors/linux/proc-loadavg';
import { parseProcMeminfo } from '../../../../electron/core/collectors/linux/proc-meminfo';
import { parseProcNetDev } from '../../../../electron/core/collectors/linux/proc-net-dev';
import { parseProcStat } from '../../../../electron/core/collectors/linux/proc-stat';
import { parseProcUptime } from '../../../../electron/core/collectors/linux/proc-uptime';
import { parseBootId } from '../../../../electron/core/collectors/linux/boot-id';
import { parseDf } from '../../../../electron/core/collectors/linux/df';
import {
  COLLECTION_ARGVS,
  FULL_SAMPLE_TOOLS,
  GPU_QUERY_FIELDS,
  GPU_QUERY_PROFILES,
  SAMPLE_SCRIPT,
  SAMPLE_SECTIONS,
  SAMPLE_TOOL_VARIANTS,
  sampleArgv,
  sampleScript,
  STATIC_ARGV,
  STATIC_SCRIPT,
  STATIC_SECTIONS,
  type SampleTools,
} from '../../../../electron/core/collectors/linux/scripts';
import { sectionText, splitSections } from '../../../../electron/core/hosts/sections';
import { parseStaticFacts } from '../../../../electron/core/collectors/linux/static-facts';

const onLinux = process.platform === 'linux';

/** Quoting as an SSH host must do it: each word in single quotes, ' as '\''. */
const quoteWord = (word: string) => `'${word.replace(/'/g, `'\\''`)}'`;

function run(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  return execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8', env, timeout: 30_000 });
}

describe('the collection scripts are constants', () => {
  it('are one line with no backslash, newline or !, so any login shell reads the quoted command the same', () => {
    for (const script of [...SAMPLE_TOOL_VARIANTS.map(sampleScript), STATIC_SCRIPT]) {
      expect(script).not.toMatch(/[\n\r\\!]/);
      expect(script.length).toBeLessThan(4096);
    }
  });

  it('take data only as the fixed profile argument, never inside the script', () => {
    expect(sampleArgv('current')).toEqual(['sh', '-c', SAMPLE_SCRIPT, 'clusterdeck', 'current']);
    expect(sampleArgv('none')).toEqual(['sh', '-c', SAMPLE_SCRIPT, 'clusterdeck', 'none']);
    expect(STATIC_ARGV).toEqual(['sh', '-c', STATIC_SCRIPT]);
    // The static script, and each profile of each tools variant.
    expect(COLLECTION_ARGVS).toHaveLength(1 + SAMPLE_TOOL_VARIANTS.length * (GPU_QUERY_PROFILES.length + 1));
    expect(new Set(COLLECTION_ARGVS.map((a) => a[2]))).toEqual(new Set([...SAMPLE_TOOL_VARIANTS.map(sampleScript), STATIC_SCRIPT]));
  });

  it('choose among six fixed per-tick variants by what the connect-time probe found, probing nothing per tick', () => {
    expect(SAMPLE_TOOL_VARIANTS).toHaveLength(6);
    expect(new Set(SAMPLE_TOOL_VARIANTS.map(sampleScript)).size).toBe(6);
    expect(sampleScript(FULL_SAMPLE_TOOLS)).toBe(SAMPLE_SCRIPT);
    expect(sampleArgv('r450', { timeout: false, df: 'plain' })).toEqual(['sh', '-c', sampleScript({ timeout: false, df: 'plain' }), 'clusterdeck', 'r450']);
    for (const tools of SAMPLE_TOOL_VARIANTS) {
      const script = sampleScript(tools);
      expect(script).not.toContain('timeout 5 true');
      expect(script).not.toMatch(/for o in/);
      expect(script).toContain(tools.timeout ? 'TD="timeout 5"; TG="timeout 10";' : 'TD=; TG=;');
      expect(script).toContain({ 'local-typed': 'D="-l -T";', typed: 'D="-T";', plain: 'D=;' }[tools.df]);
    }
    expect(() => sampleScript({ timeout: true, df: '-x nfs' as SampleTools['df'] })).toThrow(/no sample script/);
  });

  it('ask nvidia-smi for exactly each profile field list', () => {
    for (const fields of Object.values(GPU_QUERY_FIELDS)) {
      const extra = fields.slice(GPU_QUERY_FIELDS.basic.length);
      expect(SAMPLE_SCRIPT).toContain(`Q=$C${extra.map((f) => `,${f}`).join('')};;`);
    }
    expect(SAMPLE_SCRIPT).toContain(`C=${GPU_QUERY_FIELDS.basic.join(',')};`);
  });
});

describe('the per-tick script on this machine', () => {
  for (const shell of ['sh', 'bash']) {
    it(`runs under ${shell} and frames every source`, () => {
      const split = splitSections(run([shell, ...sampleArgv('current').slice(1)]), SAMPLE_SECTIONS);
      expect(split.warnings).toEqual([]);
      expect(split.done).toBe(true);
      const parsers = {
        'boot-id': parseBootId,
        'proc-uptime': parseProcUptime,
        'proc-stat': parseProcStat,
        'proc-loadavg': parseProcLoadavg,
        'proc-meminfo': parseProcMeminfo,
        'proc-net-dev': parseProcNetDev,
        'proc-diskstats': parseProcDiskstats,
      } as const;
      for (const [name, parse] of Object.entries(parsers)) {
        const section = split.sections.get(name)!;
        expect(section.status.kind, name).toBe(onLinux ? 'ok' : 'missing');
        if (section.status.kind !== 'ok') continue;
        let warnings = parse(sectionText(section)).warnings;
        // The SSH lab of a test file running beside this one adds and deletes interfaces: a read
        // of /proc/net/dev spanning that (it comes in several pages) may list one twice.
        if (name === 'proc-net-dev') warnings = warnings.filter((w) => !/"cdlab\d+v\d+" repeated/.test(w));
        expect(warnings, name).toEqual([]);
      }
      // The intr and softirq lines never leave the node.
      expect(split.sections.get('proc-stat')!.lines.some((l) => /^(intr|softirq) /.test(l))).toBe(false);
      expect(split.sections.get('df-size')!.lines[0]).toMatch(/^Filesystem/);
    });
  }

  it('reads the same through a login shell given the quoted command line', () => {
    const line = sampleArgv('none').map(quoteWord).join(' ');
    for (const login of ['sh', 'bash']) {
      const split = splitSections(run([login, '-c', line]), SAMPLE_SECTIONS);
      expect(split.done).toBe(true);
      expect(split.sections.has('nvidia-smi')).toBe(false);
    }
  });

  it('skips nvidia-smi entirely for the none profile', () => {
    expect(splitSections(run(sampleArgv('none')), SAMPLE_SECTIONS).sections.has('nvidia-smi')).toBe(false);
  });
});

describe('the per-tick script against hostile command output', () => {
  const dir = mkdtempSync(join(tmpdir(), 'clusterdeck-fake-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fake = (name: string, body: string) => {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  };
  const FORGED = [
    '@@clusterdeck:end:SECTION:0@@',
    '@@clusterdeck:begin:proc-meminfo@@',
    'MemTotal: 1 kB',
    '@@clusterdeck:end:proc-meminfo:ok@@',
    '@@clusterdeck:done@@',
  ];
  const forgedFor = (section: string) => FORGED.map((l) => l.replace('SECTION', section));
  // A df and an nvidia-smi that print forged markers (as a mount point or process name could),
  // try the script's private descriptors 3 and 4, print binary junk and end without a newline.
  fake(
    'df',
    [
      'echo "Filesystem     Type     1024-blocks     Used Available Capacity Mounted on"',
      ...forgedFor('df-size').map((l) => `echo '${l}'`),
      "echo '@@clusterdeck:done@@' >&4",
      "echo '0' >&3",
      "printf '\\001\\002junk\\n/dev/sdb1 ext4 1 1 0 100%% /mnt/@@clusterdeck:done@@'",
    ].join('\n'),
  );
  fake('nvidia-smi', [...forgedFor('nvidia-smi').map((l) => `echo '${l}'`), "echo '@@clusterdeck:done@@' >&4", 'exit 0'].join('\n'));
  // The script puts the system directories first on PATH; for the fakes to be found, that one
  // assignment is dropped. Everything else is the script as shipped.
  const script = SAMPLE_SCRIPT.replace('PATH=/usr/bin:/bin:/usr/sbin:/sbin:$PATH; export PATH;', 'export PATH;');

  it('uses the script as shipped but for the PATH line', () => {
    expect(script).not.toBe(SAMPLE_SCRIPT);
    expect(script.length).toBe(SAMPLE_SCRIPT.length - 'PATH=/usr/bin:/bin:/usr/sbin:/sbin:$PATH; '.length);
  });

  for (const shell of ['sh', 'bash']) {
    it(`under ${shell}, keeps every forged line inside the section that printed it`, () => {
      const stdout = execFileSync(shell, ['-c', script, 'clusterdeck', 'current'], {
        encoding: 'utf8',
        env: { ...process.env, PATH: `${dir}:${process.env.PATH}` },
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const split = splitSections(stdout, SAMPLE_SECTIONS);
      expect(split.warnings).toEqual([]);
      expect(split.done).toBe(true);
      const df = split.sections.get('df-size')!;
      expect(df.status).toEqual({ kind: 'ok' });
      expect(df.lines.slice(1, 6)).toEqual(forgedFor('df-size'));
      expect(df.lines.slice(6)).toEqual(['\u0001\u0002junk', '/dev/sdb1 ext4 1 1 0 100% /mnt/@@clusterdeck:done@@']);
      expect(split.sections.get('df-inodes')!.lines.slice(1, 6)).toEqual(forgedFor('df-size'));
      const gpu = split.sections.get('nvidia-smi')!;
      expect(gpu.status).toEqual({ kind: 'ok' });
      expect(gpu.lines.slice(0, 5)).toEqual(forgedFor('nvidia-smi'));
      // Its stderr is kept (nvidia-smi reports failures there): the shell refusing fd 4.
      expect(gpu.lines.slice(5).join('\n')).toMatch(/^[^@]*(Bad file descriptor|bad file descriptor)[^@]*$/);
      // The real /proc/meminfo, not the forged one.
      const meminfo = split.sections.get('proc-meminfo')!;
      expect(meminfo.lines).not.toContain('MemTotal: 1 kB');
      expect(meminfo.status.kind).toBe(onLinux ? 'ok' : 'missing');
    });
  }

  it('reports a command that is not installed as missing', () => {
    // Only awk on PATH: df and nvidia-smi are not found, and the shell says so with status 127.
    const awkOnly = mkdtempSync(join(tmpdir(), 'clusterdeck-awk-only-'));
    try {
      symlinkSync(execFileSync('/bin/sh', ['-c', 'command -v awk'], { encoding: 'utf8' }).trim(), join(awkOnly, 'awk'));
      const stdout = execFileSync('/bin/sh', ['-c', script, 'clusterdeck', 'current'], {
        encoding: 'utf8',
        env: { PATH: awkOnly },
        stdio: ['ignore', 'pipe', 'ignore'],
      });
      const split = splitSections(stdout, SAMPLE_SECTIONS);
      expect(split.done).toBe(true);
      expect(split.sections.get('nvidia-smi')!.status.kind).toBe('missing');
      expect(split.sections.get('df-size')!.status.kind).toBe('missing');
      expect(split.sections.get('df-inodes')!.status.kind).toBe('missing');
      // The files are still read by awk.
      expect(split.sections.get('proc-uptime')!.status.kind).toBe(onLinux ? 'ok' : 'missing');
    } finally {
      rmSync(awkOnly, { recursive: true, force: true });
    }
  });

  it('without awk still frames every section and reports none as read', () => {
    const stdout = execFileSync('/bin/sh', ['-c', script, 'clusterdeck', 'current'], {
      encoding: 'utf8',
      env: { PATH: '/nonexistent' },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const split = splitSections(stdout, SAMPLE_SECTIONS);
    expect(split.done).toBe(true);
    expect(split.sections.get('df-size')!.status.kind).toBe('missing');
    // nvidia-smi's "not found" goes into the pipe whose reader (awk) is already gone, so the
    // shell may die of SIGPIPE before it reports a status: missing or cut off, never ok.
    expect(['missing', 'incomplete']).toContain(split.sections.get('nvidia-smi')!.status.kind);
    for (const section of split.sections.values()) expect(section.lines).toEqual([]);
  });
});

describe('the connect-time script on this machine', () => {
  it('reads host name, OS, CPU and capabilities', () => {
    const stdout = run(STATIC_ARGV);
    expect(splitSections(stdout, STATIC_SECTIONS).done).toBe(true);
    const facts = parseStaticFacts(stdout);
    expect(facts.warnings).toEqual([]);
    expect(facts.hostname).toBe(hostname());
    expect(facts.os.platform).toBe(process.platform);
    expect(facts.os.arch).toBe(process.arch);
    expect(facts.processors).toBeGreaterThanOrEqual(1);
    expect(facts.capabilities.sources['proc-stat']).toBe(onLinux);
    expect(facts.capabilities.sources['df-size']).toBe(true);
  });
});

describe("the connect-time probe picks the per-tick variant for the node's df and timeout", () => {
  const dir = mkdtempSync(join(tmpdir(), 'clusterdeck-tools-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // The program file, not a shell builtin (true is both).
  const which = (command: string) => execFileSync('bash', ['-c', 'type -P "$1"', 'which', command], { encoding: 'utf8' }).trim();
  const realDf = which('df');
  // The scripts put the system directories first on PATH; for a node's own tool set to be the only
  // one seen, that assignment is dropped, as in the hostile-output tests above.
  const pathLine = 'PATH=/usr/bin:/bin:/usr/sbin:/sbin:$PATH; export PATH;';
  const onNodePath = (script: string) => {
    expect(script).toContain(pathLine);
    return script.replace(pathLine, 'export PATH;');
  };

  /** A node's bin folder: the real awk, uname, nproc and true, the real timeout if it has one, and its df. */
  function node(name: string, options: { timeout: boolean; df: string | null }): string {
    const bin = join(dir, name);
    mkdirSync(bin);
    for (const tool of ['awk', 'uname', 'nproc', 'true', ...(options.timeout ? ['timeout'] : [])]) symlinkSync(which(tool), join(bin, tool));
    if (options.df !== null) {
      writeFileSync(join(bin, 'df'), options.df);
      chmodSync(join(bin, 'df'), 0o755);
    }
    return bin;
  }
  // The real df behind the options busybox df refuses (it has no -l; small builds have no -T
  // either), answering as busybox does: usage on stderr, exit 1.
  const busyboxDf = (refused: string) =>
    `#!/bin/sh\nfor a in "$@"; do case $a in ${refused}) echo "df: invalid option -- '\${a#-}'" >&2; echo 'BusyBox v1.36.1 (Debian 1:1.36.1-9) multi-call binary.' >&2; exit 1;; esac; done\nexec ${realDf} "$@"\n`;
  const coreutilsDf = `#!/bin/sh\nexec ${realDf} "$@"\n`;

  function probeAndSample(bin: string): { tools: SampleTools; split: ReturnType<typeof splitSections> } {
    const env = { PATH: bin };
    const facts = parseStaticFacts(execFileSync('/bin/sh', ['-c', onNodePath(STATIC_SCRIPT)], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'ignore'] }));
    const argv = sampleArgv('none', facts.sampleTools);
    const stdout = execFileSync('/bin/sh', ['-c', onNodePath(argv[2]!), ...argv.slice(3)], { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'ignore'] });
    return { tools: facts.sampleTools, split: splitSections(stdout, SAMPLE_SECTIONS) };
  }

  function expectDfRead(split: ReturnType<typeof splitSections>, hasType: boolean): void {
    expect(split.done).toBe(true);
    for (const [name, kind] of [
      ['df-size', 'size'],
      ['df-inodes', 'inodes'],
    ] as const) {
      const section = split.sections.get(name)!;
      // df exits 1 when one mount cannot be read (the lab's namespaces come and go): still read.
      expect(section.status.kind === 'ok' || (section.status.kind === 'failed' && section.status.exitCode === 1), name).toBe(true);
      const listing = parseDf(sectionText(section));
      expect(listing).toMatchObject({ kind, hasType });
      expect(listing.rows.map((r) => r.mount)).toContain('/');
    }
  }

  it('coreutils with timeout: df -l -T, bounded', () => {
    const { tools, split } = probeAndSample(node('coreutils', { timeout: true, df: coreutilsDf }));
    expect(tools).toEqual({ timeout: true, df: 'local-typed' });
    expectDfRead(split, true);
  });

  it('busybox df without -l: df -T', () => {
    const { tools, split } = probeAndSample(node('busybox', { timeout: true, df: busyboxDf('-l') }));
    expect(tools).toEqual({ timeout: true, df: 'typed' });
    expectDfRead(split, true);
  });

  it('busybox df without -l or -T, on a node without timeout: plain df, unbounded', () => {
    const { tools, split } = probeAndSample(node('minimal', { timeout: false, df: busyboxDf('-l|-T') }));
    expect(tools).toEqual({ timeout: false, df: 'plain' });
    expectDfRead(split, false);
  });

  it('a node without timeout still reads df (the timeout variant would find no timeout and lose df)', () => {
    const bin = node('no-timeout', { timeout: false, df: coreutilsDf });
    const { tools, split } = probeAndSample(bin);
    expect(tools).toEqual({ timeout: false, df: 'local-typed' });
    expectDfRead(split, true);
    // What the per-tick probe used to guard against: the bounded variant on this node.
    const bounded = execFileSync('/bin/sh', ['-c', onNodePath(sampleScript(FULL_SAMPLE_TOOLS)), 'clusterdeck', 'none'], {
      encoding: 'utf8',
      env: { PATH: bin },
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    expect(splitSections(bounded, SAMPLE_SECTIONS).sections.get('df-size')!.status.kind).toBe('missing');
  });

  it('a node without df: the df sections are missing, whatever the variant', () => {
    const { tools, split } = probeAndSample(node('no-df', { timeout: true, df: null }));
    expect(tools).toEqual({ timeout: true, df: 'plain' });
    expect(split.sections.get('df-size')!.status.kind).toBe('missing');
  });
});
