/**
 * `nvidia-smi --query-gpu=FIELDS --format=csv[,noheader][,nounits]` to the GPU model: the per-tick
 * fast path (one short line per GPU instead of 30+ KB of XML). Cells are separated by ", ".
 * Null tokens are bracketed here (`[N/A]`, `[Not Supported]`, `[Requested functionality has been
 * deprecated]`, ...) though a few fields print a bare `N/A`; both read as null, as in the XML
 * path. With a header, names carry their unit (`memory.used [MiB]`) and values may too
 * (`819 MiB`); without one the caller's field list names the columns.
 *
 * What the CSV cannot say stays null: minor number, CUDA version, MIG device and process
 * counts. enforcedPowerLimitW is filled from `enforced.power.limit`, where the XML reference
 * takes it only from the pre-530 <power_readings> layout.
 */
import type { Gpu } from '../../../../shared/model/gpu';
import { quote, sourceLines, Warnings } from './parse-support';

export interface NvidiaSmiCsv {
  gpus: Gpu[];
  driverVersion: string | null;
  warnings: string[];
}

const NULL_TOKENS = new Set([
  '',
  'n/a',
  '[n/a]',
  'not supported',
  '[not supported]',
  'requested functionality has been deprecated',
  '[requested functionality has been deprecated]',
  '[function not found]',
  '[unknown error]',
  '[insufficient permissions]',
  '[gpu requires reset]',
  '[gpu is lost]',
]);

/** Names nvidia-smi accepts in a query and the name its header prints for them. */
const ALIASES: ReadonlyMap<string, string> = new Map([
  ['clocks.sm', 'clocks.current.sm'],
  ['clocks_throttle_reasons.active', 'clocks_event_reasons.active'],
  ['retired_pages.sbe', 'retired_pages.single_bit_ecc.count'],
  ['retired_pages.dbe', 'retired_pages.double_bit.count'],
  ['gpu_name', 'name'],
  ['gpu_uuid', 'uuid'],
  ['gpu_bus_id', 'pci.bus_id'],
]);

function canonical(field: string): string {
  const lower = field.trim().toLowerCase();
  return ALIASES.get(lower) ?? lower;
}

/** The unit each numeric field carries when `nounits` is not given. */
const UNITS: ReadonlyMap<string, string> = new Map([
  ['fan.speed', '%'],
  ['utilization.gpu', '%'],
  ['utilization.memory', '%'],
  ['memory.total', 'MiB'],
  ['memory.used', 'MiB'],
  ['power.draw', 'W'],
  ['power.draw.average', 'W'],
  ['power.draw.instant', 'W'],
  ['power.limit', 'W'],
  ['enforced.power.limit', 'W'],
  ['clocks.current.sm', 'MHz'],
]);

/**
 * NVML's clock event reason bits (nvml.h nvmlClocksEventReason*), named and ordered as the XML
 * elements are, so CSV and XML give the same list.
 */
const CLOCK_EVENT_REASONS: ReadonlyArray<readonly [bigint, string]> = [
  [0x1n, 'gpu_idle'],
  [0x2n, 'applications_clocks_setting'],
  [0x4n, 'sw_power_cap'],
  [0x8n, 'hw_slowdown'],
  [0x40n, 'hw_thermal_slowdown'],
  [0x80n, 'hw_power_brake_slowdown'],
  [0x10n, 'sync_boost'],
  [0x20n, 'sw_thermal_slowdown'],
  [0x100n, 'display_clocks_setting'],
];
const KNOWN_REASON_BITS = CLOCK_EVENT_REASONS.reduce((all, [bit]) => all | bit, 0n);

/** A `0x...01` mask to reason names; unknown bits keep their value so nothing is hidden. */
export function decodeClockEventReasons(mask: bigint): string[] {
  const names = CLOCK_EVENT_REASONS.filter(([bit]) => (mask & bit) !== 0n).map(([, name]) => name);
  for (let bit = 1n; bit <= mask; bit <<= 1n) {
    if ((mask & bit) !== 0n && (KNOWN_REASON_BITS & bit) === 0n) names.push(`unknown_0x${bit.toString(16)}`);
  }
  return names;
}

