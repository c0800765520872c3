// Large documents through a real relay process, between two isolated
// browser contexts: a 16 MiB document travels in PART frames (protocol
// version 2) over WebSocket and over fetch, the small writes behind it
// follow, and a change over the 32 MiB limit is refused at commit time
// with ChangeTooLargeError (issue 14, item 1).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBrowser, waitUntil } from './helpers.mjs';
import { Relay } from './relay.mjs';
import { client, connect, putBig, waitBig } from './large.mjs';

let env;
before(async () => { env = await startBrowser(); });
after(async () => { await env?.stop(); });

let spaceCount = 0;
const newSpace = () => `large-${process.pid}-${++spaceCount}`;

for (const transport of ['websocket', 'fetch']) {
  test(`a 16 MiB document and the write behind it reach the other context over ${transport}`, async () => {
    const relay = await Relay.create();
    await relay.start();
    const space = newSpace();
    const [a, b] = [await client(env), await client(env)];
    try {
      for (const c of [a, b]) await connect(c.page, relay, space, transport);
      const t0 = Date.now();
      await putBig(a.page);
      const committed = Date.now();
      await waitBig(b.page);
      console.log(`# ${transport}: 16 MiB committed in ${committed - t0} ms, received after ${Date.now() - t0} ms`);
      await a.page.waitForFunction(() => window.db.sync.status.state === 'synced' && window.db.sync.status.pending === 0, null, { timeout: 30000, polling: 100 });
      await b.page.evaluate(() => window.db.collection('docs').put({ id: 'reply', title: 'from B' }));
      await waitUntil(a.page, async () => !!(await window.db.collection('docs').get('reply')), null, { timeout: 20000, polling: 100 });
    } finally {
      await a.context.close(); await b.context.close(); await relay.stop();
    }
  });
}

test('a change over 32 MiB is refused with ChangeTooLargeError, stores nothing, and sync goes on', async () => {
  const relay = await Relay.create();
  await relay.start();
  const space = newSpace();
  const [a, b] = [await client(env), await client(env)];
  try {
    for (const c of [a, b]) await connect(c.page, relay, space, 'websocket');
    const got = await a.page.evaluate(async () => {
      try {
        await window.db.collection('docs').put({ id: 'huge', body: 'x'.repeat((32 << 20) + 1) });
        return { ok: true };
      } catch (e) {
        return { name: e.name, message: e.message, stored: await window.db.collection('docs').get('huge') };
      }
    });
    assert.equal(got.name, 'ChangeTooLargeError', JSON.stringify(got));
    assert.match(got.message, /limit of 33554432 bytes/);
    assert.equal(got.stored ?? null, null);
    await a.page.evaluate(() => window.db.collection('docs').put({ id: 'small', title: 'still syncs' }));
    await waitUntil(b.page, async () => !!(await window.db.collection('docs').get('small')), null, { timeout: 20000, polling: 100 });
    await a.page.waitForFunction(() => window.db.sync.status.state === 'synced' && window.db.sync.status.lastError === null, null, { timeout: 20000, polling: 100 });
  } finally {
    await a.context.close(); await b.context.close(); await relay.stop();
  }
});
