// Several tabs of one app on one database, each with its engine in a Worker:
// live subscriptions across tabs, concurrent writers, reloads, and
// transactions that throw.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBrowser, blankPage } from './helpers.mjs';

let env;
before(async () => { env = await startBrowser(); });
after(async () => { await env?.stop(); });

// Opens the database `name` in the page as window.db.
async function openIn(page, name) {
  await page.evaluate(async (name) => {
    const hearth = await import('/web/dist/index.js');
    window.hearth = hearth;
    window.db = await hearth.open({ name });
  }, name);
}

test('a write in tab B reaches a subscription in tab A', async () => {
  const context = await env.browser.newContext();
  const [a, b] = [await blankPage(context, env.server), await blankPage(context, env.server)];
  await openIn(a, 'tabs-live');
  await openIn(b, 'tabs-live');
  await a.evaluate(() => {
    window.results = [];
    window.db.query('todos').where('done', '==', false).orderBy('title').subscribe((r) => window.results.push(r));
  });
  await a.waitForFunction(() => window.results.length === 1);
  await b.evaluate(() => window.db.collection('todos').put({ id: '1', title: 'from B', done: false }));
  await a.waitForFunction(() => window.results.length === 2);
  await b.evaluate(() => window.db.collection('todos').put({ id: '2', title: 'done in B', done: true }));
  await b.evaluate(() => window.db.collection('todos').update('1', { title: 'edited in B' }));
  await a.waitForFunction(() => window.results.length === 3);
  assert.deepEqual(await a.evaluate(() => window.results), [
    [],
    [{ id: '1', title: 'from B', done: false }],
    [{ id: '1', title: 'edited in B', done: false }],
  ]);
  assert.deepEqual([...a.errors, ...b.errors], []);
  await context.close();
});

test('two tabs writing concurrently end with identical results, and a reload keeps everything', async () => {
  const context = await env.browser.newContext();
  const tabs = [await blankPage(context, env.server), await blankPage(context, env.server)];
  for (const t of tabs) await openIn(t, 'tabs-concurrent');
  await tabs[0].evaluate(() => window.db.collection('c').put({ id: 'hits', n: window.hearth.counter(0) }));
  await Promise.all(tabs.map((t, w) => t.evaluate(async (w) => {
    const c = window.db.collection('c');
    const writes = [];
    for (let i = 0; i < 40; i++) {
      writes.push(c.put({ id: `doc${i % 8}`, by: w, i }));
      writes.push(c.increment('hits', 'n', 1));
    }
    await Promise.all(writes);
  }, w)));
  const read = (t) => t.evaluate(() => window.db.query('c').orderBy('id').get());
  const [r0, r1] = [await read(tabs[0]), await read(tabs[1])];
  assert.deepEqual(r0, r1);
  assert.equal(r0.find((d) => d.id === 'hits').n, 80, 'no increment lost');
  assert.equal(r0.length, 9);
  await tabs[1].reload();
  await openIn(tabs[1], 'tabs-concurrent');
  assert.deepEqual(await read(tabs[1]), r0);
  await context.close();
});

test('a transaction that throws leaves no trace', async () => {
  const context = await env.browser.newContext();
  const page = await blankPage(context, env.server);
  await openIn(page, 'tabs-tx');
  const result = await page.evaluate(async () => {
    const { db } = window;
    const calls = [];
    db.query('c').subscribe((r) => calls.push(r.length));
    await db.transact((tx) => { tx.collection('c').put({ id: 'a' }); tx.collection('c').put({ id: 'b' }); });
    let thrown;
    try {
      await db.transact(async (tx) => {
        tx.collection('c').put({ id: 'c' });
        tx.collection('c').delete('a');
        throw new Error('app bug');
      });
    } catch (err) { thrown = err.message; }
    let failed;
    try {
      await db.transact((tx) => { tx.collection('c').put({ id: 'd' }); tx.collection('c').update('missing', { x: 1 }); });
    } catch (err) { failed = err.name; }
    await new Promise((r) => setTimeout(r, 100));
    return { thrown, failed, ids: (await db.collection('c').all()).map((d) => d.id), calls };
  });
  assert.deepEqual(result, { thrown: 'app bug', failed: 'NotFoundError', ids: ['a', 'b'], calls: [0, 2] });
  await page.reload();
  await openIn(page, 'tabs-tx');
  assert.deepEqual(await page.evaluate(async () => (await window.db.collection('c').all()).map((d) => d.id)), ['a', 'b']);
  await context.close();
});

test('queries, document subscriptions and text edits from JS', async () => {
  const context = await env.browser.newContext();
  const page = await blankPage(context, env.server);
  await openIn(page, 'tabs-api');
  const result = await page.evaluate(async () => {
    const { db, hearth } = window;
    const notes = db.collection('notes');
    await notes.createIndex('rank');
    await db.transact((tx) => {
      for (let i = 0; i < 20; i++) tx.collection('notes').put({ id: `n${i}`, rank: i % 5, tags: i % 2 ? ['odd'] : ['even'], body: hearth.text('a😀b') });
    });
    const top = await db.query('notes').where('rank', '>=', 3).where('tags', 'contains', 'odd').orderBy('rank', 'desc').limit(3).select('rank').get();
    const seen = [];
    const stop = db.doc('notes', 'n1').subscribe((d) => seen.push(d?.body));
    await notes.insertText('n1', 'body', 3, 'X');
    await notes.deleteText('n1', 'body', 1, 2);
    await notes.delete('n1');
    await new Promise((r) => setTimeout(r, 100));
    stop();
    await notes.put({ id: 'n1', body: 'after stop' });
    await new Promise((r) => setTimeout(r, 100));
    return { top, seen };
  });
  // rank desc, then id desc (ties follow the last orderBy direction)
  assert.deepEqual(result.top, [{ id: 'n9', rank: 4 }, { id: 'n19', rank: 4 }, { id: 'n3', rank: 3 }]);
  assert.deepEqual(result.seen, ['a😀b', 'a😀Xb', 'aXb', undefined]);
  await context.close();
});
