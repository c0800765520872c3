// Sync through a real relay process on 127.0.0.1, between two isolated
// browser contexts (separate IndexedDB), each with its engine in a Worker.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startBrowser, blankPage } from './helpers.mjs';
import { Relay, relayBin } from './relay.mjs';

let env;
before(async () => { env = await startBrowser(); });
after(async () => { await env?.stop(); });

let spaceCount = 0;
const newSpace = () => `space-${process.pid}-${++spaceCount}`;

// A client: a fresh context and page with the database open as window.db.
async function client(name = 'sync') {
  const context = await env.browser.newContext();
  const page = await blankPage(context, env.server);
  await openDB(page, name);
  return { context, page };
}

async function openDB(page, name) {
  await page.evaluate(async (name) => {
    window.hearth = await import('/web/dist/index.js');
    window.db = await window.hearth.open({ name });
  }, name);
}

function connect(page, relay, space, transport = 'websocket', token) {
  return page.evaluate(({ url, space, transport, token }) => window.db.sync.connect({ url, space, transport, token }), { url: relay.url, space, transport, token });
}

const todos = (page) => page.evaluate(() => window.db.query('todos').orderBy('id').get());

function waitForStatus(page, pred, timeout = 20000) {
  return page.waitForFunction(`(${pred})(window.db.sync.status)`, null, { timeout, polling: 50 });
}

