/** Saves a chart's CSV or PNG through the app's one download path (compliance/download). */
import { saveDownload } from '../compliance/download';

function utf8Base64(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function saveCsv(fileName: string, csv: string): void {
  saveDownload(fileName, 'text/csv', utf8Base64(csv));
}

/** `dataUrl` as toDataURL/toBase64Image return it. */
export function savePng(fileName: string, dataUrl: string): void {
  saveDownload(fileName, 'image/png', dataUrl.slice(dataUrl.indexOf(',') + 1));
}

/** "gpu-util_pct-node1-20261202T0730-20261202T0830": names that sort and say what they hold. */
export function exportFileName(what: string, nodeId: string, fromMs: number, toMs: number, ext: string): string {
  const stamp = (ms: number) => new Date(ms).toISOString().slice(0, 16).replace(/[-:]/g, '');
  return `${what}-${nodeId}-${stamp(fromMs)}-${stamp(toMs)}.${ext}`.replace(/[^A-Za-z0-9._-]+/g, '_');
}
