// Helpers of the large-document, re-seeding and protocol-compatibility
// browser tests (sync-large.test.mjs, reseed.test.mjs, sync-compat.test.mjs).
import { blankPage, waitUntil } from './helpers.mjs';

// client opens a fresh isolated context whose page has the database
// 'large' open as window.db, from the package at dist.
export async function client(env, dist = '/web/dist/index.js') {
  const context = await env.browser.newContext();
  const page = await blankPage(context, env.server);
  await page.evaluate(async (dist) => {
    window.hearth = await import(dist);
    window.db = await window.hearth.open({ name: 'large' });
  }, dist);
  return { context, page };
}

export function connect(page, relay, space, transport = 'websocket') {
  return page.evaluate(({ url, space, transport }) => window.db.sync.connect({ url, space, transport }), { url: relay.url, space, transport });
}

// putBig writes a 16 MiB document (a pattern, so that a shifted or cut
// copy does not look equal), then a small one behind it.
export function putBig(page) {
  return page.evaluate(async () => {
    const unit = 'hearth-0123456789abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJKLMNOPQRSTUVWXYZ!';
    let body = unit.repeat(Math.ceil((16 << 20) / unit.length)).slice(0, 16 << 20);
    body = body.slice(0, -3) + 'END';
    await window.db.collection('docs').put({ id: 'big', body });
    await window.db.collection('docs').put({ id: 'after', title: 'small write behind the big one' });
  });
}

// waitBig resolves once page holds both documents, checking the big one.
export async function waitBig(page, timeout = 60000) {
  await waitUntil(page, async () => {
    const [big, after] = [await window.db.collection('docs').get('big'), await window.db.collection('docs').get('after')];
    return big && after && big.body.length === 16 << 20 && big.body.endsWith('END') && big.body.startsWith('hearth-0123');
  }, null, { timeout, polling: 250 });
}

