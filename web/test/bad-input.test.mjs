import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBrowser, blankPage } from './helpers.mjs';

let env;
before(async () => { env = await startBrowser(); });
after(async () => { await env?.stop(); });

// Each case runs in the page and must reject with this Error name and a
// message matching the pattern.
const cases = [
  ['no id', 'c.put({ title: "x" })', 'InvalidArgumentError', /no id field/],
  ['numeric id', 'c.put({ id: 7 })', 'InvalidArgumentError', /id must be a string/],
  ['a string, not an object', 'c.put("hello")', 'InvalidArgumentError', /must be a plain object, got string/],
  ['an array, not an object', 'c.put([1, 2])', 'InvalidArgumentError', /must be a plain object, got an array/],
  ['null', 'c.put(null)', 'InvalidArgumentError', /must be a plain object/],
  ['a function value', 'c.put({ id: "f", run() {} })', 'InvalidArgumentError', /"run" is a function/],
  ['a nested function', 'c.put({ id: "f", a: [{ b: () => 1 }] })', 'InvalidArgumentError', /"a\[0\]\.b" is a function/],
  ['a cyclic object', '(() => { const o = { id: "cyc" }; o.self = o; return c.put(o); })()', 'InvalidArgumentError', /"self" refers back to an enclosing object \(a cycle\)/],
  ['a Date', 'c.put({ id: "d", at: new Date(0) })', 'InvalidArgumentError', /"at" is a Date/],
  ['a symbol', 'c.put({ id: "s", s: Symbol("x") })', 'InvalidArgumentError', /"s" is a symbol/],
  ['a BigInt', 'c.put({ id: "b", n: 10n })', 'InvalidArgumentError', /unsupported JavaScript type/],
  ['NaN', 'c.put({ id: "n", n: NaN })', 'InvalidArgumentError', /invalid number: NaN/],
  ['an empty collection name', 'db.collection("").put({ id: "x" })', 'InvalidArgumentError', /collection name is empty/],
  ['a non-string id to get', 'c.get(42)', 'InvalidArgumentError', /document id must be a string, got number/],
  ['open without a name', 'open({})', 'InvalidArgumentError', /database name must be a string/],
];

for (const worker of [true, false]) {
  test(`bad inputs reject with clear errors and leave committed data intact (${worker ? 'engine in a Worker' : 'engine on the main thread'})`, async () => {
    const context = await env.browser.newContext();
    const page = await blankPage(context, env.server);
    const results = await page.evaluate(async ([cases, worker]) => {
      const { open } = await import('/web/dist/index.js');
      const db = await open({ name: 'bad-input', worker });
      const c = db.collection('todos');
      await c.put({ id: 'keep', title: 'committed before the bad inputs' });
      const out = [];
      for (const [label, expr] of cases) {
        try {
          await eval(expr);
          out.push({ label, resolved: true });
        } catch (err) {
          out.push({ label, isError: err instanceof Error, name: err.name, message: err.message });
        }
      }
      return { out, all: await c.all(), stillWorks: await c.put({ id: 'after' }).then(() => c.get('after')) };
    }, [cases.map(([label, expr]) => [label, expr]), worker]);
    for (const [i, [label, , name, pattern]] of cases.entries()) {
      const r = results.out[i];
      assert.ok(!r.resolved, `${label}: resolved instead of rejecting`);
      assert.ok(r.isError, `${label}: rejected with a non-Error`);
      assert.equal(r.name, name, `${label}: ${r.message}`);
      assert.match(r.message, pattern, label);
    }
    assert.deepEqual(results.all, [{ id: 'keep', title: 'committed before the bad inputs' }]);
    assert.deepEqual(results.stillWorks, { id: 'after' });
    assert.deepEqual(page.errors, []);
    await context.close();
  });
}

test('a closed database rejects with ClosedError', async () => {
  const context = await env.browser.newContext();
  const page = await blankPage(context, env.server);
  const err = await page.evaluate(async () => {
    const { open } = await import('/web/dist/index.js');
    const db = await open({ name: 'closed' });
    await db.close();
    return db.collection('c').all().then(() => null, (e) => ({ name: e.name, message: e.message }));
  });
  assert.equal(err?.name, 'ClosedError');
  assert.match(err.message, /closed/);
  await context.close();
});
