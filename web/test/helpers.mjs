// Shared set-up of the browser tests: one static server for the repository
// and headless Debian Chromium driven by playwright-core.
import { chromium } from 'playwright-core';
import { serve } from '../scripts/serve.mjs';

export const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';

// The flags DEVELOPERS.md asks for; Playwright adds --headless and a fresh
// profile of its own.
export const chromiumFlags = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

/** Starts the static server and Chromium; returns them with a stop(). */
export async function startBrowser({ cache = false } = {}) {
  const server = await serve({ cache });
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumFlags });
  return {
    server,
    browser,
    async stop() {
      await browser.close();
      await server.close();
    },
  };
}

/**
 * Opens a blank page of the served origin in `context` and fails the test
 * on any uncaught page error. The page's module scope can import the
 * package as /web/dist/index.js.
 */
export async function blankPage(context, server) {
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (err) => page.errors.push(err));
  page.on('console', (msg) => { if (msg.type() === 'error') page.errors.push(new Error(msg.text())); });
  await page.goto(`${server.url}/web/test/blank.html`);
  return page;
}

/**
 * Resolves once fn(arg), evaluated in page (it may be async), returns a
 * truthy value; polls every `polling` ms and throws after `timeout` ms.
 * Playwright's waitForFunction takes a Promise for a truthy answer, so an
 * async predicate there would pass at once.
 */
export async function waitUntil(page, fn, arg, { timeout = 30000, polling = 100 } = {}) {
  const deadline = Date.now() + timeout;
  for (;;) {
    if (await page.evaluate(fn, arg)) return;
    if (Date.now() > deadline) throw new Error(`waitUntil: not true after ${timeout} ms: ${fn}`);
    await new Promise((resolve) => setTimeout(resolve, polling));
  }
}
