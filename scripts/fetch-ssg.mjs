// Fetches the SCAP Security Guide's Debian 12 data stream for the OpenSCAP agreement tests and
// the policy reference test, WITHOUT installing anything: bookworm's ssg-debian (0.1.65) has no
// Debian 12 data stream; trixie's ssg-debian 0.1.76 (arch all, pure XML) has one, and bookworm's
// oscap 1.3.7 reads it. apt-get, with a private source list, lists and cache under the cache
// folder (the system's apt configuration is untouched), reads trixie's index (its InRelease
// signature checked against Debian's archive keyring) and downloads the .deb; this script checks
// the .deb's SHA-256 against that index and unpacks it with `dpkg -x`. Idempotent: a second run
// only prints the path. Prints the data stream's path on stdout; everything else goes to stderr.
//
//   node scripts/fetch-ssg.mjs            # -> .../ssg-debian/usr/share/xml/scap/ssg/content/ssg-debian12-ds.xml
//   CLUSTERDECK_SSG_DIR=/var/cache/clusterdeck-ssg node scripts/fetch-ssg.mjs
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..');
/** Under node_modules (ignored by git, like every tool's .cache there); CLUSTERDECK_SSG_DIR overrides. */
const CACHE = process.env.CLUSTERDECK_SSG_DIR || join(ROOT, 'node_modules', '.cache', 'clusterdeck-ssg');
const PACKAGE = 'ssg-debian';
/** The upstream release whose rule ids the policy references were checked against. */
const UPSTREAM_VERSION = '0.1.76';
const SUITE = 'trixie';
const MIRROR = process.env.CLUSTERDECK_SSG_MIRROR || 'http://deb.debian.org/debian';
const KEYRING = '/usr/share/keyrings/debian-archive-keyring.gpg';
const DATA_STREAM = join('usr', 'share', 'xml', 'scap', 'ssg', 'content', 'ssg-debian12-ds.xml');

const UNPACKED = join(CACHE, PACKAGE);
const STAMP = join(CACHE, `${PACKAGE}.stamp.json`);

function say(line) {
  process.stderr.write(`[fetch-ssg] ${line}\n`);
}

function fail(line) {
  say(line);
  process.exit(1);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...options });
  if (result.error) fail(`${command}: ${result.error.message}`);
  if (result.status !== 0) fail(`${command} ${args.join(' ')} exited ${result.status}:\n${result.stderr}`);
  return result.stdout;
}

