import { base64ToBytes, safeFileName } from './model';

/**
 * Saves bytes as a download: a Blob behind a temporary <a download>. In a browser (`serve`) the
 * browser saves it; in Electron the session's will-download handler does.
 */
export function saveDownload(fileName: string, mime: string, contentBase64: string): void {
  const blob = new Blob([base64ToBytes(contentBase64)], { type: mime || 'application/octet-stream' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = safeFileName(fileName, 'report');
  link.hidden = true;
  document.body.appendChild(link);
  link.click();
  link.remove();
  // The download has the blob's bytes once click() returns to the event loop.
  window.setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A file chosen in a file input, as the attestation's attachment: its name and base64 bytes. */
export function readAsBase64(file: File): Promise<{ name: string; contentBase64: string }> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onerror = () => reject(reader.error ?? new Error(`cannot read ${file.name}`));
    reader.onload = () => {
      const url = String(reader.result);
      resolve({ name: file.name, contentBase64: url.slice(url.indexOf(',') + 1) });
    };
    reader.readAsDataURL(file);
  });
}
