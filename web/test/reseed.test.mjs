// A relay that lost its data is re-seeded by its clients (docs/PROTOCOL.md
// §5, "A relay that lost changes"), and Hearth of before protocol version 2
// syncs with today's relay and the other way round (§9). Real relay
// processes on 127.0.0.1, isolated browser contexts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { startBrowser } from './helpers.mjs';
import { Relay } from './relay.mjs';
import { client as openClient, connect } from './large.mjs';
import { hasCommit, oldBuild, V1_COMMIT as OLD } from './oldbuild.mjs';

let env;
before(async () => { env = await startBrowser(); });
after(async () => { await env?.stop(); });

let spaceCount = 0;
const newSpace = () => `reseed-${process.pid}-${++spaceCount}`;

// A fresh context with a database open as window.db, from the package at dist.
const client = (dist) => openClient(env, dist);

const put = (page, ...ids) => page.evaluate(async (ids) => {
  for (const id of ids) await window.db.collection('todos').put({ id, title: `todo ${id}` });
}, ids);

const ids = (page) => page.evaluate(async () => (await window.db.query('todos').orderBy('id').get()).map((d) => d.id));

const status = (page) => page.evaluate(() => window.db.sync.status);

function waitForStatus(page, pred, timeout = 30000) {
  return page.waitForFunction(`(${pred})(window.db.sync.status)`, null, { timeout, polling: 50 });
}

async function holds(page, want, timeout = 30000) {
  const deadline = Date.now() + timeout;
  for (;;) {
    const got = await ids(page);
    if (JSON.stringify(got) === JSON.stringify(want)) return;
    if (Date.now() > deadline) assert.fail(`holds ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const synced = (s) => s.state === 'synced' && s.pending === 0 && s.lastError === null;

test('a relay whose data dir is wiped mid-session is re-seeded: a fresh replica gets every document, nobody reloads', async () => {
  const relay = await Relay.create();
  await relay.start();
  const space = newSpace();
  const [a, b, gone] = [await client(), await client(), await client()];
  try {
    await connect(a.page, relay, space, 'websocket');
    await connect(b.page, relay, space, 'fetch');
    await connect(gone.page, relay, space, 'websocket');
    await put(a.page, 'a1', 'a2');
    await put(b.page, 'b1');
    await put(gone.page, 'g1'); // its author leaves: after the wipe only A and B hold it
    const before = ['a1', 'a2', 'b1', 'g1'];
    for (const c of [a, b, gone]) await holds(c.page, before);
    for (const c of [a, b, gone]) await waitForStatus(c.page, synced);
    await gone.context.close();

    await relay.stop();
    await rm(relay.dataDir, { recursive: true, force: true });
    await put(a.page, 'a3'); // written while the relay is down
    await relay.start(); // same port, empty data dir: a new epoch

    const all = ['a1', 'a2', 'a3', 'b1', 'g1'];
    for (const c of [a, b]) await holds(c.page, all);
    for (const c of [a, b]) await waitForStatus(c.page, synced);
    const fresh = await client();
    try {
      await connect(fresh.page, relay, space, 'websocket');
      await holds(fresh.page, all);
      await waitForStatus(fresh.page, synced);
    } finally {
      await fresh.context.close();
    }
    for (const c of [a, b]) assert.deepEqual(c.page.errors, []);
  } finally {
    await a.context.close(); await b.context.close(); await relay.stop();
  }
});

test('a replica synced with one space pushes its whole history to a second, empty space', async () => {
  const relay = await Relay.create();
  await relay.start();
  const a = await client();
  try {
    await connect(a.page, relay, newSpace());
    await put(a.page, 'x1', 'x2');
    await waitForStatus(a.page, synced);
    await connect(a.page, relay, newSpace());
    await waitForStatus(a.page, synced);
    const fresh = await client();
    try {
      await connect(fresh.page, relay, `reseed-${process.pid}-${spaceCount}`);
      await holds(fresh.page, ['x1', 'x2']);
    } finally {
      await fresh.context.close();
    }
  } finally {
    await a.context.close(); await relay.stop();
  }
});

// Old and new clients of one space through one relay, both transports.
async function mixed(relayBin, oldDist, newDist) {
  const relay = await Relay.create(['-open'], relayBin);
  await relay.start();
  const space = newSpace();
  const [o, n, f] = [await client(oldDist), await client(newDist), await client(newDist)];
  try {
    await connect(o.page, relay, space, 'websocket');
    await connect(n.page, relay, space, 'websocket');
    await connect(f.page, relay, space, 'fetch');
    await put(o.page, 'o1');
    await put(n.page, 'n1');
    await put(f.page, 'f1');
    for (const c of [o, n, f]) await holds(c.page, ['f1', 'n1', 'o1']);
    for (const c of [o, n, f]) await waitForStatus(c.page, synced);
  } finally {
    for (const c of [o, n, f]) await c.context.close();
    await relay.stop();
  }
}

test('compatibility: a version 1 package and today\'s package sync through today\'s relay', { skip: !hasCommit(OLD) && `commit ${OLD} is not in this repository's history` }, async () => {
  const old = oldBuild(OLD);
  await mixed(undefined, old.dist, '/web/dist/index.js');
});

test('compatibility: today\'s package syncs through a version 1 relay (it falls back to version 1)', { skip: !hasCommit(OLD) && `commit ${OLD} is not in this repository's history` }, async () => {
  const old = oldBuild(OLD);
  await mixed(old.relay, old.dist, '/web/dist/index.js');
  const relay = await Relay.create(['-open'], old.relay);
  await relay.start();
  const a = await client();
  try {
    await connect(a.page, relay, newSpace(), 'fetch');
    await put(a.page, 'z');
    await waitForStatus(a.page, synced);
    assert.equal((await status(a.page)).state, 'synced');
  } finally {
    await a.context.close(); await relay.stop();
  }
});
