/**
 * Headless Debian Chromium driven by playwright-core, at 1280×800, recording console errors and
 * uncaught page errors so a test can assert there were none. Without /usr/bin/chromium the suite is
 * skipped with a message, unless LOOM_REQUIRE_SYSTEM_DEPS=1 (CI) makes that a failure.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { REPO } from './build-editor.ts';

/** Debian's chromium; LOOM_CHROMIUM points elsewhere (e.g. /usr/bin/chromium-browser). */
export const CHROMIUM = process.env.LOOM_CHROMIUM ?? '/usr/bin/chromium';
export const SCREENSHOTS = join(REPO, 'test/e2e/screenshots');

/** Why the suite cannot run here, or null. Throws instead when system dependencies are required. */
export function chromiumMissing(): string | null {
  if (existsSync(CHROMIUM)) return null;
  const why = `${CHROMIUM} not found: install Debian's chromium (apt-get install chromium) or set LOOM_CHROMIUM to run the browser tests.`;
  if (process.env.LOOM_REQUIRE_SYSTEM_DEPS === '1') throw new Error(`${why} LOOM_REQUIRE_SYSTEM_DEPS=1 requires it.`);
  return why;
}

export interface Browser {
  page: Page;
  /** Console errors and page errors seen so far. */
  errors: string[];
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function openBrowser(url: string): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'loom-e2e-profile-'));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1280, height: 800 },
    acceptDownloads: true,
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
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  page.on('pageerror', (error) => errors.push(`page: ${error.message}`));
  await page.goto(url);
  mkdirSync(SCREENSHOTS, { recursive: true });
  return {
    page,
    errors,
    async screenshot(name) {
      const path = join(SCREENSHOTS, `${name}.png`);
      await page.screenshot({ path });
      return path;
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
