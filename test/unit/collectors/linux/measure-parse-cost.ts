/**
 * Parse cost of the per-tick GPU paths for the same GPU count: the CSV fast path (the collector's
 * own noheader,nounits query) against `nvidia-smi -q -x`. Only parsing is measured: nvidia-smi's
 * own run time needs a GPU. Run: npx jiti test/unit/collectors/linux/measure-parse-cost.ts
 */
import { parseNvidiaSmiCsv } from '../../../../electron/core/collectors/linux/nvidia-smi-csv';
import { GPU_QUERY_FIELDS } from '../../../../electron/core/collectors/linux/scripts';
import { parseNvidiaSmiXml } from '../../../../electron/core/collectors/nvidia-smi-xml';
import { readFixture } from '../../../helpers/fixtures';
import { currentLine } from './framing';

/** An XML document with the fixture's one <gpu> repeated `count` times. */
function xmlWith(file: string, count: number): string {
  const xml = readFixture('nvidia-smi/xml', file);
  const start = xml.indexOf('<gpu ');
  const end = xml.lastIndexOf('</gpu>') + '</gpu>'.length;
  return xml.slice(0, start) + xml.slice(start, end).repeat(count) + xml.slice(end);
}

function csvWith(count: number): string {
  const line = currentLine('h100-80gb-hbm3-linux-drv590.48.01-load.query-gpu.csv');
  return Array.from({ length: count }, (_, i) => line.replace(/^0, /, `${i}, `)).join('\n') + '\n';
}

function medianMs(run: () => unknown, iterations: number): number {
  for (let i = 0; i < Math.min(50, iterations); i += 1) run();
  const times: number[] = [];
  for (let i = 0; i < iterations; i += 1) {
    const started = performance.now();
    run();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

// A 590 driver's XML (v13, 46 KB per GPU) and a 535 data-centre card's (v12, 22 KB per GPU).
const XML_FILES = ['rtx-3090-drv590-v13.xml', 'a100-sxm4-80gb-mig-drv535-v12.xml'];
const rows: string[] = [
  '| GPUs | XML source | CSV bytes | CSV parse (median ms) | XML bytes | XML parse (median ms) | XML / CSV |',
  '|---:|---|---:|---:|---:|---:|---:|',
];
for (const [count, file] of [1, 8, 64].flatMap((n) => XML_FILES.map((f) => [n, f] as const))) {
  const csv = csvWith(count);
  const xml = xmlWith(file, count);
  if (parseNvidiaSmiCsv(csv, GPU_QUERY_FIELDS.current).gpus.length !== count || parseNvidiaSmiXml(xml).gpus.length !== count) throw new Error('bad input');
  const iterations = count === 64 ? 200 : 1000;
  const csvMs = medianMs(() => parseNvidiaSmiCsv(csv, GPU_QUERY_FIELDS.current), iterations);
  const xmlMs = medianMs(() => parseNvidiaSmiXml(xml), iterations);
  rows.push(
    `| ${count} | ${file.replace(/\.xml$/, '')} | ${csv.length} | ${csvMs.toFixed(3)} | ${xml.length} | ${xmlMs.toFixed(3)} | ${(xmlMs / csvMs).toFixed(0)}x |`,
  );
}
console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
console.log(rows.join('\n'));
