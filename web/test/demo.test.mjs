// The demo as `make demo` runs it: the relay serves the page and syncs every
// window. A person adds items, ticks one, reloads, and sees them in a second
// window too.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useDemoRelay } from './relay.mjs';

const env = useDemoRelay();

const titles = (page) => page.locator('#list li span').allTextContents();

async function openDemo() {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (err) => page.errors.push(err));
  await page.goto(`${env.relay.url}/`);
  await page.waitForSelector('#sync.synced');
  return { context, page };
}

test('demo: items added in one window appear in another and survive a reload', async () => {
  const [one, two] = [await openDemo(), await openDemo()];
  await one.page.waitForSelector('text=0 items, stored in IndexedDB.');
  for (const t of ['Buy milk', 'Write the report']) {
    await one.page.fill('#title', t);
    await one.page.click('button[type=submit]');
    await one.page.waitForFunction((t) => [...document.querySelectorAll('#list li span')].some((s) => s.textContent === t), t);
  }
  await one.page.locator('#list li', { hasText: 'Buy milk' }).locator('input[type=checkbox]').check();
  await two.page.waitForSelector('#list li.done');
  assert.deepEqual(await titles(two.page), ['Buy milk', 'Write the report']);
  await one.page.reload();
  await one.page.waitForSelector('text=2 items, stored in IndexedDB.');
  assert.deepEqual(await titles(one.page), ['Buy milk', 'Write the report']);
  assert.equal(await one.page.locator('#list li.done span').textContent(), 'Buy milk');
  await two.page.locator('#list li', { hasText: 'Write the report' }).locator('button').click();
  await one.page.waitForSelector('text=1 item, stored in IndexedDB.');
  assert.deepEqual([...one.page.errors, ...two.page.errors], []);
  await one.context.close();
  await two.context.close();
});
