// A page closed in the middle of a burst of un-awaited edits (group commit
// at work, checkpoints of the note's state coming and going) reopens with
// every edit whose Promise had resolved, and no partial state: the text is
// the edits issued, in order, up to some point.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startBrowser, blankPage } from './helpers.mjs';

let env;
before(async () => { env = await startBrowser(); });
after(async () => { await env?.stop(); });

const burst = 20_000;
const letter = (i) => String.fromCharCode(97 + (i % 26));

/** Opens the test database in a new page and returns its note's text. */
async function reopen(context) {
  const page = await blankPage(context, env.server);
  const body = await page.evaluate(async () => {
    const { open } = await import('/web/dist/index.js');
    const db = await open({ name: 'crash-test' });
    return (await db.collection('notes').get('n'))?.body;
  });
  return { page, body };
}

test('a page closed mid-burst reopens with every resolved edit and no partial one', async () => {
  const context = await env.browser.newContext();
  let { page, body } = await reopen(context);
  await page.evaluate(async () => {
    const { open, text } = await import('/web/dist/index.js');
    const db = await open({ name: 'crash-test' });
    await db.collection('notes').put({ id: 'n', body: text('.'.repeat(60_000)) }); // large: its edits go to a tail
  });
  body = '.'.repeat(60_000);
  for (const stopAfter of [300, 1500, 4000]) {
    const resolved = [];
    await page.exposeFunction('resolvedEdit', (i) => { resolved.push(i); });
    await page.evaluate(async (burst) => {
      const { open } = await import('/web/dist/index.js');
      const db = await open({ name: 'crash-test' });
      const notes = db.collection('notes');
      const base = (await notes.get('n')).body.length;
      for (let i = 0; i < burst; i++) {
        notes.insertText('n', 'body', base + i, String.fromCharCode(97 + (i % 26))).then(() => window.resolvedEdit(i));
      }
    }, burst);
    const deadline = Date.now() + 60_000;
    while (resolved.length < stopAfter && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    assert.ok(resolved.length >= stopAfter, `only ${resolved.length} edits resolved in 60 s`);
    await page.close(); // the worker and its IndexedDB transactions in flight go with it
    const last = Math.max(...resolved);
    const before = body;
    ({ page, body } = await reopen(context));
    assert.ok(body.startsWith(before), 'text committed before the burst was lost');
    const added = body.slice(before.length);
    const want = Array.from({ length: added.length }, (_, i) => letter(i)).join('');
    assert.equal(added, want, 'the reopened text is not the burst\'s edits in order up to some point');
    assert.ok(added.length > last, `edit ${last} resolved, but only ${added.length} edits are stored`);
  }
  // The tails were checkpointed along the way: far fewer entries than edits.
  const tailEntries = await page.evaluate(() => new Promise((resolve, reject) => {
    const req = indexedDB.open('hearth:crash-test');
    req.onsuccess = () => {
      const count = req.result.transaction('tail').objectStore('tail').count();
      count.onsuccess = () => { resolve(count.result); req.result.close(); };
      count.onerror = () => reject(count.error);
    };
    req.onerror = () => reject(req.error);
  }));
  assert.ok(tailEntries < (body.length - 60_000) / 4, `${tailEntries} tail entries for ${body.length - 60_000} edits: no checkpoint happened`);
  assert.deepEqual(page.errors, []);
  await context.close();
});
