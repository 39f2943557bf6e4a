/**
 * The app's own origin. The renderer is served only from app://clusterdeck/, and that origin is
 * the one thing the IPC, navigation and protocol checks trust.
 */
export const APP_SCHEME = 'app';
export const APP_HOST = 'clusterdeck';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY_URL = `${APP_ORIGIN}/index.html`;

/**
 * Whether `url` is on the app's origin. Compares scheme and host rather than `URL.origin`,
 * which Node reports as "null" for schemes it does not know.
 */
export function isAppUrl(url: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST && parsed.username === '' && parsed.password === '';
}

/** Links the app may hand to the system browser. */
export function isExternalWebUrl(url: string): boolean {
  try {
    const { protocol } = new URL(url);
    return protocol === 'https:' || protocol === 'http:';
  } catch {
    return false;
  }
}
