// The demo's notes: one text typed into from two browsers at once, through
// bindText and a real env.relay. Both end with the same text holding each
// typist's words whole, and a remote edit before a window's caret moves the
// caret along with the text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useDemoRelay } from './relay.mjs';

const env = useDemoRelay();

async function openDemo(hash = '') {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (err) => page.errors.push(err));
  await page.goto(`${env.relay.url}/demo/${hash}`);
  await page.waitForSelector('#sync.synced');
  return { context, page };
}

/** Creates a note in `page` with `body`; returns its id. */
async function newNote(page, title, body) {
  await page.fill('#note-name', title);
  await page.press('#note-name', 'Enter');
  await page.waitForFunction((t) => document.getElementById('note-title').value === t && !document.getElementById('body').readOnly, title);
  await page.type('#body', body);
  return page.evaluate(() => new URLSearchParams(location.hash.slice(1)).get('note'));
}

const value = (page) => page.$eval('#body', (el) => el.value);
const caret = (page) => page.$eval('#body', (el) => [el.selectionStart, el.selectionEnd]);

async function putCaret(page, at) {
  await page.click('#body');
  await page.$eval('#body', (el, at) => el.setSelectionRange(at, at), at);
}

test('notes: two windows typing into one note at once converge, each typist\'s words whole', async () => {
  const one = await openDemo();
  const id = await newNote(one.page, 'Plan', 'one two three');
  const two = await openDemo(`#note=${id}`);
  await two.page.waitForFunction(() => document.getElementById('body').value === 'one two three');

  await putCaret(one.page, 3); // after "one"
  await putCaret(two.page, 13); // at the end
  await Promise.all([
    one.page.keyboard.type(' alpha bravo charlie', { delay: 15 }),
    two.page.keyboard.type(' xray yankee zulu', { delay: 15 }),
  ]);
  const want = 'one alpha bravo charlie two three xray yankee zulu';
  await one.page.waitForFunction((w) => document.getElementById('body').value === w, want, { timeout: 10000 })
    .catch(async () => assert.fail(`window 1 shows ${JSON.stringify(await value(one.page))}, window 2 ${JSON.stringify(await value(two.page))}`));
  await two.page.waitForFunction((w) => document.getElementById('body').value === w, want, { timeout: 10000 });
  // Each caret is still right after what its typist typed.
  assert.deepEqual(await caret(one.page), [23, 23]);
  assert.deepEqual(await caret(two.page), [want.length, want.length]);
  // A reload shows what was stored.
  await two.page.reload();
  await two.page.waitForFunction((w) => document.getElementById('body').value === w, want);
  assert.deepEqual([...one.page.errors, ...two.page.errors], []);
  await one.context.close();
  await two.context.close();
});

test('notes: a remote insert before the caret moves it by the inserted length; one after it does not', async () => {
  const one = await openDemo();
  const id = await newNote(one.page, 'Caret', 'hello world');
  const two = await openDemo(`#note=${id}`);
  await two.page.waitForFunction(() => document.getElementById('body').value === 'hello world');

  await putCaret(one.page, 6); // before "world"
  await putCaret(two.page, 0);
  await two.page.keyboard.type('Hey, ');
  await one.page.waitForFunction(() => document.getElementById('body').value === 'Hey, hello world');
  assert.deepEqual(await caret(one.page), [11, 11]);

  // A selection moves as a whole.
  await one.page.$eval('#body', (el) => el.setSelectionRange(11, 16)); // "world"
  await putCaret(two.page, 5);
  await two.page.keyboard.type('oh ');
  await one.page.waitForFunction(() => document.getElementById('body').value === 'Hey, oh hello world');
  assert.deepEqual(await caret(one.page), [14, 19]);
  assert.equal(await one.page.$eval('#body', (el) => el.value.slice(el.selectionStart, el.selectionEnd)), 'world');

  // After the caret: it stays.
  await one.page.$eval('#body', (el) => el.setSelectionRange(8, 8)); // before "hello"
  await putCaret(two.page, 19);
  await two.page.keyboard.type('!');
  await one.page.waitForFunction(() => document.getElementById('body').value === 'Hey, oh hello world!');
  assert.deepEqual(await caret(one.page), [8, 8]);

  // And typing goes where the caret is.
  await one.page.keyboard.type('big ');
  await two.page.waitForFunction(() => document.getElementById('body').value === 'Hey, oh big hello world!');
  assert.deepEqual([...one.page.errors, ...two.page.errors], []);
  await one.context.close();
  await two.context.close();
});

test('notes: two tabs of one browser share the note through IndexedDB, one typing after the other', async () => {
  const one = await openDemo();
  const id = await newNote(one.page, 'Tabs', 'first tab');
  const tab2 = await one.context.newPage();
  tab2.errors = [];
  tab2.on('pageerror', (err) => tab2.errors.push(err));
  await tab2.goto(`${env.relay.url}/demo/#note=${id}`);
  await tab2.waitForFunction(() => document.getElementById('body').value === 'first tab');
  await putCaret(one.page, 9);
  await putCaret(tab2, 0);
  await tab2.keyboard.type('then the second, after the ');
  await one.page.waitForFunction(() => document.getElementById('body').value === 'then the second, after the first tab');
  assert.deepEqual(await caret(one.page), [36, 36]);
  await one.page.keyboard.type('.');
  await tab2.waitForFunction(() => document.getElementById('body').value === 'then the second, after the first tab.');
  assert.deepEqual([...one.page.errors, ...tab2.errors], []);
  await one.context.close();
});

test('notes: two tabs of one browser typing into one note at once converge, each typist\'s words whole', async () => {
  const one = await openDemo();
  const id = await newNote(one.page, 'Tabs at once', 'one two three');
  const tab2 = await one.context.newPage();
  tab2.errors = [];
  tab2.on('pageerror', (err) => tab2.errors.push(err));
  await tab2.goto(`${env.relay.url}/demo/#note=${id}`);
  await tab2.waitForFunction(() => document.getElementById('body').value === 'one two three');
  await putCaret(one.page, 3); // after "one"
  await putCaret(tab2, 13); // at the end
  await Promise.all([
    one.page.keyboard.type(' alpha bravo charlie', { delay: 15 }),
    tab2.keyboard.type(' xray yankee zulu', { delay: 15 }),
  ]);
  const want = 'one alpha bravo charlie two three xray yankee zulu';
  for (const page of [one.page, tab2]) {
    await page.waitForFunction((w) => document.getElementById('body').value === w, want, { timeout: 10000 })
      .catch(async () => assert.fail(`tab 1 shows ${JSON.stringify(await value(one.page))}, tab 2 ${JSON.stringify(await value(tab2))}`));
  }
  assert.deepEqual([...one.page.errors, ...tab2.errors], []);
  await one.context.close();
});
