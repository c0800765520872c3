// Takes the screenshots docs/demo.md shows: the demo in two windows (two
// browser profiles) on one relay, with todos and a note both typed into.
// Run after `make build`: node web/demo/screenshots.mjs
import { join } from 'node:path';
import { startBrowser } from '../test/helpers.mjs';
import { Relay } from '../test/relay.mjs';
import { repoRoot } from '../scripts/serve.mjs';

const env = await startBrowser();
const relay = await Relay.create(['-open', '-static', join(repoRoot, 'web')]);
await relay.start();
try {
  const open = async (hash = '') => {
    const context = await env.browser.newContext({ viewport: { width: 1100, height: 640 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(`${relay.url}/demo/${hash}`);
    await page.waitForSelector('#sync.synced');
    await page.evaluate(() => navigator.serviceWorker.ready);
    return page;
  };
  const one = await open();
  for (const t of ['Buy milk', 'Book the train', 'Write the report']) {
    await one.fill('#title', t);
    await one.press('#title', 'Enter');
    await one.waitForFunction((t) => document.body.innerText.includes(t), t);
  }
  await one.locator('#list li', { hasText: 'Buy milk' }).locator('input[type=checkbox]').check();
  await one.fill('#note-name', 'Groceries');
  await one.press('#note-name', 'Enter');
  await one.waitForFunction(() => !document.getElementById('body').readOnly);
  await one.fill('#note-name', 'Weekend trip');
  await one.press('#note-name', 'Enter');
  await one.waitForFunction(() => document.getElementById('note-title').value === 'Weekend trip' && !document.getElementById('body').readOnly);
  await one.type('#body', 'Weekend trip\n\nFriday: train at 18:04\nSaturday: hike to the lake\n');
  const id = await one.evaluate(() => new URLSearchParams(location.hash.slice(1)).get('note'));
  const two = await open(`#note=${id}`);
  await two.waitForFunction(() => document.getElementById('body').value.includes('lake'));
  // Both type at once, at two places.
  await two.click('#body');
  await two.keyboard.press('Control+End');
  await one.click('#body');
  await one.$eval('#body', (el) => el.setSelectionRange(el.value.indexOf('\nSaturday'), el.value.indexOf('\nSaturday')));
  await Promise.all([
    two.keyboard.type('Sunday: pancakes, then home\n', { delay: 20 }),
    one.keyboard.type(' (seats 41, 42)', { delay: 20 }),
  ]);
  const want = await one.$eval('#body', (el) => el.value);
  await two.waitForFunction((w) => document.getElementById('body').value === w, want);
  await one.waitForSelector('#sync.synced');
  await two.waitForSelector('#sync.synced');
  await one.screenshot({ path: join(repoRoot, 'docs', 'demo-window-1.png') });
  await two.screenshot({ path: join(repoRoot, 'docs', 'demo-window-2.png') });
  console.log('wrote docs/demo-window-1.png and docs/demo-window-2.png');
} finally {
  await env.stop();
  await relay.stop();
}
