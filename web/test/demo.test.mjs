// The demo as a person uses it: add items through the form, tick one, reload,
// and find them all still there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBrowser } from './helpers.mjs';

let env;
before(async () => { env = await startBrowser(); });
after(async () => { await env?.stop(); });

const titles = (page) => page.locator('#list li span').allTextContents();

test('demo: added items survive a reload', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (err) => errors.push(err));
  await page.goto(`${env.server.url}/`);
  await page.waitForSelector('text=0 items, stored in IndexedDB.');
  for (const t of ['Buy milk', 'Write the report']) {
    await page.fill('#title', t);
    await page.click('button[type=submit]');
    await page.waitForFunction((t) => [...document.querySelectorAll('#list li span')].some((s) => s.textContent === t), t);
  }
  await page.locator('#list li', { hasText: 'Buy milk' }).locator('input[type=checkbox]').check();
  await page.waitForSelector('#list li.done');
  await page.reload();
  await page.waitForSelector('text=2 items, stored in IndexedDB.');
  assert.deepEqual(await titles(page), ['Buy milk', 'Write the report']);
  assert.equal(await page.locator('#list li.done span').textContent(), 'Buy milk');
  await page.locator('#list li', { hasText: 'Write the report' }).locator('button').click();
  await page.waitForSelector('text=1 item, stored in IndexedDB.');
  assert.deepEqual(errors, []);
  await context.close();
});
