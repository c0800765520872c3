// Reading a whole collection after a reload (issue 15): the collection
// loads page by page, each page crossing into the engine as one buffer,
// and a limited query without orderBy is answered once the pages read so
// far decide it. Counts and contents are compared with what was written,
// across page boundaries, documents read through their tails, and ids
// whose order differs between IndexedDB (UTF-16) and Go (UTF-8).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBrowser, blankPage } from './helpers.mjs';

let env;
before(async () => { env = await startBrowser(); });
after(async () => { await env?.stop(); });

for (const worker of [true, false]) {
  const mode = worker ? 'engine in a Worker' : 'engine on the main thread';

  test(`a reloaded collection reads back whole, and its first rows come from its first pages (${mode})`, async () => {
    const context = await env.browser.newContext();
    const page = await blankPage(context, env.server);
    const name = `read-all-${worker}`;
    await page.evaluate(async ({ name, worker }) => {
      const { open } = await import('/web/dist/index.js');
      const db = await open({ name, worker });
      for (let start = 0; start < 2500; start += 500) {
        await db.transact((tx) => {
          const items = tx.collection('items');
          for (let i = start; i < start + 500; i++) {
            items.put({ id: `item-${String(i).padStart(5, '0')}`, title: `task ${i} é`, done: i % 3 === 0, n: i, tags: ['a', String(i % 7)] });
          }
        });
      }
      for (let i = 1; i < 2500; i += 401) await db.collection('items').update(`item-${String(i).padStart(5, '0')}`, { n: -i });
      await db.collection('items').put({ id: 'zz-\u{e000}', n: 1e6, done: true });
      await db.collection('items').put({ id: 'zz-😀', n: 2e6, done: true });
      await db.close();
    }, { name, worker });
    await page.reload();
    const got = await page.evaluate(async ({ name, worker }) => {
      const { open } = await import('/web/dist/index.js');
      const db = await open({ name, worker });
      const items = () => db.query('items');
      const first = await items().limit(5).get();
      const done = await new Promise((resolve) => {
        const stop = items().where('done', '==', true).offset(1).limit(3).subscribe((rows) => { resolve(rows); queueMicrotask(() => stop()); });
      });
      const last = await items().where('n', '>=', 1e6).limit(2).get();
      const all = await items().get();
      return { first, done, last, all, again: await items().limit(5).get() };
    }, { name, worker });
    assert.equal(got.all.length, 2502);
    for (let i = 0; i < 2500; i++) {
      const id = `item-${String(i).padStart(5, '0')}`;
      const n = (i - 1) % 401 === 0 ? -i : i;
      assert.deepEqual(got.all[i], { id, title: `task ${i} é`, done: i % 3 === 0, n, tags: ['a', String(i % 7)] });
    }
    // Go orders ids by UTF-8 bytes: U+E000 before U+1F600.
    assert.deepEqual(got.all.slice(2500).map((d) => d.id), ['zz-\u{e000}', 'zz-😀']);
    assert.deepEqual(got.first, got.all.slice(0, 5));
    assert.deepEqual(got.again, got.first);
    assert.deepEqual(got.done, got.all.filter((d) => d.done).slice(1, 4));
    assert.deepEqual(got.last, got.all.slice(2500));
    assert.deepEqual(page.errors, []);
    await context.close();
  });
}
