import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBrowser, blankPage } from './helpers.mjs';

let env;
before(async () => { env = await startBrowser(); });
after(async () => { await env?.stop(); });

// A subscription's rows cross as changes only: a row unchanged since the
// previous call comes back as the same (frozen) object, the array is new
// and the caller's, and the rows always equal a fresh query's.
for (const worker of [true, false]) {
  test(`subscription rows keep identity and always equal a fresh query (${worker ? 'engine in a Worker' : 'engine on the main thread'})`, async () => {
    const context = await env.browser.newContext();
    const page = await blankPage(context, env.server);
    const out = await page.evaluate(async (worker) => {
      const { open } = await import('/web/dist/index.js');
      const db = await open({ name: 'rows', worker });
      const items = db.collection('items');
      await db.transact((tx) => { for (let i = 0; i < 30; i++) tx.collection('items').put({ id: `i${i}`, n: i, tag: i % 3 }); });
      const q = db.query('items').where('tag', '!=', 2).orderBy('n', 'desc').limit(8);
      const calls = [];
      let wake;
      q.subscribe((rows) => { calls.push(rows); wake?.(); });
      const next = (count) => new Promise((resolve) => {
        if (calls.length >= count) resolve();
        else wake = () => { if (calls.length >= count) { wake = undefined; resolve(); } };
      });
      await next(1);
      const first = calls[0];
      first.sort((a, b) => a.n - b.n); // the caller's to reorder

      await items.update('i28', { n: 100 }); // one row changes and moves to the top
      await next(2);
      const second = calls[1];
      const kept = second.filter((r) => r.id !== 'i28').every((r) => first.includes(r));
      const frozen = second.every((r) => Object.isFrozen(r));
      let threw = false;
      try { (() => { 'use strict'; second[0].n = -1; })(); } catch { threw = true; }

      // Random writes: after each, the last call equals a fresh query.
      let seed = 7;
      const rnd = (n) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
      let mismatches = 0;
      for (let step = 0; step < 150; step++) {
        const id = `i${rnd(40)}`;
        const before = calls.length;
        const kind = rnd(4);
        if (kind === 0) await items.delete(id);
        else if (kind === 1) await items.put({ id, n: rnd(200), tag: rnd(3) });
        else await items.update(id, { n: rnd(200) }).catch(() => items.put({ id, n: rnd(200), tag: 0 }));
        const fresh = await q.get();
        if (calls.length > before) {
          const last = calls[calls.length - 1];
          if (JSON.stringify(last) !== JSON.stringify(fresh)) mismatches++;
        } else if (JSON.stringify(calls[calls.length - 1]) !== JSON.stringify(fresh)) mismatches++;
      }
      await db.close();
      return { second: second.map((r) => r.id), top: second[0], kept, frozen, threw, newArray: first !== second, mismatches, calls: calls.length };
    }, worker);
    assert.equal(out.second[0], 'i28');
    assert.equal(out.top.n, 100, 'a frozen row cannot be changed');
    assert.ok(out.kept, 'unchanged rows are the objects of the previous call');
    assert.ok(out.frozen && out.threw, 'rows are frozen');
    assert.ok(out.newArray);
    assert.equal(out.mismatches, 0, `calls: ${out.calls}`);
    assert.deepEqual(page.errors, []);
    await context.close();
  });
}
