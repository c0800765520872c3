// The demo as an offline-first PWA: after one online visit its service
// worker holds every file, so the page loads with the network off and the
// relay down, takes edits (the sync status counts them as pending), and
// sends them once both are back, where a second browser sees them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useDemoRelay } from './relay.mjs';

const env = useDemoRelay();

function watch(page) {
  page.errors = [];
  page.on('pageerror', (err) => page.errors.push(err));
  return page;
}

test('demo offline: loads from the service worker with the network off, keeps edits, syncs them when back', async () => {
  const one = await env.browser.newContext();
  let page = watch(await one.newPage());
  await page.goto(`${env.relay.url}/demo/`);
  await page.waitForSelector('#sync.synced');
  // The service worker is installed (its files cached) and controls the page.
  await page.evaluate(() => navigator.serviceWorker.ready);
  await page.waitForFunction(() => navigator.serviceWorker.controller?.state === 'activated');
  const cached = await page.evaluate(async () => (await (await caches.open('hearth-demo-v1')).keys()).map((r) => new URL(r.url).pathname).sort());
  for (const file of ['/demo/', '/demo/app.js', '/demo/manifest.webmanifest', '/demo/icon.svg', '/demo/pkg/index.js', '/demo/pkg/worker.js', '/demo/pkg/engine.js', '/demo/pkg/hearth.wasm', '/demo/pkg/wasm_exec.js', '/demo/pkg/text.js']) {
    assert.ok(cached.includes(file), `${file} is cached (${cached.join(', ')})`);
  }
  // A note to edit later.
  await page.fill('#note-name', 'Trip');
  await page.press('#note-name', 'Enter');
  // The text area stays read-only until bindText has loaded the note;
  // keys typed before then would be dropped.
  await page.waitForFunction(() => document.getElementById('note-title').value === 'Trip' && !document.getElementById('body').readOnly);
  await page.type('#body', 'Pack: tent');
  await page.waitForFunction(() => document.querySelector('#note-info').textContent.startsWith('10 characters'));
  await page.waitForSelector('#sync.synced');
  await page.waitForFunction(() => document.getElementById('pending').textContent === '');

  // Offline: no network for this browser, and no relay at all.
  await one.setOffline(true);
  await env.relay.stop();
  await page.close();
  page = watch(await one.newPage());
  await page.goto(`${env.relay.url}/demo/`); // a fresh load, served by the service worker
  await page.waitForSelector('text=0 items, stored in IndexedDB.');
  assert.equal(await page.textContent('#network'), 'network off');
  assert.notEqual(await page.textContent('#state'), 'synced');
  await page.fill('#title', 'Buy stamps');
  await page.press('#title', 'Enter');
  await page.waitForSelector('text=1 item, stored in IndexedDB.');
  await page.waitForSelector('#editor:not([hidden])');
  await page.waitForFunction(() => document.getElementById('body').value === 'Pack: tent');
  await page.click('#body');
  await page.keyboard.press('End');
  await page.keyboard.type(', stove');
  await page.waitForFunction(() => /^[1-9]\d* changes? to send$/.test(document.getElementById('pending').textContent));
  assert.match(await page.textContent('#pending'), /changes? to send/);

  // Back online: the relay returns on the same port, the edits go out.
  await env.relay.start();
  await one.setOffline(false);
  await page.waitForSelector('#sync.synced', { timeout: 20000 });
  await page.waitForFunction(() => document.getElementById('pending').textContent === '', null, { timeout: 20000 });

  const two = await env.browser.newContext();
  const other = watch(await two.newPage());
  await other.goto(`${env.relay.url}/demo/`);
  await other.waitForSelector('text=1 item, stored in IndexedDB.');
  assert.deepEqual(await other.locator('#list li span').allTextContents(), ['Buy stamps']);
  await other.waitForFunction(() => document.getElementById('body').value === 'Pack: tent, stove');
  assert.deepEqual([...page.errors, ...other.errors], []);
  await one.close();
  await two.close();
});

test('demo PWA: the manifest names the app, its scope and start page, and an SVG icon that loads', async () => {
  const context = await env.browser.newContext();
  const page = watch(await context.newPage());
  await page.goto(`${env.relay.url}/demo/`);
  const { manifest, manifestType, icon, iconType } = await page.evaluate(async () => {
    const href = document.querySelector('link[rel=manifest]').href;
    const resp = await fetch(href);
    const manifestType = resp.headers.get('content-type');
    const manifest = await resp.json();
    const res = await fetch(new URL(manifest.icons[0].src, href));
    const svg = await res.text();
    return { manifest, manifestType, icon: res.ok && svg.includes('<svg'), iconType: res.headers.get('content-type') };
  });
  assert.match(manifestType, /^application\/manifest\+json/);
  assert.equal(manifest.short_name, 'Hearth');
  assert.equal(manifest.display, 'standalone');
  assert.equal(new URL(manifest.start_url, `${env.relay.url}/demo/manifest.webmanifest`).pathname, '/demo/');
  assert.equal(new URL(manifest.scope, `${env.relay.url}/demo/manifest.webmanifest`).pathname, '/demo/');
  assert.equal(manifest.icons[0].type, 'image/svg+xml');
  assert.ok(icon);
  assert.match(iconType, /^image\/svg\+xml/);
  assert.deepEqual(page.errors, []);
  await context.close();
});
