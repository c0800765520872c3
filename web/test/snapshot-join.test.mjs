// Joining a space through a relay snapshot (protocol version 3, issue 15):
// a space whose history is 20× its data (5,000 documents each written 20
// times) is joined by a fresh page in about the time of a space holding
// them once, with every document equal to the writer's; a page closed
// mid-join reloads and finishes it. A real relay process on 127.0.0.1
// that asks for snapshots and drops the history they cover.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBrowser, blankPage } from './helpers.mjs';
import { Relay } from './relay.mjs';
import { client, connect } from './large.mjs';
import { helloV3, postSync } from './frames.mjs';

const DOCS = 5000;
const ROUNDS = 20;

let env;
before(async () => { env = await startBrowser(); });
after(async () => { await env?.stop(); });

// write puts DOCS documents rounds times, in transactions of 1,000.
const write = (page, rounds) => page.evaluate(async ({ docs, rounds }) => {
  for (let r = 0; r < rounds; r++) {
    for (let from = 0; from < docs; from += 1000) {
      await window.db.transact((tx) => {
        const c = tx.collection('items');
        for (let i = from; i < Math.min(from + 1000, docs); i++) {
          c.put({ id: `i${String(i).padStart(5, '0')}`, title: `item ${i}`, round: r, tags: ['a', `t${i % 7}`] });
        }
      });
    }
  }
}, { docs: DOCS, rounds });

const all = (page) => page.evaluate(async () => JSON.stringify(await window.db.query('items').orderBy('id').get()));
const count = (page) => page.evaluate(async () => (await window.db.query('items').get()).length);

const synced = (page, timeout = 120000) => page.waitForFunction(
  () => window.db.sync.status.state === 'synced' && window.db.sync.status.pending === 0, null, { timeout, polling: 50 });

// holdsAll waits until page holds DOCS documents and is synced.
async function holdsAll(page, timeout = 120000) {
  await page.waitForFunction(async (n) => (await window.db.query('items').get()).length === n
    && window.db.sync.status.state === 'synced', DOCS, { timeout, polling: 50 });
}

// snapshotCovers waits until the relay holds a snapshot of space covering
// at least n changes, asking it as a version 3 client would.
async function snapshotCovers(relay, space, n, timeout = 60000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const { messages } = await postSync(relay, helloV3(space, '', { probe: 1 }));
    const snap = messages[0]?.snapshot ?? {};
    if (Object.values(snap).reduce((a, b) => a + b, 0) >= n) return snap;
    if (Date.now() > deadline) assert.fail(`no snapshot covering ${n} changes: ${JSON.stringify(messages[0])}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

// join connects a fresh page to space and returns the milliseconds until
// it holds every document, and until its first query result.
async function join(relay, space) {
  const c = await client(env);
  const t0 = Date.now();
  await connect(c.page, relay, space);
  const first = c.page.waitForFunction(async () => (await window.db.query('items').limit(1).get()).length > 0, null, { timeout: 120000, polling: 20 })
    .then(() => Date.now() - t0);
  await holdsAll(c.page);
  return { c, ms: Date.now() - t0, first: await first };
}

test('a space with 20× history is joined through its snapshot about as fast as one holding the data once, every document equal', async () => {
  const relay = await Relay.create(['-open', '-snapshot-after', '50', '-retain-history', '0s']);
  await relay.start();
  const [long, short] = [`history-${process.pid}`, `once-${process.pid}`];
  const [a, b] = [await client(env), await client(env)];
  const joined = [];
  try {
    await connect(a.page, relay, long);
    await connect(b.page, relay, short);
    const t0 = Date.now();
    await write(a.page, ROUNDS);
    await write(b.page, 1);
    await synced(a.page);
    await synced(b.page);
    const t1 = Date.now();
    await snapshotCovers(relay, long, ROUNDS * DOCS / 1000);
    console.log(`# wrote and synced ${ROUNDS} × ${DOCS} documents in ${t1 - t0} ms; snapshot after ${Date.now() - t1} ms more`);
    const want = await all(a.page);
    assert.equal(JSON.parse(want).length, DOCS);

    const once = await join(relay, short);
    joined.push(once.c);
    const hist = await join(relay, long);
    joined.push(hist.c);
    console.log(`# join: data once ${once.ms} ms (first result ${once.first} ms), history 20× via snapshot ${hist.ms} ms (first result ${hist.first} ms), ratio ${(hist.ms / once.ms).toFixed(2)}`);
    assert.equal(await all(hist.c.page), want);
    assert.equal(await all(once.c.page), await all(b.page));
    assert.ok(hist.ms <= 1.5 * once.ms, `history join ${hist.ms} ms, over 1.5× ${once.ms} ms`);
    // Both sides go on syncing after the join.
    await hist.c.page.evaluate(() => window.db.collection('items').put({ id: 'i00000', title: 'edited after the join' }));
    await a.page.waitForFunction(async () => (await window.db.collection('items').get('i00000')).title === 'edited after the join', null, { timeout: 30000, polling: 50 });
    for (const p of [a.page, hist.c.page]) assert.deepEqual(p.errors ?? [], []);
  } finally {
    for (const c of [a, b, ...joined]) await c.context.close();
    await relay.stop();
  }
});

test('a page closed mid-join reloads to a consistent database and finishes the join, nothing lost or duplicated', async () => {
  const relay = await Relay.create(['-open', '-snapshot-after', '10', '-retain-history', '0s']);
  await relay.start();
  const space = `resume-${process.pid}`;
  const a = await client(env);
  const context = await env.browser.newContext();
  try {
    await connect(a.page, relay, space);
    await write(a.page, 3);
    await a.page.evaluate(() => window.db.collection('items').put({ id: 'offline-late', title: 'from A' }));
    await synced(a.page);
    await snapshotCovers(relay, space, 3 * DOCS / 1000);
    const want = await all(a.page);

    const open = async () => {
      const page = await blankPage(context, env.server);
      await page.evaluate(async () => {
        window.hearth = await import('/web/dist/index.js');
        window.db = await window.hearth.open({ name: 'large' });
      });
      return page;
    };
    let page = await open();
    await page.evaluate(() => window.db.collection('items').put({ id: 'mine', title: 'written offline before the join' }));
    await connect(page, relay, space);
    // Close the page as soon as the first documents of the join show.
    await page.waitForFunction(async () => (await window.db.query('items').get()).length > 1, null, { timeout: 60000, polling: 5 });
    const seen = await count(page);
    await page.close();
    console.log(`# closed mid-join with ${seen} of ${DOCS + 2} documents`);

    page = await open();
    const reopened = await count(page);
    console.log(`# reopened with ${reopened} documents`);
    await connect(page, relay, space);
    await page.waitForFunction(async (n) => (await window.db.query('items').get()).length === n
      && window.db.sync.status.state === 'synced' && window.db.sync.status.pending === 0, DOCS + 2, { timeout: 120000, polling: 50 });
    const got = JSON.parse(await all(page));
    const mine = got.find((d) => d.id === 'mine');
    assert.equal(mine?.title, 'written offline before the join');
    assert.equal(JSON.stringify(got.filter((d) => d.id !== 'mine')), want);
    assert.equal(new Set(got.map((d) => d.id)).size, got.length);
    // Its offline document reached the relay and the writer.
    await a.page.waitForFunction(async () => !!(await window.db.collection('items').get('mine')), null, { timeout: 30000, polling: 50 });
  } finally {
    await a.context.close();
    await context.close();
    await relay.stop();
  }
});
