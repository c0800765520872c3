// Records at IndexedDB speed (issue 15): raw IndexedDB, Dexie and Hearth
// (engine in its Web Worker, the default of open()) side by side in one
// headless Chromium run, on 10,000 records {id, title, done, n, tags}, and
// fresh clients joining spaces that another client wrote through a real
// relay process. Each measurement is one load of records.html?phase=...
// (records-page.js); the systems take turns within each phase. Prints
// medians, the Hearth/raw and Hearth/Dexie ratios against the bars,
// and `uptime` at start and end. Run: make bench-records
//
// Knobs (environment): PHASES (1,2,3,4,5), DOCS (10000: records of phases
// 1 and 3), BATCH (1000), PERSIST_RUNS (3), SAMPLES (500) and WARMUP (20)
// of phase 2, READ_RUNS (5 fresh pages per system), JOIN_DOCS (100000),
// HISTORY_DOCS (5000), HISTORY_ROUNDS (20: writes of each record in the
// history space), HISTORY_RUNS (3 joins of each space), VERIFY (1: reopen
// each 100,000 join offline and count), RELAY_ARGS (more flags for the
// relay, space-separated, e.g. to switch on a feature under test).
// docs/bench-browser.md has the phases, and the results of a run.
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { chromiumFlags, chromiumPath } from '../test/helpers.mjs';
import { Relay } from '../test/relay.mjs';
import { serve } from '../scripts/serve.mjs';
import { workerMemory } from './records-memory.mjs';
import { printJoin, printHistory, printPersist, printRead, printSingle, printWriters } from './records-report.mjs';

const env = process.env;
const knobs = {
  docs: Number(env.DOCS ?? 10_000),
  batch: Number(env.BATCH ?? 1000),
  persistRuns: Number(env.PERSIST_RUNS ?? 3),
  samples: Number(env.SAMPLES ?? 500),
  warmup: Number(env.WARMUP ?? 20),
  readRuns: Number(env.READ_RUNS ?? 5),
  joinDocs: Number(env.JOIN_DOCS ?? 100_000),
  historyDocs: Number(env.HISTORY_DOCS ?? 5000),
  historyRounds: Number(env.HISTORY_ROUNDS ?? 20),
  historyRuns: Number(env.HISTORY_RUNS ?? 3),
  verify: env.VERIFY !== '0',
  relayArgs: (env.RELAY_ARGS ?? '').split(' ').filter(Boolean),
};
const phases = (env.PHASES ?? '1,2,3,4,5').split(',');
const SYSTEMS = ['raw', 'dexie', 'hearth'];
let started = Date.now();
/** Prints how far into the run the phase just printed ended. */
const mark = () => console.log(`(${((Date.now() - started) / 1000).toFixed(0)} s into the run)`);
const uptime = (when) => console.log(`uptime ${when}: ${execFileSync('uptime', { encoding: 'utf8' }).trim()}`);

/** A browser on its own profile directory: fresh, or `dir` again (IndexedDB kept). close() removes a fresh one. */
async function browser(dir) {
  const profile = dir ?? await mkdtemp(join(tmpdir(), 'hearth-records-'));
  const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, args: chromiumFlags, headless: true });
  return { profile, context, close: async () => { await context.close(); if (!dir) await rm(profile, { recursive: true, force: true }); } };
}

/** Loads records.html?query in a new page of `b`; resolves to its result, after `inspect(page, result)` if given. */
async function runPage(b, query, timeout = 600_000, inspect = undefined) {
  const page = await b.context.newPage();
  page.on('pageerror', (err) => console.error(`  [page error] ${err.message}`));
  page.on('console', (msg) => { if (msg.type() === 'error') console.error(`  [console] ${msg.text()}`); });
  try {
    await page.goto(`${server.url}/web/bench/records.html?${new URLSearchParams(query)}`);
    await page.waitForFunction(() => window.benchResult || window.benchError, null, { timeout, polling: 100 });
    const { result, error } = await page.evaluate(() => ({ result: window.benchResult, error: window.benchError }));
    if (error) throw new Error(`records.html?${new URLSearchParams(query)}: ${error}`);
    await inspect?.(page, result);
    return result;
  } finally {
    await page.close();
  }
}

/** `list` rotated by `k`, so that no system always runs first. */
const rotate = (list, k) => list.map((_, i) => list[(i + k) % list.length]);

