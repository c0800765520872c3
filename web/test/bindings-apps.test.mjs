// Zero-config proofs: the package as `npm pack` ships it, installed from the
// tarball into fresh apps (web/test/apps/) next to React, Vue and Vite from
// the registry, built by `vite build` with no Vite configuration, served by
// a real relay (-static) that also syncs them; and the same tarball's files
// imported by a plain static page with no bundler. Everything is installed
// into a temporary directory outside the repository, so a fresh clone runs
// it as it is (`make build` first, for web/dist).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { cp, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startBrowser } from './helpers.mjs';
import { Relay } from './relay.mjs';
import { repoRoot } from '../scripts/serve.mjs';

const run = promisify(execFile);
const appsDir = join(repoRoot, 'web', 'test', 'apps');

let env;
let tmp;
let tarball;
before(async () => {
  tmp = await mkdtemp(join(tmpdir(), 'hearth-apps-'));
  await run('npm', ['pack', '--silent', '--pack-destination', tmp], { cwd: repoRoot });
  tarball = join(tmp, (await readdir(tmp)).find((f) => f.endsWith('.tgz')));
  env = await startBrowser();
});
after(async () => {
  await env?.stop();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** Copies app `name`, installs the tarball into it, builds it; returns its dist/. */
async function buildApp(t, name) {
  const dir = join(tmp, name);
  await cp(join(appsDir, name), dir, { recursive: true });
  assert.ok(!['js', 'mjs', 'ts', 'mts'].some((ext) => existsSync(join(dir, `vite.config.${ext}`))), 'no Vite configuration');
  let start = performance.now();
  await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', tarball], { cwd: dir });
  t.diagnostic(`npm install of ${name}: ${((performance.now() - start) / 1000).toFixed(1)} s`);
  start = performance.now();
  const { stderr } = await run(join(dir, 'node_modules', '.bin', 'vite'), ['build', '--logLevel', 'warn'], { cwd: dir });
  t.diagnostic(`vite build of ${name}: ${((performance.now() - start) / 1000).toFixed(2)} s`);
  assert.equal(stderr.trim(), '', 'vite build warns');
  return join(dir, 'dist');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

let spaces = 0;

/** Serves `root` from a relay that syncs it; opens two windows (isolated contexts) of it. */
async function twoWindows(root) {
  const relay = await Relay.create(['-open', '-static', root]);
  await relay.start();
  const space = `apps-${process.pid}-${++spaces}`;
  const window = async () => {
    const context = await env.browser.newContext();
    const page = await context.newPage();
    page.errors = [];
    page.on('pageerror', (err) => page.errors.push(err));
    page.on('console', (msg) => { if (msg.type() === 'error') page.errors.push(new Error(msg.text())); });
    await page.goto(`${relay.url}/?space=${space}`);
    await page.waitForSelector('#sync.synced');
    return page;
  };
  const pages = [await window(), await window()];
  return {
    pages,
    async close() {
      for (const p of pages) await p.context().close();
      await relay.stop();
      assert.deepEqual(pages.flatMap((p) => p.errors.map(String)), []);
    },
  };
}

const items = (page) => page.locator('#list li').allTextContents();

async function add(page, title) {
  await page.fill('#title', title);
  await page.click('button[type=submit]');
}

function waitForItems(page, want) {
  return page.waitForFunction((want) => JSON.stringify([...document.querySelectorAll('#list li')].map((li) => li.textContent)) === JSON.stringify(want), want, { timeout: 15000 });
}

// Both windows see each other's writes live, through the relay.
async function liveList([a, b]) {
  await a.waitForSelector('#list', { state: 'attached' });
  assert.deepEqual(await items(a), []);
  await add(b, 'from B');
  await waitForItems(a, ['from B']);
  await add(a, 'a first');
  await waitForItems(b, ['a first', 'from B']);
  await waitForItems(a, ['a first', 'from B']);
}

// A document written in one window shows in the other.
async function liveDoc([a, b]) {
  assert.equal(await b.textContent('#pinned'), '(no note)');
  await a.evaluate(() => window.db.collection('notes').put({ id: 'pinned', text: 'hello from A' }));
  await b.waitForSelector('#pinned:text("hello from A")', { timeout: 15000 });
}

// Unmounting the list component stops its engine subscription; mounting it
// again starts one and shows the data. (The spy counts the engine calls.)
async function unmountStops(page) {
  await page.evaluate(() => {
    const call = window.db._call.bind(window.db);
    window.calls = { subscribe: 0, unsubscribe: 0 };
    window.db._call = (method, ...args) => {
      if (method in window.calls) window.calls[method]++;
      return call(method, ...args);
    };
  });
  await page.check('#hide');
  await page.waitForFunction(() => window.calls.unsubscribe === 1 && !document.querySelector('#list'));
  await page.uncheck('#hide');
  await waitForItems(page, ['a first', 'from B']);
  assert.deepEqual(await page.evaluate(() => window.calls), { subscribe: 1, unsubscribe: 1 });
}

test('(a) a fresh Vite + React app: useQuery, useDoc and useSyncStatus follow another window through the relay', async (t) => {
  const app = await twoWindows(await buildApp(t, 'vite-react'));
  try {
    await liveList(app.pages);
    await liveDoc(app.pages);
    // Unchanged documents keep their identity, so memo() rows render once.
    for (const page of app.pages) {
      const renders = await page.evaluate(() => window.rowRenders);
      assert.deepEqual(Object.values(renders), [1, 1], JSON.stringify(renders));
    }
    await unmountStops(app.pages[0]);
  } finally {
    await app.close();
  }
});

test('(a\') the same React app under the Vite dev server (no configuration either)', async () => {
  const dir = join(tmp, 'vite-react'); // installed by (a)
  const port = await freePort();
  const server = spawn(join(dir, 'node_modules', '.bin', 'vite'), ['--host', '127.0.0.1', '--port', String(port), '--strictPort'], { cwd: dir, stdio: 'ignore' });
  const context = await env.browser.newContext();
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (err) => errors.push(err));
    for (let i = 0; ; i++) {
      if (await page.goto(`http://127.0.0.1:${port}/`).then(() => true, () => false)) break;
      if (i === 100) assert.fail('vite dev server did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    await page.waitForSelector('#list', { state: 'attached', timeout: 30000 });
    await add(page, 'in dev');
    await waitForItems(page, ['in dev']);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    server.kill();
  }
});

test('(b) a fresh Vite + Vue app: the composables follow another window through the relay; every subpath type-checks', async (t) => {
  const dist = await buildApp(t, 'vite-vue');
  const start = performance.now();
  await run(join(dist, '..', 'node_modules', '.bin', 'tsc'), ['-p', '.'], { cwd: join(dist, '..') })
    .catch((err) => assert.fail(`tsc: ${err.stdout}${err.stderr}`));
  t.diagnostic(`tsc of vite-vue/types.ts: ${((performance.now() - start) / 1000).toFixed(1)} s`);
  const app = await twoWindows(dist);
  try {
    await liveList(app.pages);
    await liveDoc(app.pages);
    await unmountStops(app.pages[0]);
  } finally {
    await app.close();
  }
});

test('(c) plain ESM, no bundler: a static page imports the packed files and follows a hearthdb/svelte store', async () => {
  const root = join(tmp, 'plain');
  await cp(join(appsDir, 'plain'), root, { recursive: true });
  await run('tar', ['xzf', tarball, '-C', root]); // -> root/package/
  const app = await twoWindows(root);
  try {
    const [a] = app.pages;
    assert.equal(await a.evaluate(() => window.firstRunWasSynchronous), true, 'a Svelte store calls run at once');
    await liveList(app.pages);
  } finally {
    await app.close();
  }
});
