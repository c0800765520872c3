// What a real relay process refuses, seen from a page's db.sync status:
// a change whose (actor, seq) the relay holds with other bytes
// (seq_conflict), and a live session whose token expires (token_expired).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startBrowser, blankPage } from './helpers.mjs';
import { Relay, relayBin } from './relay.mjs';
import { hello, push, postSync } from './frames.mjs';

let env;
before(async () => { env = await startBrowser(); });
after(async () => { await env?.stop(); });

let spaceCount = 0;
const newSpace = () => `refusals-${process.pid}-${++spaceCount}`;

async function client() {
  const context = await env.browser.newContext();
  const page = await blankPage(context, env.server);
  await page.evaluate(async () => {
    window.hearth = await import('/web/dist/index.js');
    window.db = await window.hearth.open({ name: 'refusals' });
  });
  return { context, page };
}

const connect = (page, relay, space, transport, token) => page.evaluate(
  (o) => window.db.sync.connect(o), { url: relay.url, space, transport, token });

const waitForStatus = (page, pred, timeout = 20000) =>
  page.waitForFunction(`(${pred})(window.db.sync.status)`, null, { timeout, polling: 50 });

const put = (page, doc) => page.evaluate((doc) => window.db.collection('todos').put(doc), doc);

// The page's change A:2, written offline, meets a different A:2 that
// another client stored first under its actor id. Before the fix the relay
// acknowledged A's push (or WELCOME covered it) and the change was lost
// with the status at 'synced'.
const conflictSurfaces = (transport) => async () => {
  const relay = await Relay.create();
  await relay.start();
  const space = newSpace();
  const a = await client();
  try {
    await connect(a.page, relay, space, transport);
    await put(a.page, { id: 'first', title: 'synced' });
    await waitForStatus(a.page, (s) => s.state === 'synced' && s.pending === 0);
    const welcome = (await postSync(relay, hello(space))).messages[0];
    const [actor] = Object.keys(welcome.version);
    assert.equal(welcome.version[actor], 1);
    await a.page.evaluate(() => window.db.sync.disconnect());
    await put(a.page, { id: 'second', title: 'written offline' }); // actor:2, unsent

    const forged = await postSync(relay, hello(space), push(1, [[actor, 2, 'forged bytes']]));
    assert.deepEqual(forged.messages.map((m) => m.type), ['welcome', 'ack', 'changes']);
    const replay = await postSync(relay, hello(space), push(1, [[actor, 2, 'other bytes']]));
    assert.deepEqual(replay.messages.map((m) => m.type), ['welcome', 'error'], 'a replay with other bytes is not acknowledged');
    assert.equal(replay.messages[1].code, 12);

    await connect(a.page, relay, space, transport);
    await waitForStatus(a.page, (s) => s.lastError?.code === 'seq_conflict');
    const status = await a.page.evaluate(() => window.db.sync.status);
    assert.equal(status.state, 'offline');
    assert.equal(status.pending, 1, 'the change is still counted as unsent');
    assert.match(status.lastError.message, /seq_conflict/);
    await new Promise((r) => setTimeout(r, 1500)); // sync stopped: no retry changes the status
    assert.deepEqual(await a.page.evaluate(() => window.db.sync.status), status);
    const second = await a.page.evaluate(() => window.db.collection('todos').get('second'));
    assert.equal(second?.title, 'written offline', 'the change stays in the local database');
    assert.deepEqual(a.page.errors, []);
  } finally {
    await a.context.close(); await relay.stop();
  }
};

test('a change the relay holds with other bytes is refused with seq_conflict (WebSocket)', conflictSurfaces('websocket'));
test('a change the relay holds with other bytes is refused with seq_conflict (fetch)', conflictSurfaces('fetch'));

// A token that expires about 6 s from now: the session syncs first, then
// the relay ends it (WebSocket) or answers its long-poll and refuses the
// next request (fetch), and the status says token_expired.
const expiryEndsSession = (transport) => async () => {
  const secret = 'refusals-test-secret';
  const relay = await Relay.create(['-secret', secret]);
  await relay.start();
  const space = newSpace();
  const token = execFileSync(relayBin, ['token', '-secret', secret, '-space', space, '-ttl', '7s'], { encoding: 'utf8' }).trim();
  const a = await client();
  try {
    await connect(a.page, relay, space, transport, token);
    await put(a.page, { id: 'before', title: 'sent with a fresh token' });
    await waitForStatus(a.page, (s) => s.state === 'synced' && s.pending === 0 && s.lastError === null, 5000);
    await waitForStatus(a.page, (s) => s.lastError?.code === 'token_expired' && s.state !== 'synced', 15000);
    await put(a.page, { id: 'after', title: 'kept for the next token' });
    await waitForStatus(a.page, (s) => s.pending === 1 && s.lastError?.code === 'token_expired');
    assert.deepEqual(a.page.errors, []);
  } finally {
    await a.context.close(); await relay.stop();
  }
};

test('a live WebSocket session ends with token_expired when its token expires', expiryEndsSession('websocket'));
test('a fetch session gets token_expired when its token expires during a long-poll', expiryEndsSession('fetch'));
