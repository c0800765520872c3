// Operations cross from JS to the Go engine as one JSON text (engine.js
// encodeOps, jsbridge/jsonin.go). These tests pin what that path must keep
// from the value-by-value conversion it replaced: every value reads back
// exactly (numbers bit for bit, and -0 as 0, as syscall/js made it; strings
// with escapes, control characters and lone surrogates; markers), and bad
// input is refused with the same paths and messages. Both with the engine in
// its Worker and on the page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBrowser, blankPage } from './helpers.mjs';

let env;
before(async () => { env = await startBrowser(); });
after(async () => { await env?.stop(); });

const JSON_LIKE = 'only JSON-like values (objects, arrays, strings, numbers, booleans, null) can be stored: invalid argument';

// [label, expression (c is a collection), the exact message]; with the
// engine in a Worker, functions and symbols are refused in the page
// (structured cloning cannot carry them), without the ": invalid argument"
// suffix, so only the message's start is compared for those.
const refusals = [
  ['a function', 'c.put({ id: "x", a: { run() {} } })', `value at "a.run" is a function; ${JSON_LIKE}`],
  ['a symbol in an array', 'c.put({ id: "x", l: [1, [2, Symbol("s")]] })', `value at "l[1][1]" is a symbol; ${JSON_LIKE}`],
  ['a BigInt', 'c.put({ id: "x", n: { m: 1n } })', 'value at "n.m": unsupported JavaScript type (a BigInt?): invalid argument'],
  ['a cycle', '(() => { const o = { id: "x", k: [{}] }; o.k[0].back = o; return c.put(o); })()', 'value at "k[0].back" refers back to an enclosing object (a cycle); documents must be trees: invalid argument'],
  ['a Map', 'c.put({ id: "x", m: new Map() })', 'value at "m" is a Map; only plain objects and arrays can be stored: invalid argument'],
  ['a Date at the top', 'c.put(new Date(0))', 'value at the top level is a Date; only plain objects and arrays can be stored: invalid argument'],
  ['a key that needs quoting', 'c.put({ id: "x", "say \\"hi\\"\\n": { "é\\u00a0": new Uint8Array(1) } })', 'value at "say \\"hi\\"\\n.é\\u00a0" is a Uint8Array; only plain objects and arrays can be stored: invalid argument'],
  ['nesting past 64 levels', 'c.put((() => { let o = { end: true }; for (let i = 0; i < 64; i++) o = { a: o }; return { id: "x", ...o }; })())', `value at "${Array(64).fill('a').join('.')}" is nested deeper than 64 levels: invalid argument`],
  ['a bad value in update', 'c.update("keep", { tags: [() => 1] })', `value at "tags[0]" is a function; ${JSON_LIKE}`],
  ['a BigInt delta', 'c.increment("keep", "n", 2n)', 'value at the top level: unsupported JavaScript type (a BigInt?): invalid argument'],
  ['NaN', 'c.put({ id: "x", n: NaN })', /invalid number: NaN/],
  ['Infinity', 'c.put({ id: "x", n: [-Infinity] })', /invalid number: -Inf/],
  ['a NaN delta', 'c.increment("keep", "n", NaN)', /delta must be an integer, got NaN/],
  ['a fractional counter', 'c.put({ id: "x", n: counter(1.5) })', /counter marker's value must be an integer/],
];

// Values that must read back exactly as written.
const roundTrip = `({
  id: 'exact',
  ints: [0, 1, -1, 42, 1700000000000, 999999999999999, 1e15, 2 ** 53, 2 ** 53 + 2, -(2 ** 60)],
  floats: [0.1, 0.1 + 0.2, -1.5e-7, 1e21, 1.7976931348623157e308, 5e-324, 2.2250738585072014e-308, 1234.56, 1 / 3],
  negZero: -0,
  strings: ['', 'plain', 'quote " backslash \\\\ slash /', 'tab\\tnl\\ncr\\r\\b\\f', '\\u0000\\u0001\\u001f\\u007f', 'é 中文 😀 \\u2028\\u2029', 'lone \\ud800 high', 'lone \\udc00 low', 'pair \\ud83d\\ude00 ok'],
  nested: { a: [[], {}, [null, true, false]], 'key with.dot': { '': 'empty key' }, "k\\"ey": 1 },
  dropped: undefined,
  holes: [1, undefined, 3],
  proto: Object.create(null),
})`;
// What the engine gives back for roundTrip, built in the page.
const expectedBack = `((doc) => {
  const out = structuredClone(doc);
  delete out.dropped;
  out.holes = [1, null, 3];
  out.proto = {};
  out.strings = out.strings.map((s) => s.toWellFormed()); // UTF-8 has no lone surrogates: U+FFFD
  return out;
})`;

for (const worker of [true, false]) {
  const where = worker ? 'engine in a Worker' : 'engine on the page';

  test(`values cross into the engine exactly (${where})`, async () => {
    const context = await env.browser.newContext();
    const page = await blankPage(context, env.server);
    const got = await page.evaluate(async ([worker, roundTrip, expectedBack]) => {
      const { open, text, counter, deleteField } = await import('/web/dist/index.js');
      const db = await open({ name: 'ops-json', worker });
      const c = db.collection('c');
      const doc = eval(roundTrip);
      await c.put(doc);
      const back = await c.get('exact');
      await c.put({ id: 'm', body: text('Hello'), likes: counter(2), gone: 1, keep: { x: 1 } });
      await c.update('m', { gone: deleteField(), keep: { y: 2 } });
      await c.increment('m', 'likes', 3);
      await c.insertText('m', 'body', 5, ' 😀 world', { base: 'Hello' });
      await db.transact((tx) => { for (let i = 0; i < 300; i++) tx.collection('bulk').put({ id: `b${i}`, i, s: `v${i}` }); });
      const bulk = await db.collection('bulk').all();
      const result = {
        // JSON text keeps lone surrogates escaped on the way to Node.
        back: JSON.stringify(back), want: JSON.stringify(eval(expectedBack)(doc)),
        negZero: Object.is(back.negZero, 0), marked: await c.get('m'),
        bulk: bulk.length === 300 && bulk.every((d) => d.s === `v${d.i}` && d.id === `b${d.i}`),
      };
      await db.close();
      return result;
    }, [worker, roundTrip, expectedBack]);
    assert.deepEqual(JSON.parse(got.back), JSON.parse(got.want));
    assert.ok(got.negZero, '-0 reads back as 0, as before');
    assert.deepEqual(got.marked, { id: 'm', body: 'Hello 😀 world', likes: 5, keep: { x: 1, y: 2 } });
    assert.ok(got.bulk, 'a 300-op transaction reads back');
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  test(`commits of one task cross together and each settles on its own (${where})`, async () => {
    const context = await env.browser.newContext();
    const page = await blankPage(context, env.server);
    const out = await page.evaluate(async (worker) => {
      const { open } = await import('/web/dist/index.js');
      const db = await open({ name: 'ops-batch', worker });
      const c = db.collection('c');
      const before = await db.storageStats(); // a new database stored its replica id
      const calls = [
        c.put({ id: 'n1', 'k\ny': 'line\nbreak', nested: { 'a\nb': ['\n'] } }),
        c.put({ id: 'n2', n: NaN }),
        c.update('missing', { x: 1 }),
        c.put({ id: 'n3', s: 'x' }),
      ];
      const read = c.get('n3'); // issued after the puts: it sees them
      const settled = (await Promise.allSettled(calls)).map((r) => (r.status === 'fulfilled' ? 'ok' : r.reason.name));
      const result = { settled, read: await read, all: await c.all(), commits: (await db.storageStats()).commits - before.commits };
      await db.close();
      return result;
    }, worker);
    assert.deepEqual(out.settled, ['ok', 'InvalidArgumentError', 'NotFoundError', 'ok']);
    assert.deepEqual(out.read, { id: 'n3', s: 'x' });
    assert.deepEqual(out.all, [{ id: 'n1', 'k\ny': 'line\nbreak', nested: { 'a\nb': ['\n'] } }, { id: 'n3', s: 'x' }]);
    assert.equal(out.commits, 1, `the two stored commits took ${out.commits} IndexedDB transactions`);
    assert.deepEqual(page.errors, []);
    await context.close();
  });

  test(`bad values are refused with their path, nothing is stored (${where})`, async () => {
    const context = await env.browser.newContext();
    const page = await blankPage(context, env.server);
    const cases = [...refusals, ...(worker ? [] : [
      // Structured cloning (the Worker path) makes class instances plain objects before the engine sees them.
      ['a class instance', 'c.put({ id: "x", p: new (class Point { constructor() { this.x = 1; } })() })', 'value at "p" is a Point; only plain objects and arrays can be stored: invalid argument'],
    ])];
    const out = await page.evaluate(async ([worker, cases]) => {
      const { open, counter } = await import('/web/dist/index.js');
      const db = await open({ name: 'ops-json-bad', worker });
      const c = db.collection('c');
      await c.put({ id: 'keep', n: 1 });
      const results = [];
      for (const [, expr] of cases) {
        try {
          await eval(expr);
          results.push({ resolved: true });
        } catch (err) {
          results.push({ name: err.name, message: err.message });
        }
      }
      const all = await c.all();
      await db.close();
      return { results, all };
    }, [worker, cases.map(([label, expr]) => [label, expr])]);
    for (const [i, [label, , want]] of cases.entries()) {
      const r = out.results[i];
      assert.equal(r.name, 'InvalidArgumentError', `${label}: ${JSON.stringify(r)}`);
      if (want instanceof RegExp) assert.match(r.message, want, label);
      else if (worker && /is a (function|symbol);/.test(want)) assert.ok(want.startsWith(r.message), `${label}: ${r.message}`);
      else assert.equal(r.message, want, label);
    }
    assert.deepEqual(out.all, [{ id: 'keep', n: 1 }]);
    assert.deepEqual(page.errors, []);
    await context.close();
  });
}
