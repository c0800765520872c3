// The client side of "sync never wedges and never silently drops a change"
// (issue 14): the pending count is true with or without a connection, and
// an async token provider refreshes an expiring token without losing a
// change. A real relay process, isolated browser contexts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { startBrowser, blankPage, waitUntil } from './helpers.mjs';
import { Relay, relayBin } from './relay.mjs';

const secret = 'test-secret-of-the-relay';

let env;
before(async () => { env = await startBrowser(); });
after(async () => { await env?.stop(); });

let spaceCount = 0;
const newSpace = () => `client-${process.pid}-${++spaceCount}`;

const mint = (space, ttl) => execFileSync(relayBin, ['token', '-secret', secret, '-space', space, '-ttl', ttl], { encoding: 'utf8' }).trim();

// A fresh context and page with the database open as window.db.
async function client({ worker = true } = {}) {
  const context = await env.browser.newContext();
  const page = await blankPage(context, env.server);
  await openDB(page, worker);
  return { context, page };
}

function openDB(page, worker = true) {
  return page.evaluate(async (worker) => {
    window.hearth = await import('/web/dist/index.js');
    window.db = await window.hearth.open({ name: 'sync-client', worker });
  }, worker);
}

const status = (page) => page.evaluate(() => window.db.sync.status);

function waitForStatus(page, pred, timeout = 20000) {
  return page.waitForFunction(`(${pred})(window.db.sync.status)`, null, { timeout, polling: 50 });
}

function put(page, ids) {
  return page.evaluate(async (ids) => {
    for (const id of ids) await window.db.collection('todos').put({ id, title: `todo ${id}` });
  }, ids);
}

async function waitForIds(page, ids, timeout = 30000) {
  const want = JSON.stringify([...ids].sort());
  await waitUntil(page, async (want) => {
    const got = (await window.db.query('todos').get()).map((d) => d.id).sort();
    return JSON.stringify(got) === want;
  }, want, { timeout, polling: 100 });
}

test('pending is the number of unsent changes before connect(), after disconnect() and after a reload', async () => {
  const relay = await Relay.create();
  await relay.start();
  const space = newSpace();
  const [a, b] = [await client(), await client()];
  try {
    assert.equal((await status(a.page)).pending, 0);
    await put(a.page, ['never-connected-1', 'never-connected-2']);
    assert.deepEqual(await status(a.page), { state: 'offline', pending: 2, lastError: null });

    await a.page.evaluate(({ url, space }) => window.db.sync.connect({ url, space }), { url: relay.url, space });
    await waitForStatus(a.page, (s) => s.state === 'synced' && s.pending === 0);
    await a.page.evaluate(() => window.db.sync.disconnect());
    await put(a.page, ['after-disconnect-1', 'after-disconnect-2']);
    assert.deepEqual(await status(a.page), { state: 'offline', pending: 2, lastError: null });

    await a.page.reload();
    await openDB(a.page);
    assert.deepEqual(await status(a.page), { state: 'offline', pending: 2, lastError: null }, 'right after open(), before any connect()');
    await put(a.page, ['after-reload']);
    assert.equal((await status(a.page)).pending, 3);

    for (const c of [a, b]) await c.page.evaluate(({ url, space }) => window.db.sync.connect({ url, space, transport: 'fetch' }), { url: relay.url, space });
    await waitForStatus(a.page, (s) => s.state === 'synced' && s.pending === 0);
    await waitForIds(b.page, ['never-connected-1', 'never-connected-2', 'after-disconnect-1', 'after-disconnect-2', 'after-reload']);
  } finally {
    await a.context.close(); await b.context.close(); await relay.stop();
  }
});

// a's provider hands out a token that expires in 3 s, then long-lived
// ones; a writes before and after the expiry. Over WebSocket the relay is
// also restarted after the expiry, so that the client meets its expired
// token at a HELLO whether or not the relay ends a live session on expiry.
const refreshedToken = (transport) => async () => {
  const relay = await Relay.create(['-secret', secret]);
  await relay.start();
  const space = newSpace();
  const [a, b] = [await client(), await client()];
  try {
    const tokens = [mint(space, '3s'), mint(space, '1h')];
    const expires = Date.now() + 2000; // exp is whole seconds: the short token lasts 2 to 3 s
    await a.page.evaluate(({ url, space, transport, tokens }) => {
      window.calls = 0;
      window.codes = [];
      window.db.sync.subscribe((s) => { if (s.lastError) window.codes.push(s.lastError.code); });
      const token = async () => {
        window.calls++;
        await new Promise((r) => setTimeout(r, 20)); // as a request to the app's server would
        return tokens.length > 1 ? tokens.shift() : tokens[0];
      };
      return window.db.sync.connect({ url, space, transport, token });
    }, { url: relay.url, space, transport, tokens });
    await b.page.evaluate(({ url, space, transport, token }) => window.db.sync.connect({ url, space, transport, token }), { url: relay.url, space, transport, token: tokens[1] });
    await put(a.page, ['before-expiry']);
    await waitForIds(b.page, ['before-expiry']);

    await new Promise((r) => setTimeout(r, Math.max(0, expires + 1500 - Date.now())));
    await put(a.page, ['expired-1', 'expired-2', 'expired-3']);
    if (transport === 'websocket') {
      await relay.stop();
      await relay.start();
    }
    await waitForIds(b.page, ['before-expiry', 'expired-1', 'expired-2', 'expired-3']);
    await waitForStatus(a.page, (s) => s.state === 'synced' && s.pending === 0 && s.lastError === null);
    const { calls, codes } = await a.page.evaluate(() => ({ calls: window.calls, codes: window.codes }));
    assert.ok(codes.includes('token_expired'), `status codes seen: ${codes}`);
    assert.ok(calls >= 2 && calls <= 4, `the provider was called ${calls} times`);
  } finally {
    await a.context.close(); await b.context.close(); await relay.stop();
  }
};

test('an expiring token is refreshed through the async provider with no change lost (WebSocket)', refreshedToken('websocket'));
test('an expiring token is refreshed through the async provider with no change lost (fetch)', refreshedToken('fetch'));

test('a failing token provider shows in the status and is retried with backoff (engine on the main thread)', async () => {
  const relay = await Relay.create(['-secret', secret]);
  await relay.start();
  const space = newSpace();
  const a = await client({ worker: false });
  try {
    await put(a.page, ['x']);
    const token = mint(space, '1h');
    await a.page.evaluate(({ url, space, token }) => {
      window.attempts = [];
      return window.db.sync.connect({
        url, space,
        token: () => {
          window.attempts.push(performance.now());
          if (window.attempts.length <= 3) return Promise.reject(new Error('auth server down'));
          return token;
        },
      });
    }, { url: relay.url, space, token });
    await waitForStatus(a.page, (s) => s.lastError?.code === 'token_provider' && /auth server down/.test(s.lastError.message));
    assert.equal((await status(a.page)).pending, 1);
    await waitForStatus(a.page, (s) => s.state === 'synced' && s.pending === 0 && s.lastError === null);
    const attempts = await a.page.evaluate(() => window.attempts);
    assert.equal(attempts.length, 4);
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]);
    assert.ok(gaps[0] >= 100 && gaps[2] > gaps[0], `waits between provider calls grow: ${gaps.map(Math.round)} ms`);
  } finally {
    await a.context.close(); await relay.stop();
  }
});