function sha256File(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Already unpacked from a verified .deb of the pinned release: nothing to do. */
function alreadyFetched() {
  if (!existsSync(STAMP) || !existsSync(join(UNPACKED, DATA_STREAM))) return false;
  try {
    const stamp = JSON.parse(readFileSync(STAMP, 'utf8'));
    return typeof stamp.version === 'string' && stamp.version.startsWith(`${UPSTREAM_VERSION}-`);
  } catch {
    return false;
  }
}

/** apt-get / apt-cache options that keep every file apt reads or writes under `aptDir`. */
function privateAptOptions(aptDir) {
  const options = {
    'Dir::Etc::sourcelist': join(aptDir, 'sources.list'),
    'Dir::Etc::sourceparts': join(aptDir, 'sources.list.d'),
    'Dir::Etc::preferences': join(aptDir, 'preferences'),
    'Dir::Etc::preferencesparts': join(aptDir, 'preferences.d'),
    'Dir::State::Lists': join(aptDir, 'lists'),
    'Dir::Cache': join(aptDir, 'cache'),
    'Dir::State::status': join(aptDir, 'status'),
    // Root would hand downloads to the _apt user, who cannot write into this folder.
    ...(process.getuid?.() === 0 ? { 'APT::Sandbox::User': 'root' } : {}),
  };
  return Object.entries(options).flatMap(([key, value]) => ['-o', `${key}=${value}`]);
}

function prepareAptDir(aptDir) {
  for (const dir of ['sources.list.d', 'preferences.d', 'lists/partial', 'cache/archives/partial', 'download']) {
    mkdirSync(join(aptDir, dir), { recursive: true });
  }
  writeFileSync(join(aptDir, 'sources.list'), `deb [signed-by=${KEYRING}] ${MIRROR} ${SUITE} main\n`);
  writeFileSync(join(aptDir, 'status'), '');
}

/** The stanza of one version from `apt-cache show` as field -> value. */
function parseStanza(text) {
  const fields = {};
  for (const line of text.split('\n')) {
    const match = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
    if (match) fields[match[1]] = match[2];
    else if (line === '' && Object.keys(fields).length > 0) break;
  }
  return fields;
}

function fetchAndUnpack() {
  for (const program of ['apt-get', 'apt-cache', 'dpkg']) {
    if (spawnSync(program, ['--version']).status !== 0) fail(`${program} is needed (Debian/Ubuntu): it fetches and unpacks ${PACKAGE}.`);
  }
  if (!existsSync(KEYRING)) fail(`${KEYRING} is missing: apt-get install debian-archive-keyring`);
  const aptDir = join(CACHE, 'apt');
  prepareAptDir(aptDir);
  const apt = privateAptOptions(aptDir);

  say(`reading ${SUITE}'s package index from ${MIRROR}...`);
  run('apt-get', [...apt, '-qq', 'update'], { stdio: ['ignore', 'ignore', 'pipe'] });
  const versions = run('apt-cache', [...apt, 'madison', PACKAGE])
    .split('\n')
    .map((line) => line.split('|')[1]?.trim())
    .filter((version) => version?.startsWith(`${UPSTREAM_VERSION}-`));
  if (versions.length === 0) fail(`${SUITE} has no ${PACKAGE} ${UPSTREAM_VERSION}: the policy's SSG references were checked against that release.`);
  const version = versions[0];
  const stanza = parseStanza(run('apt-cache', [...apt, 'show', `${PACKAGE}=${version}`]));
  if (!/^[0-9a-f]{64}$/.test(stanza.SHA256 ?? '')) fail(`the index gives no SHA-256 for ${PACKAGE} ${version}`);

  const downloadDir = join(aptDir, 'download');
  for (const old of readdirSync(downloadDir)) rmSync(join(downloadDir, old), { force: true });
  say(`downloading ${PACKAGE} ${version}...`);
  run('apt-get', [...apt, '-qq', 'download', `${PACKAGE}=${version}`], { cwd: downloadDir, stdio: ['ignore', 'ignore', 'pipe'] });
  const debs = readdirSync(downloadDir).filter((name) => name.endsWith('.deb'));
  if (debs.length !== 1) fail(`expected one .deb in ${downloadDir}, found ${debs.length}`);
  const deb = join(downloadDir, debs[0]);
  const actual = sha256File(deb);
  if (actual !== stanza.SHA256) fail(`${debs[0]}: SHA-256 ${actual} differs from the index's ${stanza.SHA256}`);

  // Unpack beside, then swap in: an interrupted run never leaves a half-written tree behind.
  const staging = `${UNPACKED}.partial`;
  rmSync(staging, { recursive: true, force: true });
  run('dpkg', ['-x', deb, staging]);
  if (!existsSync(join(staging, DATA_STREAM))) fail(`${debs[0]} has no ${DATA_STREAM}`);
  rmSync(UNPACKED, { recursive: true, force: true });
  renameSync(staging, UNPACKED);
  writeFileSync(STAMP, `${JSON.stringify({ package: PACKAGE, version, sha256: actual, filename: stanza.Filename, mirror: MIRROR }, null, 2)}\n`);
  rmSync(deb, { force: true });
  say(`unpacked ${PACKAGE} ${version} (SHA-256 ${actual}) into ${UNPACKED}`);
}

mkdirSync(CACHE, { recursive: true });
if (!alreadyFetched()) fetchAndUnpack();
process.stdout.write(`${join(UNPACKED, DATA_STREAM)}\n`);
