// Runs the usage example of README.md, unchanged, in a page where the bare
// specifier 'hearthdb' maps to the built package, and checks that every
// console.log prints what its trailing comment says.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { startBrowser } from './helpers.mjs';
import { repoRoot } from '../scripts/serve.mjs';

let env;
before(async () => { env = await startBrowser(); });
after(async () => { await env?.stop(); });

async function readmeExample() {
  const readme = await readFile(`${repoRoot}/README.md`, 'utf8');
  const m = readme.match(/<!-- usage-example -->\s*```js\n([\s\S]*?)```/);
  assert.ok(m, 'README.md has a ```js block after <!-- usage-example -->');
  return m[1];
}

test('the README usage example runs and prints what it says', async () => {
  const code = await readmeExample();
  const expected = [...code.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => new Function(`return (${m[1]})`)());
  assert.ok(expected.length >= 1, 'the example logs something to check');
  const context = await env.browser.newContext();
  const page = await context.newPage();
  const logs = [];
  const errors = [];
  page.on('console', async (msg) => { if (msg.type() === 'log') logs.push(msg.args()[0].jsonValue()); });
  page.on('pageerror', (err) => errors.push(err));
  await page.goto(`${env.server.url}/web/test/importmap.html`);
  await page.addScriptTag({ type: 'module', content: `${code}\nwindow.exampleDone = true;` });
  await page.waitForFunction(() => window.exampleDone === true || undefined, null, { timeout: 15000 }).catch(() => {});
  assert.deepEqual(errors, []);
  assert.deepEqual(await Promise.all(logs), expected);
  await context.close();
});