/** Phases 1–3 on one profile: persist (which leaves the databases phase 3 reads), single puts, fresh-page reads. */
async function localPhases() {
  const dir = await mkdtemp(join(tmpdir(), 'hearth-records-'));
  let b = await browser(dir);
  try {
    const persist = { raw: [], dexie: [], hearth: [] };
    const runs = phases.includes('1') ? knobs.persistRuns : phases.includes('3') ? 1 : 0;
    for (let i = 0; i < runs; i++) {
      for (const system of rotate(SYSTEMS, i)) persist[system].push(await runPage(b, { phase: 'persist', system, docs: knobs.docs, batch: knobs.batch }));
    }
    if (phases.includes('1')) { printPersist(persist, knobs); mark(); }
    if (phases.includes('2')) { printSingle(await runPage(b, { phase: 'single', samples: knobs.samples, warmup: knobs.warmup })); mark(); }
    if (!phases.includes('3')) return;
    // Start the browser again, so the reads do not share the CPU with the
    // back end compacting what was just written; a first page of Hearth
    // creates the empty database that `boot` opens.
    await b.close();
    b = await browser(dir);
    await runPage(b, { phase: 'read', system: 'boot' });
    const reads = { raw: [], dexie: [], hearth: [], boot: [] };
    for (let i = 0; i < knobs.readRuns; i++) {
      for (const system of rotate([...SYSTEMS, 'boot'], i)) reads[system].push(await runPage(b, { phase: 'read', system }));
    }
    printRead(reads, knobs);
    mark();
  } finally {
    await b.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Runs `query` on a fresh profile (inspect as in runPage); closes it after `then(b, result)`. */
async function onFresh(query, then, inspect) {
  const b = await browser();
  try {
    const r = await runPage(b, query, 1_800_000, inspect);
    if (then) await then(b, r);
    return r;
  } finally {
    await b.close();
  }
}

/** Phases 4–5: a writer fills the spaces through a relay process, then fresh clients join them. */
async function joinPhases() {
  const relay = await Relay.create(['-open', ...knobs.relayArgs]);
  await relay.start();
  const space = (s) => `records-${process.pid}-${s}`;
  const url = relay.url;
  try {
    const writes = [];
    if (phases.includes('4')) writes.push({ space: 'big', docs: knobs.joinDocs, rounds: 1 });
    if (phases.includes('5')) writes.push({ space: 'once', docs: knobs.historyDocs, rounds: 1 }, { space: 'history', docs: knobs.historyDocs, rounds: knobs.historyRounds });
    const w = await browser();
    try {
      for (const x of writes) x.result = await runPage(w, { phase: 'write', url, space: space(x.space), docs: x.docs, rounds: x.rounds, batch: knobs.batch }, 1_800_000);
    } finally {
      await w.close();
    }
    printWriters(writes);
    mark();

    if (phases.includes('4')) {
      // Seed 10: the records the writer put in round 0.
      const raw = await onFresh({ phase: 'persist', system: 'raw', db: 'records-join', docs: knobs.joinDocs, batch: knobs.batch, seed: 10 });
      const verify = async (b, r) => { if (knobs.verify) r.reopened = await runPage(b, { phase: 'count' }); };
      const memory = async (page, r) => { r.memory = await workerMemory(page).catch((e) => ({ error: e.message })); };
      const joined = await onFresh({ phase: 'join', url, space: space('big'), docs: knobs.joinDocs }, verify, memory);
      printJoin(raw, joined, knobs);
      mark();
    }
    if (phases.includes('5')) {
      const joins = { once: [], history: [] };
      for (let i = 0; i < knobs.historyRuns; i++) {
        for (const s of rotate(['once', 'history'], i)) joins[s].push(await onFresh({ phase: 'join', url, space: space(s), docs: knobs.historyDocs }));
      }
      printHistory(joins, knobs);
      mark();
    }
  } finally {
    await relay.stop();
    await rm(relay.dataDir, { recursive: true, force: true });
  }
}

const server = await serve({ isolate: true });
uptime('at start');
console.log(`hearthdb records benchmark: headless ${execFileSync(chromiumPath, ['--version'], { encoding: 'utf8' }).trim()}; Hearth in its Web Worker; ` +
  `phases ${phases.join(',')}; ${JSON.stringify(knobs)}`);
started = Date.now();
let failed = false;
try {
  if (['1', '2', '3'].some((p) => phases.includes(p))) await localPhases();
  if (['4', '5'].some((p) => phases.includes(p))) await joinPhases();
} catch (err) {
  failed = true;
  console.error(`benchmark failed: ${err.stack ?? err}`);
} finally {
  await server.close();
}
console.log(`whole run: ${((Date.now() - started) / 1000).toFixed(0)} s`);
uptime('at end');
process.exitCode = failed ? 1 : 0;
