/**
 * `df` listings: sizes (`df -P -k`) and inodes (`df -P -i`), with or without a Type column (`-T`),
 * POSIX (`1024-blocks ... Capacity`) or GNU default (`1K-blocks ... Use%`) headers. Pseudo
 * filesystems show `-` for capacity and `systemd-1` (autofs) shows `-` everywhere. Device and
 * mount point may both contain spaces, so a row is read around the fixed numeric columns; a mount
 * point always starts with '/' and runs to the end of the line. Non-POSIX df may wrap a long
 * device name onto its own line; such a pair is joined.
 */
import type { FilesystemStats } from '../../../../shared/model/node';
import { parseCounter, quote, round2, sourceLines, Warnings } from './parse-support';

export interface DfRow {
  device: string;
  fsType: string | null;
  mount: string;
  /** In units of the listing (bytes for a size listing, inodes for an inode listing); null for '-'. */
  total: number | null;
  used: number | null;
  available: number | null;
}

export interface DfListing {
  kind: 'size' | 'inodes' | null;
  hasType: boolean;
  rows: DfRow[];
  warnings: string[];
}

const COLUMN = String.raw`(\d+|-)`;
const WITH_TYPE = new RegExp(String.raw`^(.+?)\s+(\S+)\s+${COLUMN}\s+${COLUMN}\s+${COLUMN}\s+(?:\d+%|-)\s+(/.*)$`);
const WITHOUT_TYPE = new RegExp(String.raw`^(.+?)\s+${COLUMN}\s+${COLUMN}\s+${COLUMN}\s+(?:\d+%|-)\s+(/.*)$`);
const BLOCKS_HEADER = /^(\d+)(K?)-blocks$/;

interface Header {
  kind: 'size' | 'inodes';
  hasType: boolean;
  unitBytes: number;
}

function readHeader(line: string): Header | null {
  const names = line.trim().split(/\s+/);
  if (names[0] !== 'Filesystem') return null;
  const hasType = names[1] === 'Type';
  const sizeName = names[hasType ? 2 : 1] ?? '';
  if (sizeName === 'Inodes') return { kind: 'inodes', hasType, unitBytes: 1 };
  const blocks = BLOCKS_HEADER.exec(sizeName);
  if (!blocks) return null;
  const unitBytes = Number(blocks[1]) * (blocks[2] === 'K' ? 1024 : 1);
  return unitBytes > 0 && unitBytes <= 1024 * 1024 ? { kind: 'size', hasType, unitBytes } : null;
}

/** '-' is null; a number times the unit must stay an exact integer. */
function amount(token: string, unitBytes: number): number | null | undefined {
  if (token === '-') return null;
  const count = parseCounter(token);
  if (count === null) return undefined;
  const value = count * unitBytes;
  return Number.isSafeInteger(value) ? value : undefined;
}

export function parseDf(text: string): DfListing {
  const warnings = new Warnings();
  const out: DfListing = { kind: null, hasType: false, rows: [], warnings: warnings.list };
  const lines = sourceLines(text, 'df', warnings);
  if (lines === null) return out;
  const headerAt = lines.findIndex((l) => l.startsWith('Filesystem'));
  const header = headerAt < 0 ? null : readHeader(lines[headerAt]!);
  if (header === null) {
    warnings.add(headerAt < 0 ? 'no "Filesystem ..." header line' : `header not understood: ${quote(lines[headerAt]!)}`);
    return out;
  }
  out.kind = header.kind;
  out.hasType = header.hasType;
  if (headerAt > 0) warnings.add(`${headerAt} line(s) before the header ignored`);
  const row = header.hasType ? WITH_TYPE : WITHOUT_TYPE;
  for (let n = headerAt + 1; n < lines.length; n += 1) {
    let line = lines[n]!;
    if (line.trim() === '') continue;
    let match = line.length <= 8192 ? row.exec(line) : null;
    const next = lines[n + 1];
    if (!match && next !== undefined && /^\s/.test(next) && !/\s/.test(line.trim())) {
      // Non-POSIX df puts a long device name on a line of its own.
      line = `${line.trim()} ${next.trim()}`;
      match = row.exec(line);
      if (match) n += 1;
    }
    if (!match) {
      warnings.add(`line ${n + 1}: not a df row: ${quote(line)}; skipped`);
      continue;
    }
    const groups = header.hasType ? match.slice(1) : [match[1], null, ...match.slice(2)];
    const [device, fsType, totalToken, usedToken, availableToken, mount] = groups as [string, string | null, string, string, string, string];
    const total = amount(totalToken, header.unitBytes);
    const used = amount(usedToken, header.unitBytes);
    const available = amount(availableToken, header.unitBytes);
    if (total === undefined || used === undefined || available === undefined) {
      warnings.add(`line ${n + 1}: ${quote(mount)} has a size too large to be real; skipped`);
      continue;
    }
    out.rows.push({ device, fsType, mount, total, used, available });
  }
  return out;
}

