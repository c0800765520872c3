import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBrowser, blankPage } from './helpers.mjs';

let env;
before(async () => { env = await startBrowser(); });
after(async () => { await env?.stop(); });

for (const worker of [true, false]) {
  const mode = worker ? 'engine in a Worker' : 'engine on the main thread';

  test(`three documents survive a page reload (${mode})`, async () => {
    const context = await env.browser.newContext();
    const page = await blankPage(context, env.server);
    await page.evaluate(async (worker) => {
      const { open } = await import('/web/dist/index.js');
      const db = await open({ name: 'reload-test', worker });
      const todos = db.collection('todos');
      await todos.put({ id: 'a', title: 'first', done: false, n: 1 });
      await todos.put({ id: 'b', title: 'second', done: true, tags: ['x', 'y'] });
      await todos.put({ id: 'c', title: 'third', nested: { deep: { ok: true } } });
    }, worker);
    await page.reload();
    const after = await page.evaluate(async (worker) => {
      const { open } = await import('/web/dist/index.js');
      const db = await open({ name: 'reload-test', worker });
      const todos = db.collection('todos');
      return { all: await todos.all(), b: await todos.get('b'), missing: await todos.get('zzz') };
    }, worker);
    assert.deepEqual(after.all, [
      { id: 'a', title: 'first', done: false, n: 1 },
      { id: 'b', title: 'second', done: true, tags: ['x', 'y'] },
      { id: 'c', title: 'third', nested: { deep: { ok: true } } },
    ]);
    assert.deepEqual(after.b, { id: 'b', title: 'second', done: true, tags: ['x', 'y'] });
    assert.equal(after.missing, undefined);
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  test(`delete removes a document across reloads, and other databases are separate (${mode})`, async () => {
    const context = await env.browser.newContext();
    const page = await blankPage(context, env.server);
    await page.evaluate(async (worker) => {
      const { open } = await import('/web/dist/index.js');
      const db = await open({ name: 'delete-test', worker });
      const other = await open({ name: 'delete-test-other', worker });
      await db.collection('c').put({ id: '1' });
      await db.collection('c').put({ id: '2' });
      await other.collection('c').put({ id: 'elsewhere' });
      await db.collection('c').delete('1');
      await db.close();
    }, worker);
    await page.reload();
    const ids = await page.evaluate(async (worker) => {
      const { open } = await import('/web/dist/index.js');
      const db = await open({ name: 'delete-test', worker });
      return (await db.collection('c').all()).map((d) => d.id);
    }, worker);
    assert.deepEqual(ids, ['2']);
    await context.close();
  });
}

test('by default the engine runs in a Worker and the main thread never instantiates WebAssembly', async () => {
  const context = await env.browser.newContext();
  await context.addInitScript(() => {
    window.wasmOnMainThread = 0;
    for (const name of ['instantiate', 'instantiateStreaming', 'compile', 'compileStreaming']) {
      const original = WebAssembly[name];
      WebAssembly[name] = (...args) => { window.wasmOnMainThread++; return original.apply(WebAssembly, args); };
    }
  });
  const page = await blankPage(context, env.server);
  const result = await page.evaluate(async () => {
    const { open } = await import('/web/dist/index.js');
    const db = await open({ name: 'worker-check' });
    await db.collection('c').put({ id: 'x' });
    const inWorker = db.inWorker;
    const before = window.wasmOnMainThread;
    const main = await open({ name: 'worker-check', worker: false });
    return { inWorker, before, mainInWorker: main.inWorker, after: window.wasmOnMainThread, read: await main.collection('c').get('x') };
  });
  assert.deepEqual(result, { inWorker: true, before: 0, mainInWorker: false, after: 1, read: { id: 'x' } });
  await context.close();
});

// open() has the browser open the database's IndexedDB files while the
// engine loads (warmStorage in engine.js). That connection must neither
// create a database nor hold up the engine's upgrade of an older one.
test('the connection open() makes while the engine loads creates nothing and never blocks an upgrade', async () => {
  const context = await env.browser.newContext();
  const page = await blankPage(context, env.server);
  const result = await page.evaluate(async () => {
    const { warmStorage } = await import('/web/dist/engine.js');
    const names = async () => (await indexedDB.databases()).map((d) => d.name);
    const release = warmStorage('never-opened');
    await new Promise((resolve) => setTimeout(resolve, 200));
    release();
    const afterWarm = await names();

    // A database of an older layout (version 1, a store the engine drops).
    await new Promise((resolve, reject) => {
      const req = indexedDB.open('hearth:old-layout', 1);
      req.onupgradeneeded = () => req.result.createObjectStore('junk');
      req.onsuccess = () => { req.result.close(); resolve(); };
      req.onerror = () => reject(req.error);
    });
    const { open } = await import('/web/dist/index.js');
    const out = {};
    for (const worker of [true, false]) {
      const db = await open({ name: 'old-layout', worker });
      await db.collection('c').put({ id: String(worker), worker });
      out[worker] = await db.collection('c').all();
      await db.close();
    }
    const layout = await new Promise((resolve, reject) => {
      const req = indexedDB.open('hearth:old-layout');
      req.onsuccess = () => { const db = req.result; resolve({ version: db.version, stores: [...db.objectStoreNames] }); db.close(); };
      req.onerror = () => reject(req.error);
    });
    return { afterWarm, out, layout };
  });
  assert.ok(!result.afterWarm.includes('hearth:never-opened'), `warmStorage created a database: ${result.afterWarm}`);
  assert.deepEqual(result.out.true, [{ id: 'true', worker: true }]);
  assert.deepEqual(result.out.false, [{ id: 'false', worker: false }, { id: 'true', worker: true }]);
  assert.equal(result.layout.version, 5);
  assert.ok(!result.layout.stores.includes('junk'), `stores: ${result.layout.stores}`);
  assert.deepEqual(result.layout.stores.sort(), ['docs', 'index', 'log', 'meta', 'state', 'tail']);
  assert.deepEqual(page.errors, []);
  await context.close();
});
