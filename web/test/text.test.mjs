// web/src/text.js: textSplices() on its own, and bindText() against a
// simulated engine whose messages travel with random delays (in order, as a
// worker's do), so that remote edits race the binding's own writes; then
// bindText() in real Chromium on a textarea and a contenteditable element.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { textSplices, bindText } from '../src/text.js';
import { startBrowser, blankPage } from './helpers.mjs';

function applySplices(text, splices) {
  for (const s of splices) text = text.slice(0, s.index) + s.insert + text.slice(s.index + s.delete);
  return text;
}

// A seeded random source, so a failure replays.
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13; x >>>= 0; x ^= x >> 17; x ^= x << 5; x >>>= 0;
    return x / 2 ** 32;
  };
}

test('textSplices: minimal single splice in UTF-16 code units', () => {
  assert.deepEqual(textSplices('hello', 'hello'), []);
  assert.deepEqual(textSplices('', 'abc'), [{ index: 0, delete: 0, insert: 'abc' }]);
  assert.deepEqual(textSplices('hello world', 'hello brave world'), [{ index: 6, delete: 0, insert: 'brave ' }]);
  assert.deepEqual(textSplices('hello world', 'hello'), [{ index: 5, delete: 6, insert: '' }]);
  assert.deepEqual(textSplices('abcdef', 'abXYef'), [{ index: 2, delete: 2, insert: 'XY' }]);
  // Two separate edits come out as one wider splice.
  assert.deepEqual(textSplices('one two three', 'One two threE'), [{ index: 0, delete: 13, insert: 'One two threE' }]);
  assert.deepEqual(textSplices('a😀b', 'a😀😀b'), [{ index: 3, delete: 0, insert: '😀' }]);
  assert.equal('😀'.length, 2);
});

