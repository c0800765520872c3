// Profiles the engine's Web Worker during one phase of readall.html (CDP
// Profiler on the worker target) and prints the functions by self and
// total time. Build an unstripped engine first, for Go's function names:
//   GOOS=js GOARCH=wasm go build -trimpath -o web/dist/hearth.wasm ./wasm
// Run: node web/bench/readall-profile.mjs [phase] (hearth; PROFILE_OUT=file
// keeps the .cpuprofile for DevTools). The database is filled first.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { chromiumFlags, chromiumPath } from '../test/helpers.mjs';
import { serve } from '../scripts/serve.mjs';

const which = process.argv[2] ?? 'hearth';
const docs = Number(process.env.DOCS ?? 10_000);

async function load(page, server, query) {
  await page.goto(`${server.url}/web/bench/readall.html?${query}&docs=${docs}`);
  await page.waitForFunction(() => window.benchResult || window.benchError, null, { timeout: 600_000, polling: 50 });
  const { result, error } = await page.evaluate(() => ({ result: window.benchResult, error: window.benchError }));
  if (error) throw new Error(error);
  return result;
}

/** Attaches to the page's workers (paused at start) and starts the profiler in each. */
async function profileWorkers(session) {
  let next = 0;
  const calls = new Map();
  const workers = [];
  const send = (sessionId, method, params = {}) => new Promise((resolve, reject) => {
    const id = ++next;
    calls.set(id, { resolve, reject });
    session.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch(reject);
  });
  session.on('Target.receivedMessageFromTarget', ({ message }) => {
    const m = JSON.parse(message);
    const c = calls.get(m.id);
    if (!c) return;
    calls.delete(m.id);
    if (m.error) c.reject(new Error(m.error.message));
    else c.resolve(m.result);
  });
  session.on('Target.attachedToTarget', async ({ sessionId, targetInfo }) => {
    if (targetInfo.type !== 'worker') return;
    await send(sessionId, 'Profiler.enable');
    await send(sessionId, 'Profiler.setSamplingInterval', { interval: 200 });
    await send(sessionId, 'Profiler.start');
    workers.push(sessionId);
    await send(sessionId, 'Runtime.runIfWaitingForDebugger');
  });
  await session.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: false });
  return { stop: () => Promise.all(workers.map((s) => send(s, 'Profiler.stop').then((r) => r.profile))) };
}

function report(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map();
  const total = new Map();
  const dt = profile.timeDeltas;
  const name = (n) => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url ? n.callFrame.url.split('/').pop() : ''}`.trim();
  let sum = 0;
  profile.samples.forEach((id, i) => {
    const d = (dt[i + 1] ?? 0) / 1000;
    sum += d;
    const n = byId.get(id);
    self.set(name(n), (self.get(name(n)) ?? 0) + d);
    const seen = new Set();
    for (let x = id; x !== undefined; x = parent.get(x)) {
      const k = name(byId.get(x));
      if (!seen.has(k)) { seen.add(k); total.set(k, (total.get(k) ?? 0) + d); }
    }
  });
  const top = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, v]) => `  ${v.toFixed(1).padStart(8)} ms  ${k}`).join('\n');
  console.log(`sampled ${sum.toFixed(0)} ms\nby self time:\n${top(self, 45)}\nby total time:\n${top(total, 70)}`);
}

const profileDir = await mkdtemp(join(tmpdir(), 'hearth-readall-prof-'));
const server = await serve({ isolate: true });
const context = await chromium.launchPersistentContext(profileDir, { executablePath: chromiumPath, args: chromiumFlags, headless: true });
try {
  const fill = await context.newPage();
  await load(fill, server, 'phase=fill');
  await fill.close();
  const page = await context.newPage();
  const session = await context.newCDPSession(page);
  const prof = await profileWorkers(session);
  console.log(JSON.stringify(await load(page, server, `phase=${which}`)));
  const [profile] = await prof.stop();
  if (process.env.PROFILE_OUT) await writeFile(process.env.PROFILE_OUT, JSON.stringify(profile));
  report(profile);
} finally {
  await context.close();
  await server.close();
  await rm(profileDir, { recursive: true, force: true });
}