const HEADER_CELL = /^([A-Za-z][A-Za-z0-9_.]{0,100})(?: \[([^\]]{1,16})\])?$/;
const NUMBER = /^(-?\d{1,15}(?:\.\d{1,6})?)(?: (\S{1,8}))?$/;
const HEX_MASK = /^0x[0-9a-fA-F]{1,16}$/;
const MAX_GPUS = 1024;

interface Column {
  field: string;
  unit: string | null;
}

class Row {
  constructor(
    private readonly cells: ReadonlyMap<string, string>,
    private readonly units: ReadonlyMap<string, string | null>,
    private readonly where: string,
    private readonly warnings: Warnings,
  ) {}

  has(field: string): boolean {
    return this.cells.has(field);
  }

  text(field: string): string | null {
    const raw = this.cells.get(field);
    if (raw === undefined) return null;
    const value = raw.trim();
    return NULL_TOKENS.has(value.toLowerCase()) ? null : value;
  }

  /** A number, with its unit checked against the header's (or the field's) when one is printed. */
  number(field: string, { signed = false, integer = false } = {}): number | null {
    const raw = this.text(field);
    if (raw === null) return null;
    const match = NUMBER.exec(raw);
    const value = match ? Number(match[1]) : NaN;
    if (!match || !Number.isFinite(value) || (!signed && value < 0) || (integer && !Number.isSafeInteger(value))) {
      this.warnings.add(`${this.where} ${field}: not a${signed ? '' : ' non-negative'}${integer ? ' whole' : ''} number: ${quote(raw)}`);
      return null;
    }
    const unit = match[2];
    if (unit !== undefined) {
      const expected = this.units.get(field) ?? UNITS.get(field) ?? null;
      if (unit !== expected) {
        this.warnings.add(`${this.where} ${field}: unit ${quote(unit)}, expected ${quote(expected ?? 'none')}`);
        return null;
      }
    }
    return value;
  }

  mask(field: string): bigint | null {
    const raw = this.text(field);
    if (raw === null) return null;
    if (!HEX_MASK.test(raw)) {
      this.warnings.add(`${this.where} ${field}: not a hex mask: ${quote(raw)}`);
      return null;
    }
    return BigInt(raw);
  }
}

function allNull<T extends object>(value: T): boolean {
  return Object.values(value).every((v) => v === null);
}

