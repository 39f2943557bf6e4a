/**
 * What a simulated SSH node (ssh-sim.ts) answers to each command line the engine sends: the
 * engine's own scripts (collectors/linux/scripts.ts), run for real on this machine once and then
 * again every few seconds (so counters move), with a fake nvidia-smi on PATH that prints real
 * captures widened to N GPUs (test/fixtures/nvidia-smi: rows of an H100 `--query-gpu` capture,
 * <gpu> blocks of an RTX A5000 `-q -x` capture, as the SSH lab's fleet does). Every node of a
 * kind (with or without GPUs) shares one recording; the host name is each node's own. Any other
 * command line the engine sends (a batch read of boot_id, the kernel log) is recorded the same
 * way on first sight: run here as sshd would run it, then replayed.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { APP_ROOT } from '../electron/core/app-root';
import { GPU_QUERY_FIELDS, STATIC_ARGV } from '../electron/core/collectors/linux/scripts';
import { shellQuote } from '../electron/core/hosts/ssh/ssh-connection';

const CSV_CAPTURE = join(APP_ROOT, 'test', 'fixtures', 'nvidia-smi', 'csv', 'h100-80gb-hbm3-linux-drv590.48.01-load.query-gpu.csv');
const XML_CAPTURE = join(APP_ROOT, 'test', 'fixtures', 'nvidia-smi', 'xml', '2x-rtx-a5000-drv590-v13.xml');
/** How old a recording may get before a request records it again (in the background). */
const REFRESH_MS = 2000;

export interface Reply {
  stdout: string;
  stderr: string;
  code: number;
}

const uuidOf = (i: number) => `GPU-00000000-0000-0000-0000-${String(i).padStart(12, '0')}`;
const busOf = (i: number) => `00000000:${(0x18 + i * 0x10).toString(16).toUpperCase().padStart(2, '0')}:00.0`;

/** The `--query-gpu` answer (noheader, nounits) of `gpus` GPUs, from one row of a real capture. */
export function csvAnswer(gpus: number): string {
  const [header, row] = readFileSync(CSV_CAPTURE, 'utf8').split('\n');
  const names = header!.split(', ').map((h) => h.replace(/ \[.*\]$/, ''));
  const cells = row!.split(', ');
  const values = new Map(names.map((n, i) => [n, cells[i]!]));
  const rows = Array.from({ length: gpus }, (_, i) => {
    const own: Record<string, string> = { index: String(i), uuid: uuidOf(i), 'pci.bus_id': busOf(i) };
    return GPU_QUERY_FIELDS.current.map((f) => own[f] ?? values.get(f)!.replace(/ (W|MiB|MHz|%)$/, '')).join(', ');
  });
  return `${rows.join('\n')}\n`;
}

/** `nvidia-smi -q -x` of `gpus` GPUs: the capture's <gpu> blocks in turn, each with its own index, UUID and bus id. */
export function xmlAnswer(gpus: number): string {
  const xml = readFileSync(XML_CAPTURE, 'utf8');
  const blocks = [...xml.matchAll(/\t<gpu id="[^"]*">[\s\S]*?\n\t<\/gpu>\n/g)].map((m) => m[0]);
  const start = xml.indexOf(blocks[0]!);
  const end = xml.lastIndexOf(blocks.at(-1)!) + blocks.at(-1)!.length;
  const gpuXml = Array.from({ length: gpus }, (_, i) =>
    blocks[i % blocks.length]!.replace(/<gpu id="[^"]*">/, `<gpu id="${busOf(i)}">`)
      .replace(/<uuid>[^<]*<\/uuid>/, `<uuid>${uuidOf(i)}</uuid>`)
      .replace(/<minor_number>[^<]*<\/minor_number>/, `<minor_number>${i}</minor_number>`),
  ).join('');
  return (xml.slice(0, start) + gpuXml + xml.slice(end)).replace(/<attached_gpus>\d+<\/attached_gpus>/, `<attached_gpus>${gpus}</attached_gpus>`);
}

/** A fake nvidia-smi in dir/bin answering the collector's three queries from files in dir. */
function writeFakeNvidiaSmi(dir: string, gpus: number): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(dir, 'query.csv'), csvAnswer(gpus));
  writeFileSync(join(dir, 'nvidia-smi.xml'), xmlAnswer(gpus));
  writeFileSync(join(dir, 'driver.csv'), '590.48.01\n'.repeat(gpus));
  const q = shellQuote;
  const script = [
    '#!/bin/sh',
    'case "$1" in',
    `  -q) exec cat ${q(join(dir, 'nvidia-smi.xml'))} ;;`,
    `  --query-gpu=driver_version) exec cat ${q(join(dir, 'driver.csv'))} ;;`,
    `  --query-gpu=${GPU_QUERY_FIELDS.current.join(',')}) exec cat ${q(join(dir, 'query.csv'))} ;;`,
    `  --query-gpu=*) echo 'Field "unknown" is not a valid field to query.'; exit 2 ;;`,
    'esac',
    'echo "fake nvidia-smi: unexpected arguments: $*" >&2',
    'exit 2',
  ].join('\n');
  writeFileSync(join(bin, 'nvidia-smi'), `${script}\n`);
  chmodSync(join(bin, 'nvidia-smi'), 0o755);
  return bin;
}