test('textSplices: never splits a surrogate pair', () => {
  // 😀 (D83D DE00) and 😃 (D83D DE03) share their high surrogate.
  assert.deepEqual(textSplices('x😀y', 'x😃y'), [{ index: 1, delete: 2, insert: '😃' }]);
  // 𝄞 (D834 DD1E) and 󄄞 (DB10 DD1E) share their low surrogate.
  assert.deepEqual(textSplices('x𝄞y', 'x\u{F411E}y'), [{ index: 1, delete: 2, insert: '\u{F411E}' }]);
  const random = rng(7);
  const alphabet = ['a', 'b', '😀', '😃', '𝄞', '\u{F411E}', 'é'];
  const word = () => Array.from({ length: Math.floor(random() * 6) }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
  const whole = (s, i) => !(i > 0 && i < s.length && /[\uD800-\uDBFF]/.test(s[i - 1]) && /[\uDC00-\uDFFF]/.test(s[i]));
  for (let n = 0; n < 3000; n++) {
    const before = word();
    const after = word();
    const splices = textSplices(before, after);
    assert.equal(applySplices(before, splices), after, JSON.stringify({ before, after }));
    for (const s of splices) {
      assert.ok(whole(before, s.index) && whole(before, s.index + s.delete), JSON.stringify({ before, after, s }));
      assert.ok(s.insert === '' || !/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(s.insert), JSON.stringify({ before, after, s }));
    }
  }
});

// --- bindText against a simulated engine -------------------------------

/** Delivers functions one after the other, each after a random delay. */
class Channel {
  #tail = Promise.resolve();
  constructor(random, maxDelay) { this.random = random; this.maxDelay = maxDelay; }
  push(fn) {
    this.#tail = this.#tail.then(() => new Promise((r) => setTimeout(r, Math.floor(this.random() * this.maxDelay)))).then(fn);
  }
  drain() { return this.#tail; }
}

/**
 * One text, with insertText/deleteText applied literally at the index
 * given, as Hearth's engine does; every change notifies every subscriber.
 */
class FakeEngine {
  text = '';
  subs = new Set();
  exec(ops) {
    let t = this.text;
    for (const op of ops) {
      if (op.index < 0 || op.index > t.length) throw Object.assign(new Error(`index ${op.index} out of range`), { name: 'InvalidArgumentError' });
      t = op.kind === 'insertText' ? t.slice(0, op.index) + op.text + t.slice(op.index) : t.slice(0, op.index) + t.slice(op.index + op.count);
    }
    if (t === this.text) return;
    this.text = t;
    for (const s of this.subs) s(t);
  }
}

/** A page's view of the engine: calls and answers travel through channels. */
function fakeDB(engine, random, maxDelay = 1) {
  const toWorker = new Channel(random, maxDelay);
  const toPage = new Channel(random, maxDelay);
  return {
    toWorker, toPage,
    commits: 0,
    doc(collection, id) {
      return {
        subscribe(cb) {
          let live = true;
          const sub = (t) => toPage.push(() => { if (live) cb({ id, body: t }); });
          toWorker.push(() => { engine.subs.add(sub); sub(engine.text); });
          return () => { live = false; engine.subs.delete(sub); };
        },
      };
    },
    transact(fn) {
      this.commits++;
      const ops = [];
      const c = {
        insertText: (id, path, index, text) => ops.push({ kind: 'insertText', index, text }),
        deleteText: (id, path, index, count) => ops.push({ kind: 'deleteText', index, count }),
      };
      fn({ collection: () => c });
      return new Promise((resolve, reject) => toWorker.push(() => {
        // The answer may trail the echo: other notifications can come
        // between, as they do from Hearth's worker.
        let answer;
        try {
          engine.exec(ops);
          answer = resolve;
        } catch (err) {
          answer = () => reject(err);
        }
        setTimeout(() => toPage.push(answer), Math.floor(random() * 2 * maxDelay));
      }));
    },
  };
}

/** Just enough of a <textarea> for bindText. */
class FakeTextarea {
  value = '';
  selectionStart = 0;
  selectionEnd = 0;
  selectionDirection = 'none';
  readOnly = false;
  scrollTop = 0;
  scrollLeft = 0;
  #listeners = [];
  addEventListener(type, fn) { if (type === 'input') this.#listeners.push(fn); }
  removeEventListener(type, fn) { this.#listeners = this.#listeners.filter((f) => f !== fn); }
  setSelectionRange(start, end, direction) { this.selectionStart = start; this.selectionEnd = end; this.selectionDirection = direction; }
  type(s) {
    const v = this.value;
    this.value = v.slice(0, this.selectionStart) + s + v.slice(this.selectionEnd);
    this.selectionStart = this.selectionEnd = this.selectionStart + s.length;
    for (const fn of this.#listeners) fn();
  }
  backspace() {
    if (this.selectionStart === 0) return;
    const v = this.value;
    const at = this.selectionStart - 1;
    this.value = v.slice(0, at) + v.slice(at + 1);
    this.selectionStart = this.selectionEnd = at;
    for (const fn of this.#listeners) fn();
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function settle(engine, ...dbs) {
  for (let i = 0; i < 50; i++) {
    await Promise.all(dbs.flatMap((d) => [d.toWorker.drain(), d.toPage.drain()]));
    await sleep(5);
    if (dbs.every((d) => d.el.value === engine.text)) return;
  }
}

test('bindText: two typists racing a third writer keep their words whole and converge', async () => {
  for (let seed = 1; seed <= 12; seed++) {
    const random = rng(seed);
    const engine = new FakeEngine();
    engine.text = 'start|middle|end';
    const a = fakeDB(engine, random);
    const b = fakeDB(engine, random);
    a.el = new FakeTextarea();
    b.el = new FakeTextarea();
    const stops = [bindText(a.el, a, 'notes', 'n1', 'body'), bindText(b.el, b, 'notes', 'n1', 'body')];
    await settle(engine, a, b);
    assert.equal(a.el.value, engine.text);
    a.el.setSelectionRange(5, 5); // after "start"
    b.el.setSelectionRange(engine.text.length, engine.text.length); // at the end
    const wordA = ' alpha bravo charlie';
    const wordB = ' xray yankee zulu';
    const n = Math.max(wordA.length, wordB.length);
    for (let i = 0; i < n; i++) {
      if (i < wordA.length) a.el.type(wordA[i]);
      if (random() < 0.1) engine.exec([{ kind: 'insertText', index: 0, text: '#' }]); // a third writer, far away
      await sleep(4 + Math.floor(random() * 12));
      if (i < wordB.length) b.el.type(wordB[i]);
      await sleep(4 + Math.floor(random() * 12));
    }
    await settle(engine, a, b);
    assert.equal(a.el.value, engine.text, `seed ${seed}`);
    assert.equal(b.el.value, engine.text, `seed ${seed}`);
    const plain = engine.text.replace(/^#*/, '');
    assert.equal(plain, `start${wordA}|middle|end${wordB}`, `seed ${seed}: ${engine.text}`);
    // Each caret is still right after its own typing.
    assert.equal(engine.text.slice(0, a.el.selectionStart).endsWith(wordA), true, `seed ${seed}`);
    assert.equal(b.el.selectionStart, engine.text.length, `seed ${seed}`);
    stops.forEach((s) => s());
  }
});

test('bindText: deletions and insertions from two sides converge to the same text', async () => {
  for (let seed = 100; seed < 110; seed++) {
    const random = rng(seed);
    const engine = new FakeEngine();
    engine.text = 'The quick brown fox jumps over the lazy dog.';
    const clients = [fakeDB(engine, random), fakeDB(engine, random)];
    for (const c of clients) { c.el = new FakeTextarea(); c.stop = bindText(c.el, c, 'notes', 'n1', 'body'); }
    await settle(engine, ...clients);
    for (let i = 0; i < 60; i++) {
      const c = clients[Math.floor(random() * 2)];
      const pos = Math.floor(random() * (c.el.value.length + 1));
      c.el.setSelectionRange(pos, pos);
      if (random() < 0.3) c.el.backspace();
      else c.el.type('xyz😀'[Math.floor(random() * 3)]);
      if (random() < 0.3) await sleep(Math.floor(random() * 4));
    }
    await settle(engine, ...clients);
    for (const c of clients) assert.equal(c.el.value, engine.text, `seed ${seed}`);
    clients.forEach((c) => c.stop());
  }
});

test('bindText: under heavy contention the windows still converge', async () => {
  for (let seed = 200; seed < 206; seed++) {
    const random = rng(seed);
    const engine = new FakeEngine();
    engine.text = 'start|middle|end';
    const clients = [fakeDB(engine, random, 4), fakeDB(engine, random, 4)];
    for (const c of clients) { c.el = new FakeTextarea(); c.stop = bindText(c.el, c, 'notes', 'n1', 'body'); }
    await settle(engine, ...clients);
    clients[0].el.setSelectionRange(5, 5);
    clients[1].el.setSelectionRange(16, 16);
    for (let i = 0; i < 30; i++) {
      clients[i % 2].el.type('abc'[i % 3]);
      if (random() < 0.5) engine.exec([{ kind: 'insertText', index: 0, text: '#' }]);
      await sleep(Math.floor(random() * 3));
    }
    await settle(engine, ...clients);
    for (const c of clients) assert.equal(c.el.value, engine.text, `seed ${seed}`);
    clients.forEach((c) => c.stop());
  }
});

test('bindText: a remote insert before the caret moves it; one after does not', async () => {
  const random = rng(3);
  const engine = new FakeEngine();
  engine.text = 'hello world';
  const a = fakeDB(engine, random, 1);
  a.el = new FakeTextarea();
  const stop = bindText(a.el, a, 'notes', 'n1', 'body');
  await settle(engine, a);
  a.el.setSelectionRange(6, 8); // "wo" selected
  engine.exec([{ kind: 'insertText', index: 0, text: 'Oh, ' }]);
  await settle(engine, a);
  assert.equal(a.el.value, 'Oh, hello world');
  assert.deepEqual([a.el.selectionStart, a.el.selectionEnd], [10, 12]);
  engine.exec([{ kind: 'insertText', index: 15, text: '!' }]);
  await settle(engine, a);
  assert.deepEqual([a.el.selectionStart, a.el.selectionEnd], [10, 12]);
  engine.exec([{ kind: 'deleteText', index: 0, count: 4 }]);
  await settle(engine, a);
  assert.equal(a.el.value, 'hello world!');
  assert.deepEqual([a.el.selectionStart, a.el.selectionEnd], [6, 8]);
  // unbind: no more writes either way
  stop();
  engine.exec([{ kind: 'insertText', index: 0, text: '>' }]);
  a.el.type('Z');
  await settle(engine, a);
  assert.equal(engine.text, '>hello world!');
  assert.equal(a.commits, 0);
});

test('bindText: read-only until the document and its text exist', async () => {
  const random = rng(5);
  const engine = new FakeEngine();
  const db = fakeDB(engine, random, 1);
  const el = new FakeTextarea();
  const real = db.doc;
  db.doc = (c, id) => ({ subscribe: (cb) => real.call(db, c, id).subscribe((doc) => cb(undefined)) });
  const stop = bindText(el, db, 'notes', 'missing', 'body');
  assert.equal(el.readOnly, true);
  await Promise.all([db.toWorker.drain(), db.toPage.drain()]);
  assert.equal(el.readOnly, true);
  stop();
  assert.equal(el.readOnly, false);
});

// --- in Chromium, with the real engine ---------------------------------

let env;
before(async () => { env = await startBrowser(); });
after(async () => { await env?.stop(); });

test('bindText in Chromium: typing becomes text edits, a textarea and a contenteditable stay in step', async () => {
  const context = await env.browser.newContext();
  const page = await blankPage(context, env.server);
  await page.evaluate(async () => {
    document.body.innerHTML = '<textarea id="ta"></textarea><div id="ce" contenteditable="plaintext-only" style="white-space: pre-wrap"></div>';
    const { open, text } = await import('/web/dist/index.js');
    const { bindText } = await import('/web/dist/text.js');
    const db = await open({ name: `text-${Math.random()}` });
    await db.collection('notes').put({ id: 'n1', body: text('héllo 😀 world') });
    window.db = db;
    window.unbind = [
      bindText(document.getElementById('ta'), db, 'notes', 'n1', 'body'),
      bindText(document.getElementById('ce'), db, 'notes', 'n1', 'body'),
    ];
  });
  const body = () => page.evaluate(() => db.collection('notes').get('n1').then((d) => d.body));
  await page.waitForFunction(() => document.getElementById('ta').value === 'héllo 😀 world');
  await page.click('#ta');
  await page.evaluate(() => document.getElementById('ta').setSelectionRange(8, 8)); // after the emoji
  await page.keyboard.type(' big');
  await page.keyboard.press('Backspace');
  await page.waitForFunction(() => document.getElementById('ce').textContent === 'héllo 😀 bi world');
  assert.equal(await body(), 'héllo 😀 bi world');
  // The contenteditable: the caret after "héllo", type there.
  await page.click('#ce');
  await page.evaluate(() => {
    const n = document.getElementById('ce').firstChild;
    getSelection().setBaseAndExtent(n, 5, n, 5);
  });
  await page.keyboard.type(', you');
  await page.waitForFunction(() => document.getElementById('ta').value === 'héllo, you 😀 bi world');
  assert.equal(await body(), 'héllo, you 😀 bi world');
  // The textarea's caret moved along with the text typed before it.
  assert.equal(await page.evaluate(() => document.getElementById('ta').selectionStart), 16);
  await page.evaluate(() => unbind.forEach((u) => u()));
  assert.deepEqual(page.errors, []);
  await context.close();
});