/**
 * Filesystems that hold no user data or are views of other filesystems: kernel interfaces, RAM
 * backed (tmpfs, devtmpfs, ramfs), container layers (overlay, aufs), read-only images (squashfs,
 * erofs, iso9660 - always 100 % full) and FUSE helpers of desktop sessions and LXC.
 */
export const PSEUDO_FILESYSTEM_TYPES: ReadonlySet<string> = new Set([
  'autofs',
  'aufs',
  'binfmt_misc',
  'bpf',
  'cgroup',
  'cgroup2',
  'configfs',
  'debugfs',
  'devfs',
  'devpts',
  'devtmpfs',
  'efivarfs',
  'erofs',
  'fuse.gvfsd-fuse',
  'fuse.lxcfs',
  'fuse.portal',
  'fuse.snapfuse',
  'fusectl',
  'hugetlbfs',
  'iso9660',
  'mqueue',
  'nfsd',
  'nsfs',
  'overlay',
  'proc',
  'pstore',
  'ramfs',
  'rootfs',
  'rpc_pipefs',
  'securityfs',
  'selinuxfs',
  'squashfs',
  'sysfs',
  'tmpfs',
  'tracefs',
]);

/** Without a Type column (busybox df) the source name is the only hint. */
const PSEUDO_SOURCES: ReadonlySet<string> = new Set([
  'bpf',
  'cgroup',
  'cgroup2',
  'configfs',
  'debugfs',
  'devpts',
  'devtmpfs',
  'hugetlbfs',
  'mqueue',
  'none',
  'overlay',
  'proc',
  'pstore',
  'rootfs',
  'securityfs',
  'selinuxfs',
  'shm',
  'sysfs',
  'systemd-1',
  'tmpfs',
  'tracefs',
  'udev',
]);

/** Kernel trees, container and pod internals, and snap images, as node_exporter's default. */
const PSEUDO_MOUNTS =
  /^\/(?:dev|proc|sys|run\/credentials\/.+|var\/lib\/docker\/.+|var\/lib\/containers\/storage\/.+|var\/lib\/kubelet\/pods\/.+|snap\/.+)(?:$|\/)/;

export function isPseudoFilesystem(row: Pick<DfRow, 'device' | 'fsType' | 'mount'>): boolean {
  if (row.fsType !== null) return PSEUDO_FILESYSTEM_TYPES.has(row.fsType) || PSEUDO_MOUNTS.test(row.mount);
  return PSEUDO_SOURCES.has(row.device) || PSEUDO_MOUNTS.test(row.mount);
}

/**
 * A size listing plus an optional inode listing to the model: pseudo filesystems, rows without a
 * size (`-`, 0) and repeated mount points are left out. usedPct is used / (used + available), as
 * df's Capacity and the local collector compute it (root's reserved blocks are neither).
 */
export function toFilesystemStats(sizes: DfListing, inodes: DfListing | null): FilesystemStats[] {
  const inodeRows = new Map<string, DfRow>();
  for (const row of inodes?.kind === 'inodes' ? inodes.rows : []) if (!inodeRows.has(row.mount)) inodeRows.set(row.mount, row);
  const seen = new Set<string>();
  const out: FilesystemStats[] = [];
  if (sizes.kind !== 'size') return out;
  for (const row of sizes.rows) {
    if (row.total === null || row.total <= 0 || row.used === null || row.available === null) continue;
    if (seen.has(row.mount) || isPseudoFilesystem(row)) continue;
    seen.add(row.mount);
    const inode = inodeRows.get(row.mount);
    const hasInodes = inode !== undefined && inode.device === row.device && inode.total !== null && inode.total > 0;
    const denominator = row.used + row.available;
    out.push({
      mount: row.mount,
      device: row.device,
      fsType: row.fsType,
      sizeBytes: row.total,
      usedBytes: row.used,
      availableBytes: row.available,
      usedPct: denominator > 0 ? round2((row.used / denominator) * 100) : null,
      inodesTotal: hasInodes ? inode.total : null,
      inodesUsed: hasInodes ? inode.used : null,
    });
  }
  return out;
}