function toGpu(row: Row, position: number): Gpu {
  const side = (corrected: string, uncorrected: string) => {
    const counts = { corrected: row.number(corrected, { integer: true }), uncorrected: row.number(uncorrected, { integer: true }) };
    return allNull(counts) ? null : counts;
  };
  const retired = {
    singleBit: row.number('retired_pages.single_bit_ecc.count', { integer: true }),
    doubleBit: row.number('retired_pages.double_bit.count', { integer: true }),
    pending: row.text('retired_pages.pending'),
  };
  const remapped = {
    correctable: row.number('remapped_rows.correctable', { integer: true }),
    uncorrectable: row.number('remapped_rows.uncorrectable', { integer: true }),
    pending: row.text('remapped_rows.pending'),
    failure: row.text('remapped_rows.failure'),
  };
  const hasEcc = ['volatile', 'aggregate'].some((s) => row.has(`ecc.errors.corrected.${s}.total`) || row.has(`ecc.errors.uncorrected.${s}.total`));
  const mask = row.mask('clocks_event_reasons.active');
  const average = row.number('power.draw.average');
  const instant = row.number('power.draw.instant');
  const index = row.number('index', { integer: true });
  return {
    index: index ?? position,
    minorNumber: null,
    productName: row.text('name'),
    uuid: row.text('uuid'),
    pciBusId: row.text('pci.bus_id'),
    driverVersion: row.text('driver_version'),
    cudaVersion: null,
    fanSpeedPct: row.number('fan.speed'),
    gpuUtilPct: row.number('utilization.gpu'),
    memoryUtilPct: row.number('utilization.memory'),
    fbMemoryTotalMib: row.number('memory.total'),
    fbMemoryUsedMib: row.number('memory.used'),
    temperatureC: row.number('temperature.gpu', { signed: true }),
    // As the XML path: the board reading, else the 550+ average, else the instant sample.
    powerDrawW: row.number('power.draw') ?? average ?? instant,
    powerDrawAverageW: average,
    powerDrawInstantW: instant,
    powerLimitW: row.number('power.limit'),
    enforcedPowerLimitW: row.number('enforced.power.limit'),
    smClockMhz: row.number('clocks.current.sm'),
    eccModeCurrent: row.text('ecc.mode.current'),
    eccErrors: hasEcc
      ? {
          volatile: side('ecc.errors.corrected.volatile.total', 'ecc.errors.uncorrected.volatile.total'),
          aggregate: side('ecc.errors.corrected.aggregate.total', 'ecc.errors.uncorrected.aggregate.total'),
        }
      : null,
    retiredPages: allNull(retired) ? null : retired,
    remappedRows: allNull(remapped) ? null : remapped,
    migModeCurrent: row.text('mig.mode.current'),
    migDeviceCount: null,
    processCount: null,
    clockEventReasonsActive: mask === null ? null : decodeClockEventReasons(mask),
  };
}

function splitCells(line: string): string[] {
  return line.split(', ');
}

/**
 * Parses query-gpu CSV. `requestedFields` names the columns when the text has no header (the
 * `noheader` form the collector runs); a header, when present, wins. Never throws.
 */
export function parseNvidiaSmiCsv(text: string, requestedFields?: readonly string[]): NvidiaSmiCsv {
  const warnings = new Warnings();
  const out: NvidiaSmiCsv = { gpus: [], driverVersion: null, warnings: warnings.list };
  const lines = (sourceLines(text, 'nvidia-smi CSV', warnings) ?? []).filter((l) => l.trim() !== '');
  if (lines.length === 0) return out;
  let columns: Column[];
  let first = 0;
  const headerCells = splitCells(lines[0]!).map((c) => HEADER_CELL.exec(c.trim()));
  const looksLikeHeader =
    headerCells.every((m) => m !== null) && (!requestedFields?.length || canonical(headerCells[0]![1]!) === canonical(requestedFields[0]!));
  if (looksLikeHeader) {
    columns = headerCells.map((m) => ({ field: canonical(m![1]!), unit: m![2] ?? null }));
    first = 1;
  } else if (requestedFields && requestedFields.length > 0) {
    columns = requestedFields.map((f) => ({ field: canonical(f), unit: null }));
  } else {
    warnings.add(`no header line and no field list: ${quote(lines[0]!)}`);
    return out;
  }
  const units = new Map(columns.map((c) => [c.field, c.unit] as const));
  for (let n = first; n < lines.length; n += 1) {
    if (out.gpus.length >= MAX_GPUS) {
      warnings.add(`more than ${MAX_GPUS} GPU lines; the rest ignored`);
      break;
    }
    const cells = splitCells(lines[n]!);
    if (cells.length !== columns.length) {
      warnings.add(`line ${n + 1}: ${cells.length} values for ${columns.length} columns: ${quote(lines[n]!)}; skipped`);
      continue;
    }
    const byField = new Map<string, string>();
    columns.forEach((c, i) => {
      if (!byField.has(c.field)) byField.set(c.field, cells[i]!);
    });
    out.gpus.push(toGpu(new Row(byField, units, `line ${n + 1}`, warnings), out.gpus.length));
  }
  out.driverVersion = out.gpus.find((g) => g.driverVersion !== null)?.driverVersion ?? null;
  return out;
}