// Waits until both pages hold the same todos, `n` of them.
async function converged(a, b, n, timeout = 30000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const [ra, rb] = [await todos(a), await todos(b)];
    if (ra.length === n && JSON.stringify(ra) === JSON.stringify(rb)) return ra;
    if (Date.now() > deadline) assert.fail(`not converged: ${ra.length} vs ${rb.length} todos, want ${n}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Runs fn with a relay (started unless start is false), a fresh space and
// two clients, and closes them all afterwards.
async function scenario(fn, { start = true } = {}) {
  const relay = await Relay.create();
  if (start) await relay.start();
  const space = newSpace();
  const [a, b] = [await client(), await client()];
  try {
    await fn({ relay, space, a, b });
  } finally {
    await a.context.close(); await b.context.close(); await relay.stop();
  }
}

test('(1) live sync both ways', () => scenario(async ({ relay, space, a, b }) => {
  for (const c of [a, b]) await connect(c.page, relay, space);
  await waitForStatus(b.page, (s) => s.state === 'synced');
  await b.page.evaluate(() => {
    window.seen = [];
    window.db.query('todos').subscribe((r) => window.seen.push(r.map((d) => d.title)));
  });
  await a.page.evaluate(() => window.db.collection('todos').put({ id: 'a1', title: 'from A' }));
  await b.page.waitForFunction(() => window.seen.at(-1)?.includes('from A'), null, { timeout: 10000 });
  await b.page.evaluate(() => window.db.collection('todos').put({ id: 'b1', title: 'from B' }));
  const result = await converged(a.page, b.page, 2);
  assert.deepEqual(result.map((d) => d.title), ['from A', 'from B']);
  await waitForStatus(a.page, (s) => s.state === 'synced' && s.pending === 0);
}));

const offlineThenConverge = (transport) => scenario(async ({ relay, space, a, b }) => {
  for (const c of [a, b]) await connect(c.page, relay, space, transport); // relay is down
  await a.page.evaluate(async () => {
    const c = window.db.collection('todos');
    await c.put({ id: 'shared', title: 'A wrote', n: window.hearth.counter(0) });
    for (let i = 0; i < 10; i++) await c.put({ id: `a${i}`, title: `a ${i}` });
  });
  await b.page.evaluate(async () => {
    const c = window.db.collection('todos');
    for (let i = 0; i < 10; i++) await c.put({ id: `b${i}`, title: `b ${i}` });
  });
  await waitForStatus(a.page, (s) => s.state !== 'synced' && s.pending === 11 && s.lastError?.code === 'network');
  await relay.start();
  const result = await converged(a.page, b.page, 21);
  assert.equal(result.find((d) => d.id === 'shared').title, 'A wrote');
  for (const c of [a, b]) await waitForStatus(c.page, (s) => s.state === 'synced' && s.pending === 0);
}, { start: false }); // the relay starts halfway

test('(2) both write while the relay is down, then converge (WebSocket)', () => offlineThenConverge('websocket'));
test('(3) the same with the fetch transport only', () => offlineThenConverge('fetch'));

test('(4) the relay is SIGKILLed during a sync of 1,000 changes and restarted: nothing committed is lost', () => scenario(async ({ relay, space, a, b }) => {
  for (const c of [a, b]) await connect(c.page, relay, space);
  await waitForStatus(a.page, (s) => s.state === 'synced');
  const writing = a.page.evaluate(async () => {
    const c = window.db.collection('todos');
    for (let t = 0; t < 20; t++) {
      await window.db.transact((tx) => { for (let i = 0; i < 25; i++) tx.collection('todos').put({ id: `a${t * 25 + i}`, title: `a ${t * 25 + i}` }); });
    }
    for (let i = 0; i < 500; i++) await c.put({ id: `s${i}`, title: `single ${i}` });
  });
  await a.page.waitForFunction(() => window.db.sync.status.pending > 100, null, { polling: 10 }).catch(() => {});
  await relay.kill();
  await writing; // every change is committed locally, some sent, some not
  await b.page.evaluate(() => window.db.collection('todos').put({ id: 'zb', title: 'from B during the outage' }));
  await relay.start();
  const result = await converged(a.page, b.page, 1001, 60000);
  assert.equal(result.filter((d) => d.id.startsWith('s')).length, 500);
}));

test('(5) a client reloads while offline with unsent changes and still delivers them later', () => scenario(async ({ relay, space, a, b }) => {
  await connect(a.page, relay, space);
  await a.page.evaluate(async () => {
    for (let i = 0; i < 5; i++) await window.db.collection('todos').put({ id: `offline${i}`, title: 'written offline' });
  });
  await a.page.reload();
  await openDB(a.page, 'sync');
  await relay.start();
  await connect(b.page, relay, space);
  await connect(a.page, relay, space);
  const result = await converged(a.page, b.page, 5);
  assert.ok(result.every((d) => d.title === 'written offline'));
}, { start: false }));

test('(6) a wrong token is refused and the status says why', async () => {
  const relay = await Relay.create(['-secret', 'test-secret-of-the-relay']);
  await relay.start();
  const space = newSpace();
  const good = execFileSync(relayBin, ['token', '-secret', 'test-secret-of-the-relay', '-space', space], { encoding: 'utf8' }).trim();
  const a = await client();
  try {
    await a.page.evaluate(() => window.db.collection('todos').put({ id: 'x', title: 'kept locally' }));
    await connect(a.page, relay, space, 'websocket', 'v1.forged.token');
    await waitForStatus(a.page, (s) => s.lastError?.code === 'unauthorized' && s.state !== 'synced');
    const status = await a.page.evaluate(() => window.db.sync.status);
    assert.equal(status.pending, 1);
    assert.match(status.lastError.message, /unauthorized/);
    await connect(a.page, relay, space, 'websocket', good);
    await waitForStatus(a.page, (s) => s.state === 'synced' && s.pending === 0 && s.lastError === null);
  } finally {
    await a.context.close(); await relay.stop();
  }
});

// Issue 14's fifth failure: a document deleted on one replica while
// another updates it came back partial ({id, title}, every other field
// gone). The rule (crdt/doc.go, API.md): the later of the two wins, and a
// document an update revives comes back whole.
const deleteVersusUpdate = (transport) => scenario(async ({ relay, space, a, b }) => {
  for (const c of [a, b]) await connect(c.page, relay, space, transport);
  const whole = { id: 'y', title: 'original', body: 'keep me', tags: ['x', 'y'], n: 3 };
  await a.page.evaluate(async (doc) => {
    await window.db.collection('todos').put(doc);
    await window.db.collection('todos').put({ ...doc, id: 'z' });
  }, whole);
  await converged(a.page, b.page, 2);
  for (const c of [a, b]) await c.page.evaluate(() => window.db.sync.disconnect());
  await b.page.evaluate(() => window.db.collection('todos').update('z', { title: 'edited by B, then deleted by A' }));
  await a.page.evaluate(async () => {
    await window.db.collection('todos').delete('y');
    await window.db.collection('todos').delete('z');
  });
  await new Promise((r) => setTimeout(r, 20)); // B's update of y is later than A's delete
  await b.page.evaluate(() => window.db.collection('todos').update('y', { title: 'edited by B while A deleted' }));
  for (const c of [a, b]) await connect(c.page, relay, space, transport);
  const result = await converged(a.page, b.page, 1);
  assert.deepEqual(result, [{ ...whole, title: 'edited by B while A deleted' }]);
});

test('(7) delete against a concurrent update: the later wins, a revived document comes back whole (WebSocket)', () => deleteVersusUpdate('websocket'));
test('(8) the same over fetch', () => deleteVersusUpdate('fetch'));
