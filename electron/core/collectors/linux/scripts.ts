/**
 * The two remote scripts, constants from end to end: no value from a node, a config or a user is
 * ever put into them. The per-tick script takes one argument, a GPU query profile, from the fixed
 * set below; it reaches the script as $1, never as script text.
 *
 * Both scripts are one line of POSIX sh with no backslash, '!' or newline, so the single-quoted
 * command line the SSH host builds reads the same whatever the user's login shell (checked with
 * dash, bash, busybox sh, tcsh and fish). Output framing and why markers cannot be forged:
 * hosts/sections.ts. They need sh, awk and uname (POSIX); df, timeout and nvidia-smi are optional.
 * What df and timeout accept is probed once per connection by the connect-time script, which
 * picks one of a few constant per-tick scripts (SAMPLE_TOOL_VARIANTS).
 */

/** Which `--query-gpu` field list the node's driver accepts (see GPU_QUERY_FIELDS). */
export type GpuQueryProfile = 'current' | 'r450' | 'legacy' | 'basic' | 'none';

/**
 * The per-tick GPU fields for each driver generation. nvidia-smi refuses the whole query when one
 * field is unknown, so each list holds only names a real driver of that generation accepted
 * (test/fixtures/nvidia-smi/csv/*.cmd: 465 for `r450`/`legacy`, 590 to 610 for `current`; the
 * test checks every name). MIG exists from 450; 535 renamed clocks_throttle_reasons to
 * clocks_event_reasons (XML captures); power.draw.average/instant and remapped_rows are asked of
 * `current` only, as 465 knows neither. `basic` is the safety net when a driver refuses the rest.
 */
const COMMON_FIELDS = [
  'index',
  'uuid',
  'pci.bus_id',
  'name',
  'driver_version',
  'fan.speed',
  'utilization.gpu',
  'utilization.memory',
  'memory.total',
  'memory.used',
  'temperature.gpu',
  'power.draw',
  'power.limit',
  'enforced.power.limit',
  'clocks.current.sm',
  'ecc.mode.current',
  'ecc.errors.corrected.volatile.total',
  'ecc.errors.uncorrected.volatile.total',
  'ecc.errors.corrected.aggregate.total',
  'ecc.errors.uncorrected.aggregate.total',
  'retired_pages.single_bit_ecc.count',
  'retired_pages.double_bit.count',
  'retired_pages.pending',
] as const;

export const GPU_QUERY_PROFILES = ['current', 'r450', 'legacy', 'basic'] as const;

export const GPU_QUERY_FIELDS: Readonly<Record<(typeof GPU_QUERY_PROFILES)[number], readonly string[]>> = {
  current: [
    ...COMMON_FIELDS,
    'power.draw.average',
    'power.draw.instant',
    'remapped_rows.correctable',
    'remapped_rows.uncorrectable',
    'remapped_rows.pending',
    'remapped_rows.failure',
    'mig.mode.current',
    'clocks_event_reasons.active',
  ],
  r450: [...COMMON_FIELDS, 'mig.mode.current', 'clocks_throttle_reasons.active'],
  legacy: [...COMMON_FIELDS, 'clocks_throttle_reasons.active'],
  basic: [...COMMON_FIELDS],
};

/** The driver generation's profile; the builder steps down a generation if a field is refused. */
export function gpuQueryProfile(driverVersion: string | null, nvidiaSmiPresent: boolean): GpuQueryProfile {
  if (!nvidiaSmiPresent) return 'none';
  const major = Number(/^(\d{2,4})\./.exec(driverVersion ?? '')?.[1] ?? NaN);
  if (!Number.isFinite(major) || major >= 550) return 'current';
  return major >= 450 ? 'r450' : 'legacy';
}

/** The other profile to try when nvidia-smi says "is not a valid field to query". */
export function fallbackProfile(profile: GpuQueryProfile): GpuQueryProfile | null {
  if (profile === 'current') return 'r450';
  if (profile === 'r450') return 'legacy';
  if (profile === 'legacy') return 'basic';
  return null;
}

export const SAMPLE_SECTIONS = [
  'boot-id',
  'proc-uptime',
  'proc-stat',
  'proc-loadavg',
  'proc-meminfo',
  'proc-net-dev',
  'proc-diskstats',
  'df-size',
  'df-inodes',
  'nvidia-smi',
  'compute-apps',
  'gpu-procs',
] as const;
export type SampleSection = (typeof SAMPLE_SECTIONS)[number];

export const STATIC_SECTIONS = [
  'os-release',
  'os-release-usr-lib',
  'cpu-model',
  'hostname',
  'kernel-name',
  'kernel-release',
  'machine',
  'nproc',
  'capabilities',
  'sample-tools',
  'nvidia-smi-driver',
] as const;
export type StaticSection = (typeof STATIC_SECTIONS)[number];

