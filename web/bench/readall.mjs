// Issue 15's read benchmark, minimal: "fresh page, open + read all 10,000"
// against raw IndexedDB getAll and Hearth's engine boot measured alone.
// Fills 10,000 {id, title, done, n, tags} documents through Hearth (and the
// same objects into a raw IndexedDB store) once, then, on fresh pages of
// one browser profile, RUNS times in turn: open() of an empty database
// (boot), raw getAll, Hearth open() + query('items').get() of all, and
// open() + the first call of an unordered limit(20) subscription. Prints
// medians and the issue's ratio. Run: make build && node web/bench/readall.mjs
// Knobs: DOCS (10000), RUNS (5).
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { chromiumFlags, chromiumPath } from '../test/helpers.mjs';
import { serve } from '../scripts/serve.mjs';

const docs = Number(process.env.DOCS ?? 10_000);
const runs = Number(process.env.RUNS ?? 5);
const median = (v) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const ms = (x) => `${x.toFixed(0)} ms`;

// CPU time (user + system, ms) of the browser's processes so far, from
// /proc (Linux): on a machine shared with other work, wall times follow its
// load, CPU times much less.
async function browserCPU() {
  let ticks = 0;
  for (const pid of await readdir('/proc').catch(() => [])) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (!(await readFile(`/proc/${pid}/cmdline`, 'utf8')).includes(profile)) continue;
      const f = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
      ticks += Number(f[11]) + Number(f[12]); // utime, stime
    } catch {
      // the process ended
    }
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

async function phase(context, server, query) {
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error(`  [page error] ${err.message}`));
  try {
    const cpu = await browserCPU();
    await page.goto(`${server.url}/web/bench/readall.html?${query}&docs=${docs}`);
    await page.waitForFunction(() => window.benchResult || window.benchError, null, { timeout: 600_000, polling: 50 });
    const { result, error } = await page.evaluate(() => ({ result: window.benchResult, error: window.benchError }));
    if (error) throw new Error(`phase ${query}: ${error}`);
    return { ...result, cpu: (await browserCPU()) - cpu };
  } finally {
    await page.close();
  }
}

const profile = await mkdtemp(join(tmpdir(), 'hearth-readall-'));
const server = await serve({ isolate: true });
const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, args: chromiumFlags, headless: true });
let failed = false;
try {
  const t = Date.now();
  await phase(context, server, 'phase=fill');
  console.log(`filled ${docs} documents through Hearth and raw IndexedDB in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  const r = { boot: [], raw: [], hearth: [], open: [], query: [], first: [], firstQuery: [] };
  const cpu = { boot: [], raw: [], hearth: [], first: [] };
  for (let i = 0; i < runs; i++) {
    const b = await phase(context, server, `phase=boot&run=${i}`);
    r.boot.push(b.ms);
    cpu.boot.push(b.cpu);
    const raw = await phase(context, server, 'phase=raw');
    if (raw.rows !== docs) throw new Error(`raw getAll read ${raw.rows} rows`);
    r.raw.push(raw.ms);
    cpu.raw.push(raw.cpu);
    const h = await phase(context, server, 'phase=hearth');
    if (!h.ok) throw new Error(`Hearth read ${h.rows} rows, not the ${docs} written`);
    r.hearth.push(h.ms);
    r.open.push(h.openMs);
    r.query.push(h.queryMs);
    cpu.hearth.push(h.cpu);
    const f = await phase(context, server, 'phase=first');
    if (!f.ok) throw new Error(`the limit(20) subscription's first call had ${f.rows} rows`);
    r.first.push(f.ms);
    r.firstQuery.push(f.queryMs);
    cpu.first.push(f.cpu);
  }
  const [boot, raw, hearth] = [median(r.boot), median(r.raw), median(r.hearth)];
  console.log(`fresh page, ${runs} runs, medians: engine boot (open() of an empty db) ${ms(boot)}; raw getAll ${ms(raw)}; ` +
    `Hearth open + query('items').get() ${ms(hearth)} (open ${ms(median(r.open))}, query ${ms(median(r.query))}); ` +
    `open + first call of limit(20).subscribe ${ms(median(r.first))} (after open ${ms(median(r.firstQuery))})`);
  console.log(`  runs: boot ${r.boot.map(ms).join(', ')}; raw ${r.raw.map(ms).join(', ')}; hearth ${r.hearth.map(ms).join(', ')}`);
  console.log(`  browser CPU per page (all its processes, page load included), medians: boot ${ms(median(cpu.boot))}; raw ${ms(median(cpu.raw))}; ` +
    `hearth ${ms(median(cpu.hearth))}; first ${ms(median(cpu.first))}; load average ${(await readFile('/proc/loadavg', 'utf8')).split(' ')[0]}`);
  const a = await phase(context, server, `phase=again&repeat=${runs * 2}`);
  const min = (v) => Math.min(...v);
  console.log(`one page, the engine up, the collection dropped by close() each time, ${runs * 2} times: open() + get() min ${ms(min(a.hearthMs))} (median ${ms(median(a.hearthMs))}); ` +
    `raw open + getAll min ${ms(min(a.rawMs))} (median ${ms(median(a.rawMs))})`);
  const target = 1.5 * raw + boot;
  console.log(`Hearth / (raw getAll + boot) = ${(hearth / (raw + boot)).toFixed(2)}; target Hearth <= 1.5 x raw + boot = ${ms(target)}: ${hearth <= target ? 'MET' : `MISSED by ${ms(hearth - target)}`}`);
} catch (err) {
  failed = true;
  console.error(`benchmark failed: ${err.stack ?? err}`);
} finally {
  await context.close();
  await server.close();
  await rm(profile, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
