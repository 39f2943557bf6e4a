import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Debian's Chromium, headless, with the background networking this closed machine refuses turned off. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: install Debian's chromium (npm test does this when run as root)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A console error that is this machine's doing, not the app's: the SSH labs of tests running
 * beside a browser test add and remove network interfaces, and Chromium aborts whatever was
 * loading at that moment with net::ERR_NETWORK_CHANGED (a laptop changing networks sees the same;
 * the app retries). Every other console error still fails the tests that collect them.
 */
export function isNetworkChangeNoise(consoleText: string): boolean {
  return consoleText.includes('net::ERR_NETWORK_CHANGED');
}
