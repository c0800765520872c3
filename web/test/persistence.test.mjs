import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBrowser, blankPage } from './helpers.mjs';

let env;
before(async () => { env = await startBrowser(); });
after(async () => { await env?.stop(); });

test('three documents survive a page reload', async () => {
  const context = await env.browser.newContext();
  const page = await blankPage(context, env.server);
  await page.evaluate(async () => {
    const { open } = await import('/web/dist/index.js');
    const db = await open({ name: 'reload-test' });
    const todos = db.collection('todos');
    await todos.put({ id: 'a', title: 'first', done: false, n: 1 });
    await todos.put({ id: 'b', title: 'second', done: true, tags: ['x', 'y'] });
    await todos.put({ id: 'c', title: 'third', nested: { deep: { ok: true } } });
  });
  await page.reload();
  const after = await page.evaluate(async () => {
    const { open } = await import('/web/dist/index.js');
    const db = await open({ name: 'reload-test' });
    const todos = db.collection('todos');
    return { all: await todos.all(), b: await todos.get('b'), missing: await todos.get('zzz') };
  });
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

test('delete removes a document across reloads, and other databases are separate', async () => {
  const context = await env.browser.newContext();
  const page = await blankPage(context, env.server);
  await page.evaluate(async () => {
    const { open } = await import('/web/dist/index.js');
    const db = await open({ name: 'delete-test' });
    const other = await open({ name: 'delete-test-other' });
    await db.collection('c').put({ id: '1' });
    await db.collection('c').put({ id: '2' });
    await other.collection('c').put({ id: 'elsewhere' });
    await db.collection('c').delete('1');
    await db.close();
  });
  await page.reload();
  const ids = await page.evaluate(async () => {
    const { open } = await import('/web/dist/index.js');
    const db = await open({ name: 'delete-test' });
    return (await db.collection('c').all()).map((d) => d.id);
  });
  assert.deepEqual(ids, ['2']);
  await context.close();
});