/** The files the per-tick script reads, by section. */
export const SAMPLE_FILES: ReadonlyArray<readonly [SampleSection, string]> = [
  ['boot-id', '/proc/sys/kernel/random/boot_id'],
  ['proc-uptime', '/proc/uptime'],
  ['proc-stat', '/proc/stat'],
  ['proc-loadavg', '/proc/loadavg'],
  ['proc-meminfo', '/proc/meminfo'],
  ['proc-net-dev', '/proc/net/dev'],
  ['proc-diskstats', '/proc/diskstats'],
];

/** The commands the capability probe looks for. */
export const PROBED_COMMANDS = ['awk', 'df', 'nvidia-smi', 'timeout'] as const;

// Stable output (C locale), system tools ahead of whatever the login shell's PATH holds, default
// word splitting, and the marker prefix.
const PRELUDE = ['LC_ALL=C; export LC_ALL; unset IFS;', 'PATH=/usr/bin:/bin:/usr/sbin:/sbin:$PATH; export PATH;', 'M=@@clusterdeck;'].join(' ');

// emit NAME CMD ARGS...: runs the command with every output line behind '|', and its exit status
// in the end marker. fd 3 carries the status out of the pipeline, fd 4 is the real stdout; the
// command itself gets neither, so it can write nowhere but through the '|' filter.
const EMIT = [
  'emit() { n=$1; shift; echo "$M:begin:$n@@";',
  '{ r=$( { { "$@" 3>&- 4>&-; echo "$?" >&3; } | awk \'{ print "|" $0 }\' >&4; } 3>&1 ); } 4>&1;',
  'echo "$M:end:$n:$r@@"; };',
].join(' ');

// One awk reads every file, so the /proc sources cost one process. getline returns -1 for a file
// that is missing or unreadable, which becomes status "missing" (or "error" part-way). The intr
// and softirq lines of /proc/stat are dropped here: they run to 100+ KB on a GPU server and are
// not used. From /proc/cpuinfo only the first "model name" line is kept.
const READ_FILES_AWK = [
  "awk 'BEGIN { for (i = 1; i + 1 < ARGC; i += 2) { n = ARGV[i]; f = ARGV[i + 1];",
  'print "@@clusterdeck:begin:" n "@@"; k = 0;',
  'while ((r = (getline l < f)) > 0) {',
  'if (n == "proc-stat" && l ~ /^(intr|softirq) /) continue;',
  'if (n == "cpu-model") { if (l ~ /^model name/) { print "|" l; k = 1; break } continue }',
  'print "|" l; k++ }',
  'close(f); s = "ok"; if (r < 0) s = (k ? "error" : "missing");',
  'print "@@clusterdeck:end:" n ":" s "@@" } }\'',
].join(' ');

// `timeout` (coreutils, busybox >= 1.30) bounds df on a stuck disk (5 s) and nvidia-smi on a GPU
// that fell off the bus (10 s; see NVIDIA_SMI_SCRIPT_TIMEOUT_MS); without it the SSH exec timeout
// is the only bound. A process stuck in the kernel may outlive even SIGKILL.
const WITH_TIMEOUT = 'TD="timeout 5"; TG="timeout 10";';
const WITHOUT_TIMEOUT = 'TD=; TG=;';
// The connect-time probe: whether `timeout` works (busybox before 1.30 wants `-t 5`).
const TIMEOUT_PROBE = `if timeout 5 true >/dev/null 2>&1; then ${WITH_TIMEOUT} else ${WITHOUT_TIMEOUT} fi;`;
// nvidia-smi prints its failures (driver not loaded, NVML mismatch) on stdout or stderr: keep both.
const GPU_FUNCTION = 'gpu() { $TG nvidia-smi "$@" 2>&1; };';

/**
 * The per-tick processes on the GPUs: nvidia-smi's compute apps (the query of the real captures,
 * test/fixtures/nvidia-smi/csv/*.query-compute-apps.cmd; pid is the 6th column), run only after
 * the GPU query answered, and kept in $A for the /proc reads.
 */
