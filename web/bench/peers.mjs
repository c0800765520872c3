// Hearth side by side with Yjs, Loro and Automerge on real editing traces,
// in one headless Chromium (docs/bench-peers.md). Each run is one load of
// peers.html (peers-page.js, bundled into peers.bundle.js by
// `make bench-peers`); the systems take turns within each phase, and every
// phase prints its load average before and after. Run: make bench-peers
//
// Knobs (environment): RUNS (3: runs of each peer per phase, median),
// HEARTH_RUNS (1), HEARTH_BUDGET_S (40: a Hearth run stops there and the
// whole trace is extrapolated; 0 = no limit), HEARTH_EDITS (0 = whole
// trace: most patches a Hearth run applies), HEARTH_MODES
// (awaited,unawaited), RELOAD_RUNS (5), PHASES (1,2,3,4,5; 4 and 5 need 1),
// SYSTEMS (yjs,loro,automerge,hearth), TRACES (the traces' directory,
// ../shared/traces from the repository root). The defaults take 13–16
// minutes on the shared 2-core machine (load average 3–7), Automerge's
// runs and Hearth's budgets most of it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium } from 'playwright-core';
import { chromiumFlags, chromiumPath } from '../test/helpers.mjs';
import { repoRoot, serve } from '../scripts/serve.mjs';
import { phaseBatched, phaseConcurrent, phasePerCall, phaseReload, phaseSizes } from './peers-phases.mjs';

const env = process.env;
const knobs = {
  runs: Number(env.RUNS ?? 3),
  hearthRuns: Number(env.HEARTH_RUNS ?? 1),
  budget: Number(env.HEARTH_BUDGET_S ?? 40),
  edits: Number(env.HEARTH_EDITS ?? 0),
  modes: (env.HEARTH_MODES ?? 'awaited,unawaited').split(','),
  reloadRuns: Number(env.RELOAD_RUNS ?? 5),
  systems: (env.SYSTEMS ?? 'yjs,loro,automerge,hearth').split(','),
};
const phases = (env.PHASES ?? '1,2,3,4,5').split(',');
const traces = resolve(repoRoot, env.TRACES ?? '../shared/traces');
const bundle = join(repoRoot, 'web/bench/peers.bundle.js');
if (!existsSync(bundle)) throw new Error(`${bundle} is missing: run make bench-peers (it bundles peers-page.js with esbuild)`);
if (!existsSync(traces)) throw new Error(`no traces at ${traces}: set TRACES to the directory of automerge-paper.json.gz`);

/**
 * Loads peers.html?query in a new page of the current context and resolves
 * to its result; `timeoutMs` bounds the wait.
 */
async function runPage(ctx, query, timeoutMs) {
  const page = await ctx.context.newPage();
  page.on('pageerror', (err) => console.error(`  [page error] ${err.message}`));
  page.on('console', (msg) => { if (msg.type() === 'error') console.error(`  [console] ${msg.text()}`); });
  try {
    await page.goto(`${ctx.server.url}/web/bench/peers.html?${query}`);
    await page.waitForFunction(() => window.benchResult || window.benchError, null, { timeout: timeoutMs, polling: 250 });
    const { result, error } = await page.evaluate(() => ({ result: window.benchResult, error: window.benchError }));
    if (error) throw new Error(`peers.html?${query}: ${error}`);
    if (!result.isolated) console.error('  [warning] the page is not cross-origin isolated: performance.now() steps by 0.1 ms');
    return result;
  } finally {
    await page.close();
  }
}

// One browser profile for every phase, so that the reload phase finds what
// phase 1 stored (Hearth's database, the peers' snapshots). The traces are
// served under /traces/ from TRACES (outside the served repository).
const profile = await mkdtemp(join(tmpdir(), 'hearth-peers-'));
const server = await serve({ isolate: true }); // cross-origin isolated: a 5 µs clock
const ctx = { server, context: null, run: null, knobs };
async function launch() {
  ctx.context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, args: chromiumFlags, headless: true });
  await ctx.context.route('**/traces/*.json.gz', async (route) => {
    const name = new URL(route.request().url()).pathname.split('/').pop();
    route.fulfill({ status: 200, contentType: 'application/gzip', body: await readFile(join(traces, name)) });
  });
}
ctx.run = (query, timeoutMs) => runPage(ctx, query, timeoutMs);
ctx.relaunch = async () => { await ctx.context.close(); await launch(); };

await launch();
const version = execFileSync(chromiumPath, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(); // Debian's wrapper script warns on stderr
console.log(`hearthdb peers benchmark: headless ${version}; Hearth's engine in its Web Worker; ` +
  `RUNS=${knobs.runs} HEARTH_RUNS=${knobs.hearthRuns} HEARTH_BUDGET_S=${knobs.budget || 'none'} HEARTH_EDITS=${knobs.edits || 'whole trace'}; traces from ${traces}`);
let failed = false;
try {
  const sequential = ['automerge-paper', 'seph-blog1'];
  let perCall = null;
  if (phases.includes('1') || phases.includes('4') || phases.includes('5')) perCall = await phasePerCall(ctx, sequential);
  if (phases.includes('2')) await phaseBatched(ctx, sequential, 1000);
  let concurrent = null;
  if (phases.includes('3')) concurrent = await phaseConcurrent(ctx, 'friendsforever');
  if (phases.includes('4')) phaseSizes(ctx, perCall, concurrent);
  if (phases.includes('5')) await phaseReload(ctx, perCall);
} catch (err) {
  failed = true;
  console.error(`benchmark failed: ${err.stack ?? err}`);
} finally {
  await ctx.context.close();
  await server.close();
  await rm(profile, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