const commandLine = (argv: readonly string[]) => argv.map(shellQuote).join(' ');

function run(argv: readonly string[], path: string): Promise<Reply> {
  return new Promise((resolve) => {
    execFile(argv[0]!, argv.slice(1), { cwd: '/', env: { ...process.env, PATH: path }, maxBuffer: 16 * 2 ** 20, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ stdout, stderr, code });
    });
  });
}

interface Recording {
  reply: Reply | null;
  at: number;
  pending: Promise<Reply> | null;
}

/** Distinct command lines recorded per kind of node; the oldest is forgotten beyond this. */
const MAX_RECORDINGS = 256;

/**
 * Recorded answers of one kind of node (with GPUs or without): a command line seen for the first
 * time runs here through `sh -c`, as sshd would run it, and its answer is replayed to every node
 * of the kind, recorded again in the background once older than REFRESH_MS.
 */
class Recorder {
  readonly #byLine = new Map<string, Recording>();
  /** Recordings made (each a run of a command line here), for the report. */
  runs = 0;

  constructor(private readonly path: string) {}

  async answer(line: string): Promise<Reply> {
    let recording = this.#byLine.get(line);
    if (!recording) {
      if (this.#byLine.size >= MAX_RECORDINGS) this.#byLine.delete(this.#byLine.keys().next().value!);
      recording = { reply: null, at: 0, pending: null };
      this.#byLine.set(line, recording);
    }
    if (recording.reply === null) return this.#record(line, recording);
    if (performance.now() - recording.at > REFRESH_MS) void this.#record(line, recording);
    return recording.reply;
  }

  #record(line: string, recording: Recording): Promise<Reply> {
    if (recording.pending) return recording.pending;
    this.runs += 1;
    recording.pending = run(['sh', '-c', line], this.path).then((reply) => {
      recording.reply = reply;
      recording.at = performance.now();
      recording.pending = null;
      return reply;
    });
    return recording.pending;
  }
}

/**
 * What `dmesg` prints on the simulated nodes: this machine's own ring buffer (about 2,100 lines,
 * 170 KB here), the same for every node, or nothing (a node that logged nothing since boot).
 */
export type KernelLogReplay = 'this-machine' | 'empty';

export interface Replies {
  /** The answer of node `name` (with GPUs or not) to a command line. */
  answer(line: string, gpu: boolean, name: string): Promise<Reply>;
  recordings(): number;
}

/** This machine's name as the static script prints it, replaced by each node's own. */
function withHostName(reply: Reply, name: string): Reply {
  return { ...reply, stdout: reply.stdout.replace(/(@@clusterdeck:begin:hostname@@\n\|)[^\n]*/, `$1${name}`) };
}

export function createReplies(dir: string, gpus: number, kernelLog: KernelLogReplay = 'this-machine'): Replies {
  const gpuBin = writeFakeNvidiaSmi(join(dir, 'gpu'), gpus);
  // Without GPUs: a PATH where nvidia-smi is not found (this machine has none).
  const plainPath = '/usr/bin:/bin:/usr/sbin:/sbin';
  const withGpu = new Recorder(`${gpuBin}${delimiter}${plainPath}`);
  const withoutGpu = new Recorder(plainPath);
  const staticLine = commandLine(STATIC_ARGV);
  return {
    async answer(line, gpu, name) {
      if (kernelLog === 'empty' && line.startsWith('dmesg ')) return { stdout: '', stderr: '', code: 0 };
      const reply = await (gpu ? withGpu : withoutGpu).answer(line);
      return line === staticLine ? withHostName(reply, name) : reply;
    },
    recordings: () => withGpu.runs + withoutGpu.runs,
  };
}