export const COMPUTE_APPS_QUERY = '--query-compute-apps=timestamp,gpu_name,gpu_bus_id,gpu_serial,gpu_uuid,pid,process_name,used_gpu_memory';
/** Distinct PIDs whose /proc entries are read per tick; the rest are listed without owner and command. */
export const MAX_PROC_PIDS = 512;
/** Bytes of a command line read on the node (the model keeps NODE_LIMITS.text of it). */
const CMDLINE_CHARS = 1024;
// apps prints the compute apps with nvidia-smi's exit status. procs takes the PIDs (digits only,
// distinct, bounded) from them and one awk reads, for each, /proc/PID/stat, the Uid line of
// /proc/PID/status and /proc/PID/cmdline (NULs to spaces where the awk keeps them; getline fails
// quietly for a PID that is gone or hidden), then the owners' names from /etc/passwd; uids not
// there (directory users) are asked of getent. No value from the node reaches a shell word but
// those digits. Line format: proc-process.ts.
const GPU_PROCS_FUNCTIONS = [
  'apps() { if [ -n "$A" ]; then printf %s "$A"; echo; fi; return $R; };',
  'procs() { P=$(printf %s "$A" | awk -F", "',
  `'NR > 1 && $6 ~ /^[0-9]+$/ && length($6) < 11 && ($6 in s) == 0 && n < ${MAX_PROC_PIDS} { s[$6] = 1; n++; print $6 }');`,
  'if [ -z "$P" ]; then return 0; fi; echo "hz $(getconf CLK_TCK 2>/dev/null)";',
  `O=$(awk 'BEGIN { z = sprintf("%c", 0); if ((getline l < "/proc/uptime") > 0) print "uptime " l;`,
  'for (i = 1; i < ARGC; i++) { p = ARGV[i]; if (p ~ /^[0-9]+$/) {',
  'f = "/proc/" p "/stat"; if ((getline l < f) > 0) print "stat " p " " l; close(f);',
  'f = "/proc/" p "/status"; while ((getline l < f) > 0) if (l ~ /^Uid:/) { split(l, u); print "uid " p " " u[2]; w[u[2]] = 1; break } close(f);',
  `f = "/proc/" p "/cmdline"; t = ""; k = 0; while (length(t) < ${CMDLINE_CHARS} && (getline l < f) > 0) t = t (k++ ? " " : "") l; close(f);`,
  `if (length(z) == 1) gsub(z, " ", t); print "cmd " p " " substr(t, 1, ${CMDLINE_CHARS}) } }`,
  'while ((getline l < "/etc/passwd") > 0) { split(l, a, ":"); if (a[3] in w) { print "user " a[3] " " a[1]; delete w[a[3]] } }',
  `for (x in w) print "nouser " x }' $P); printf %s "$O"; echo;`,
  `M=$(printf %s "$O" | awk '$1 == "nouser" && $2 ~ /^[0-9]+$/ { print $2 }');`,
  `if [ -n "$M" ] && command -v getent >/dev/null 2>&1; then $TD getent passwd $M | awk -F: '{ print "user " $3 " " $1 }'; fi; return 0; };`,
].join(' ');

/**
 * How the per-tick script asks df: `-l` so network filesystems are never stat'ed (a dead NFS
 * server would hang df, and shared filesystems are the same on every node), `-T` for the type
 * column. busybox df lacks -l (and -T in small builds); the parser reads either layout.
 */
export const DF_FLAGS = ['local-typed', 'typed', 'plain'] as const;
export type DfFlags = (typeof DF_FLAGS)[number];
const DF_FLAG_WORDS: Readonly<Record<DfFlags, string>> = { 'local-typed': '-l -T', typed: '-T', plain: '' };

/** What the connect-time probe found on a node: it picks one of the fixed per-tick scripts. */
export interface SampleTools {
  /** `timeout 5 true` works: df and nvidia-smi are bounded on the node itself. */
  timeout: boolean;
  df: DfFlags;
}

/** coreutils, which most nodes have: the variant SAMPLE_SCRIPT is. */
export const FULL_SAMPLE_TOOLS: SampleTools = { timeout: true, df: 'local-typed' };
/** What works on any POSIX node: the choice when the probe could not be read. */
export const MINIMAL_SAMPLE_TOOLS: SampleTools = { timeout: false, df: 'plain' };

/** Every combination, each with its own constant script. */
export const SAMPLE_TOOL_VARIANTS: readonly SampleTools[] = [true, false].flatMap((timeout) => DF_FLAGS.map((df) => ({ timeout, df })));

// The probe prints `timeout` when it works, and `df` followed by the richest flags df accepts on
// `/` (bounded by timeout where it works). sampleToolsFromProbe (capabilities.ts) reads these lines.
const TOOLS_PROBE = [
  'tools() { if [ -n "$TD" ]; then echo timeout; fi;',
  'for o in "-l -T" "-T"; do',
  'if $TD df -P -k $o / >/dev/null 2>&1; then echo "df $o"; return 0; fi; done; echo df; };',
].join(' ');

function readFiles(pairs: ReadonlyArray<readonly [string, string]>): string {
  return `${READ_FILES_AWK} ${pairs.map(([name, path]) => `${name} ${path}`).join(' ')};`;
}

/**
 * The per-tick script for the tools a node has. `df -P` (POSIX: one line per filesystem, no
 * wrapping) in KiB and inodes, with the flags the connect-time probe found (DF_FLAGS). Nothing
 * is probed per tick: each variant is a constant, chosen by sampleArgv.
 */
