/**
 * Headless Chromium for the browser tests: Debian's `chromium` package (scripts/setup.sh
 * installs it), driven by puppeteer-core, which downloads no browser of its own. A missing
 * chromium is a failure telling what to install, never a skip.
 */
import { existsSync } from 'node:fs';
import type { Browser } from 'puppeteer-core';
import puppeteer from 'puppeteer-core';

/** Where Debian puts chromium; PHOENIX_CHROMIUM points elsewhere. */
export const CHROMIUM = process.env.PHOENIX_CHROMIUM ?? '/usr/bin/chromium';

/** Starts headless chromium; fails with what to do when it is not installed. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`chromium is not installed at ${CHROMIUM}: run scripts/setup.sh (as root on Debian/Ubuntu) to install Debian's chromium package, or set PHOENIX_CHROMIUM to a Chromium executable, then run the tests again`);
  }
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Chromium's sandbox refuses to run as root; /dev/shm is small in containers.
    args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--disable-dev-shm-usage', '--disable-gpu', '--no-first-run', '--no-default-browser-check'],
    // The machine is shared and loaded: a DevTools call may take long.
    protocolTimeout: 180_000,
    timeout: 120_000,
  });
}
