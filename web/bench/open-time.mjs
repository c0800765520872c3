// Browser benchmark of the walking skeleton: the package's size and the time
// from page load to open() resolving in headless Chromium. Run: make bench-browser
import { readFile } from 'node:fs/promises';
import { gzipSync } from 'node:zlib';
import { startBrowser } from '../test/helpers.mjs';
import { repoRoot } from '../scripts/serve.mjs';

const runs = Number(process.env.RUNS ?? 15);

async function sizes() {
  const wasm = await readFile(`${repoRoot}/web/dist/hearth.wasm`);
  const glue = Buffer.concat(await Promise.all(['index.js', 'proxy.js', 'ops.js', 'rows.js', 'worker.js', 'engine.js', 'wasm_exec.js'].map((f) => readFile(`${repoRoot}/web/dist/${f}`))));
  const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
  console.log(`hearth.wasm: ${kib(wasm.length)} raw, ${kib(gzipSync(wasm, { level: 9 }).length)} gzip -9`);
  console.log(`JS glue (all .js of the package, unminified): ${kib(glue.length)} raw, ${kib(gzipSync(glue, { level: 9 }).length)} gzip -9`);
}

async function openTimes() {
  const env = await startBrowser();
  const times = [];
  try {
    for (let i = 0; i < runs; i++) {
      const context = await env.browser.newContext(); // cold: no cache, no compiled module
      const page = await context.newPage();
      await page.goto(`${env.server.url}/web/bench/open.html`);
      times.push(await page.waitForFunction(() => window.openMs).then((h) => h.jsonValue()));
      await context.close();
    }
  } finally {
    await env.stop();
  }
  times.sort((a, b) => a - b);
  const pct = (p) => times[Math.min(times.length - 1, Math.floor(p * times.length))].toFixed(0);
  console.log(`page load -> open() resolved, ${runs} cold loads: median ${pct(0.5)} ms, min ${times[0].toFixed(0)} ms, p90 ${pct(0.9)} ms`);
}

await sizes();
await openTimes();