function buildSampleScript(tools: SampleTools): string {
  return [
    PRELUDE,
    EMIT,
    readFiles(SAMPLE_FILES),
    tools.timeout ? WITH_TIMEOUT : WITHOUT_TIMEOUT,
    DF_FLAG_WORDS[tools.df] === '' ? 'D=;' : `D="${DF_FLAG_WORDS[tools.df]}";`,
    'emit df-size $TD df -P -k $D;',
    'emit df-inodes $TD df -P -i $D;',
    GPU_FUNCTION,
    `C=${COMMON_FIELDS.join(',')};`,
    'case $1 in',
    ...GPU_QUERY_PROFILES.map((profile) => {
      const extra = GPU_QUERY_FIELDS[profile].slice(COMMON_FIELDS.length);
      return `${profile}) Q=$C${extra.map((f) => `,${f}`).join('')};;`;
    }),
    '*) Q=;; esac;',
    GPU_PROCS_FUNCTIONS,
    'if [ -n "$Q" ]; then emit nvidia-smi gpu "--query-gpu=$Q" --format=csv,noheader,nounits;',
    `if [ "$r" = 0 ]; then A=$(gpu ${COMPUTE_APPS_QUERY} --format=csv); R=$?; emit compute-apps apps; emit gpu-procs procs; fi; fi;`,
    'echo "$M:done@@"',
  ].join(' ');
}

const toolsKey = (tools: SampleTools) => `${tools.timeout ? 'timeout' : 'no-timeout'}/${tools.df}`;
const SAMPLE_SCRIPTS: ReadonlyMap<string, string> = new Map(SAMPLE_TOOL_VARIANTS.map((tools) => [toolsKey(tools), buildSampleScript(tools)]));

/** The constant per-tick script of a tools variant. */
export function sampleScript(tools: SampleTools): string {
  const script = SAMPLE_SCRIPTS.get(toolsKey(tools));
  if (script === undefined) throw new Error(`no sample script for ${JSON.stringify(tools)}`);
  return script;
}

/** The per-tick script of a node with coreutils (timeout, df -l -T). */
export const SAMPLE_SCRIPT = sampleScript(FULL_SAMPLE_TOOLS);

/**
 * The connect-time script: facts that change only with a reboot or a driver install. Host name
 * is `uname -n` (hostname(1) is missing from minimal images); core count is `nproc --all`
 * (plain nproc follows the session's affinity and OMP_NUM_THREADS).
 */
export const STATIC_SCRIPT = [
  PRELUDE,
  'unset OMP_NUM_THREADS OMP_THREAD_LIMIT;',
  EMIT,
  readFiles([
    ['os-release', '/etc/os-release'],
    ['os-release-usr-lib', '/usr/lib/os-release'],
    ['cpu-model', '/proc/cpuinfo'],
  ]),
  'emit hostname uname -n;',
  'emit kernel-name uname -s;',
  'emit kernel-release uname -r;',
  'emit machine uname -m;',
  'emit nproc nproc --all;',
  `probe() { for f in ${SAMPLE_FILES.map(([, path]) => path).join(' ')}; do if [ -r "$f" ]; then echo "file $f"; fi; done;`,
  `for c in ${PROBED_COMMANDS.join(' ')}; do if command -v "$c" >/dev/null 2>&1; then echo "command $c"; fi; done; };`,
  'emit capabilities probe;',
  TIMEOUT_PROBE,
  TOOLS_PROBE,
  'emit sample-tools tools;',
  GPU_FUNCTION,
  'if command -v nvidia-smi >/dev/null 2>&1; then emit nvidia-smi-driver gpu --query-gpu=driver_version --format=csv,noheader; fi;',
  'echo "$M:done@@"',
].join(' ');

/** The name the scripts run under ($0): it prefixes the shell's own error messages. */
const SCRIPT_NAME = 'clusterdeck';

/** The exact argv of the per-tick sample: `sh -c SCRIPT clusterdeck PROFILE`, SCRIPT the tools' variant. */
export function sampleArgv(profile: GpuQueryProfile, tools: SampleTools = FULL_SAMPLE_TOOLS): readonly string[] {
  return ['sh', '-c', sampleScript(tools), SCRIPT_NAME, profile];
}

/** The exact argv of the connect-time facts: `sh -c STATIC_SCRIPT`. */
export const STATIC_ARGV: readonly string[] = ['sh', '-c', STATIC_SCRIPT];

/** Every argv these collectors run (collectors/command-specs.ts declares them to the exec policy). */
export const COLLECTION_ARGVS: ReadonlyArray<readonly string[]> = [
  STATIC_ARGV,
  ...SAMPLE_TOOL_VARIANTS.flatMap((tools) => [...GPU_QUERY_PROFILES, 'none' as const].map((profile) => sampleArgv(profile, tools))),
];
