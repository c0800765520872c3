// The phases of the peers benchmark (peers.mjs): each runs its page loads,
// the systems taking turns run after run, and prints a markdown table with
// the load average before and after. `ctx` holds run(query, timeoutMs),
// relaunch() and the knobs.
import { bytes, bytesPerEdit, count, grouped, load, median, ms, perOp, ratio, signed, table, wholeTrace } from './peers-report.mjs';

const NAMES = { yjs: 'Yjs', loro: 'Loro', automerge: 'Automerge', hearth: 'Hearth' };
const PEER_TIMEOUT = 900_000;
const RELOAD_TRACE = 'automerge-paper'; // whose documents the reload phase opens

const peersOf = (ctx) => ctx.knobs.systems.filter((s) => s !== 'hearth');
const hasHearth = (ctx) => ctx.knobs.systems.includes('hearth');
const hearthTimeout = (ctx) => (ctx.knobs.budget > 0 ? (ctx.knobs.budget + 600) * 1000 : 4 * 3600_000);
const hearthQuery = (ctx) => `budget=${ctx.knobs.budget}&edits=${ctx.knobs.edits}`;

/** Runs `runOnce(run)` for every system in turn, RUNS times (HEARTH_RUNS for Hearth); resolves to { system: [result, ...] }. */
async function interleaved(ctx, systems, runOnce) {
  const results = Object.fromEntries(systems.map((s) => [s, []]));
  const rounds = Math.max(ctx.knobs.runs, ctx.knobs.hearthRuns);
  for (let run = 0; run < rounds; run++) {
    for (const s of systems) {
      if (run < (s.startsWith('hearth') ? ctx.knobs.hearthRuns : ctx.knobs.runs)) results[s].push(await runOnce(s, run));
    }
  }
  return results;
}

/** The whole-trace time of Hearth's runs (median), and whether it was extrapolated. */
function hearthTime(runs) {
  const whole = runs.map(wholeTrace);
  return { ms: median(whole.map((w) => w.ms)), extrapolated: whole.some((w) => w.extrapolated) };
}

/** A text check's cell. */
const textCell = (runs) => {
  if (runs.every((r) => r.textOk === true)) return 'yes';
  if (runs.some((r) => r.textOk === false)) return '**NO**';
  const r = runs.at(-1);
  return `not checked: ${count(r.edits)} of ${count(r.total)} edits done`;
};

/** The rows of a phase's table: the peers, then Hearth's modes, with Hearth ÷ peer ratios. */
function printTable(ctx, edits, peers, hearth) {
  const hearthCols = Object.keys(hearth);
  const times = Object.fromEntries(hearthCols.map((m) => [m, hearthTime(hearth[m])]));
  const rows = Object.entries(peers).map(([s, runs]) => {
    const t = median(runs.map((r) => r.ms));
    return [NAMES[s], ms(t), perOp(t, edits), runs.map((r) => ms(r.ms)).join(', '), textCell(runs),
      ...hearthCols.map((m) => `${ratio(times[m].ms, t)}${times[m].extrapolated ? ' (extrap.)' : ''}`)];
  });
  for (const m of hearthCols) {
    const { ms: t, extrapolated } = times[m];
    const done = hearth[m].map((r) => (r.edits < r.total ? `${count(r.edits)} edits in ${ms(r.ms)}` : ms(r.ms)));
    rows.push([`Hearth, ${m}`, `${ms(t)}${extrapolated ? ' **extrapolated**' : ''}`, perOp(t, edits), done.join(', '), textCell(hearth[m]), ...hearthCols.map(() => '')]);
  }
  table(['system', 'whole trace', 'per patch', 'runs', 'text = endContent', ...hearthCols.map((m) => `Hearth ${m} ÷ this`)], rows);
  if (Object.values(times).some((t) => t.extrapolated)) {
    console.log(`(extrapolated: a Hearth run stopped at HEARTH_BUDGET_S=${ctx.knobs.budget || 'none'} or HEARTH_EDITS=${ctx.knobs.edits || 'all'}; ` +
      'the rest of the trace is priced at the rate of its last 10,000 edits: a floor if the cost per edit keeps growing with the text)');
  }
}

/** Phase 1: one transaction per patch. Resolves to { trace: { peers, hearth } } for phases 4 and 5. */
export async function phasePerCall(ctx, traces) {
  const out = {};
  for (const trace of traces) {
    console.log(`\n## Phase 1: one edit per call, ${trace}`);
    load('at start');
    const modes = hasHearth(ctx) ? ctx.knobs.modes.map((m) => `hearth-${m}`) : [];
    const res = await interleaved(ctx, [...peersOf(ctx), ...modes], (s) => {
      if (s.startsWith('hearth-')) {
        const mode = s.slice(7);
        return ctx.run(`phase=percall&system=hearth&trace=${trace}&mode=${mode}&db=peers-${trace}-${mode}&${hearthQuery(ctx)}`, hearthTimeout(ctx));
      }
      return ctx.run(`phase=percall&system=${s}&trace=${trace}${trace === RELOAD_TRACE ? '&store=1' : ''}`, PEER_TIMEOUT);
    });
    load('at end');
    const peers = Object.fromEntries(peersOf(ctx).map((s) => [s, res[s]]));
    const hearth = Object.fromEntries(modes.map((m) => [m.slice(7), res[m]]));
    const edits = Object.values(res)[0][0].total ?? Object.values(res)[0][0].edits;
    printTable(ctx, edits, peers, hearth);
    printHearthDetails(hearth, peers);
    out[trace] = { peers, hearth };
  }
  return out;
}

/** Latency, bytes written and storage of phase 1's Hearth runs. */
function printHearthDetails(hearth, peers) {
  for (const [mode, runs] of Object.entries(hearth)) {
    const r = runs.at(-1);
    if (r.latency) {
      const l = r.latency;
      // Under 20,000 edits the two sets of 10,000 overlap: the sets of 1,000 show the trend.
      const few = r.edits < 20_000 ? ` (only ${count(r.edits)} edits done; first 1,000 ${ms(l.first1kP50)}, last 1,000 ${ms(l.last1kP50)})` : '';
      console.log(`Hearth ${mode}: per-patch latency p50 ${ms(l.p50)}, p99 ${ms(l.p99)}; p50 of the first 10,000 ${ms(l.first10kP50)}, of the last 10,000 done ${ms(l.last10kP50)}${few}`);
    }
    console.log(`Hearth ${mode}: IndexedDB bytes written: ${bytesPerEdit(r)}`);
    const yjs = peers.yjs?.at(-1)?.bytes;
    const stores = Object.entries(r.stored.stores).map(([name, st]) => `${name} ${count(st.records)} records ${bytes(st.bytes)}`).join(', ');
    console.log(`Hearth ${mode}: after ${count(r.edits)} of ${count(r.total)} edits its IndexedDB database holds ${count(r.stored.records)} records, ${bytes(r.stored.bytes)} of keys and values (${stores}); ` +
      `navigator.storage.estimate() usage ${bytes(r.usageAfter)} for the origin, ${signed(r.usageAfter - r.usageBefore)} over the run; ` +
      `Hearth has no snapshot-export API, so for reference: Yjs's Y.encodeStateAsUpdate of the whole trace ${bytes(yjs)}`);
  }
}

/** Phase 2: `batch` patches per transaction. */
export async function phaseBatched(ctx, traces, batch) {
  for (const trace of traces) {
    console.log(`\n## Phase 2: ${count(batch)} edits per transaction, ${trace}`);
    load('at start');
    const systems = [...peersOf(ctx), ...(hasHearth(ctx) ? ['hearth'] : [])];
    const res = await interleaved(ctx, systems, (s) => (s === 'hearth'
      ? ctx.run(`phase=batched&system=hearth&trace=${trace}&batch=${batch}&db=peers-${trace}-batched&${hearthQuery(ctx)}`, hearthTimeout(ctx))
      : ctx.run(`phase=batched&system=${s}&trace=${trace}&batch=${batch}`, PEER_TIMEOUT)));
    load('at end');
    const peers = Object.fromEntries(peersOf(ctx).map((s) => [s, res[s]]));
    const hearth = res.hearth ? { transact: res.hearth } : {};
    printTable(ctx, Object.values(res)[0][0].total ?? Object.values(res)[0][0].edits, peers, hearth);
    if (res.hearth) {
      const r = res.hearth.at(-1);
      console.log(`Hearth transact: one db.transact of ${count(batch)} edits p50 ${ms(r.txP50)}, the last one ${ms(r.txLast)}; IndexedDB bytes written: ${bytesPerEdit(r)}`);
    }
  }
}

/** Phase 3: the concurrent trace, one document per agent, merged. */
export async function phaseConcurrent(ctx, trace) {
  console.log(`\n## Phase 3: ${trace} replayed from its agents' documents, then merged`);
  load('at start');
  const res = await interleaved(ctx, peersOf(ctx), (s) => ctx.run(`phase=concurrent&system=${s}&trace=${trace}`, PEER_TIMEOUT));
  // Once more with the agents' replica ids in the other order: a CRDT's
  // merged text must not depend on it (Yjs's does, on this trace).
  const reversed = {};
  for (const s of peersOf(ctx)) reversed[s] = await ctx.run(`phase=concurrent&system=${s}&trace=${trace}&actors=reversed`, PEER_TIMEOUT);
  load('at end');
  const diff = (r) => (r.textOk ? 'yes' : `**NO**: differs from character ${count(r.firstDiff)}`);
  const rows = Object.entries(res).map(([s, runs]) => {
    const t = median(runs.map((r) => r.ms));
    return [NAMES[s], ms(t), perOp(t, runs[0].txns), runs.map((r) => ms(r.ms)).join(', '), ms(median(runs.map((r) => r.mergeMs))), textCell(runs), diff(reversed[s])];
  });
  if (hasHearth(ctx)) rows.push(['Hearth', 'n/a: needs a relay', '', '', '', '', '']);
  table(['system', 'total', 'per txn', 'runs', 'final merge', 'text = endContent', 'the same, agents\' ids reversed (one run)'], rows);
  console.log('(agent i replicates as id i + 1: Yjs clientID, Loro peer id, Automerge actor 0101…; the last column replays once with agent i as numAgents − i)');
  const first = Object.values(res)[0]?.[0];
  if (first) console.log(`(${count(first.txns)} transactions, ${count(first.merges)} of them merge the other agent's edits first)`);
  return res;
}

/** [mode, last run] of the Hearth mode that got furthest through the trace, or []. */
function furthest(hearth) {
  return Object.entries(hearth).map(([m, runs]) => [m, runs.at(-1)]).sort((a, b) => b[1].edits - a[1].edits)[0] ?? [];
}

/** Phase 4: encoded sizes, from phases 1 and 3. */
export function phaseSizes(ctx, perCall, concurrent) {
  console.log('\n## Phase 4: encoded size of the final document');
  const peers = peersOf(ctx);
  const rows = Object.entries(perCall).map(([trace, { peers: p, hearth }]) => {
    const h = furthest(hearth)[1];
    const hCell = h ? `${bytes(h.stored.bytes)} in IndexedDB${h.edits < h.total ? ` after only ${count(h.edits)} of ${count(h.total)} edits` : ''}, ` +
      `${grouped(h.stored.bytes / h.edits, 1)} B per edit (usage estimate ${signed(h.usageAfter - h.usageBefore)})` : '';
    return [trace, ...peers.map((s) => bytes(p[s].at(-1).bytes)), ...(hasHearth(ctx) ? [hCell] : [])];
  });
  if (concurrent) rows.push(['friendsforever (merged)', ...peers.map((s) => bytes(concurrent[s].at(-1).bytes)), ...(hasHearth(ctx) ? ['n/a'] : [])]);
  table(['trace', ...peers.map((s) => NAMES[s]), ...(hasHearth(ctx) ? ['Hearth'] : [])], rows);
  console.log('(Yjs: Y.encodeStateAsUpdate; Loro: export({mode: "snapshot"}); Automerge: save(); all three hold the whole history. ' +
    'Hearth has no API that exports an encoding: its cell is the bytes of keys and values in its IndexedDB database after the phase-1 run that got furthest (every store: documents, change log, metadata), ' +
    'and in brackets how much navigator.storage.estimate() grew over the run, which covers the whole origin and follows the browser\'s compactions)');
}

/**
 * Phase 5: a fresh page's load of the final document, RELOAD_RUNS pages per
 * system, in a browser started again. Hearth opens two databases: phase 1's
 * that got furthest through the trace (its editing history, but not the
 * whole text when the budget stopped it), and one holding the final text
 * put at once (the whole text, one change).
 */
export async function phaseReload(ctx, perCall) {
  console.log(`\n## Phase 5: reload to text ready (${RELOAD_TRACE}, fresh pages, the browser started again)`);
  const hearth = hasHearth(ctx) ? perCall[RELOAD_TRACE]?.hearth ?? {} : {};
  const [mode, best] = furthest(hearth);
  const dbs = {};
  if (best) dbs['hearth-trace'] = `peers-${RELOAD_TRACE}-${mode}`;
  if (hasHearth(ctx)) {
    dbs['hearth-final'] = `peers-${RELOAD_TRACE}-final`;
    await ctx.run(`phase=seed&system=hearth&trace=${RELOAD_TRACE}&db=${dbs['hearth-final']}`, PEER_TIMEOUT);
  }
  await ctx.relaunch();
  const blank = await ctx.context.newPage();
  await blank.goto(`${ctx.server.url}/web/test/blank.html`); // the origin's storage opened before the clocked pages
  load('at start');
  const systems = [...peersOf(ctx), ...Object.keys(dbs)];
  const res = Object.fromEntries(systems.map((s) => [s, []]));
  for (let i = 0; i < ctx.knobs.reloadRuns; i++) {
    for (const s of systems) {
      const query = dbs[s] ? `system=hearth&db=${dbs[s]}` : `system=${s}`;
      res[s].push(await ctx.run(`phase=reload&${query}`, PEER_TIMEOUT));
    }
  }
  load('at end');
  await blank.close();
  const label = {
    ...NAMES,
    'hearth-trace': `Hearth, phase 1's ${mode} database${best && best.edits < best.total ? ` (${count(best.edits)} of ${count(best.total)} edits)` : ''}`,
    'hearth-final': 'Hearth, endContent put at once (one change)',
  };
  const hearthCols = Object.keys(dbs);
  const hearthMs = Object.fromEntries(hearthCols.map((s) => [s, median(res[s].map((r) => r.ms))]));
  const rows = systems.map((s) => {
    const runs = res[s];
    const t = median(runs.map((r) => r.ms));
    const parts = dbs[s]
      ? `open() ${ms(median(runs.map((r) => r.openMs)))}, get() ${ms(median(runs.map((r) => r.getMs)))}`
      : `WebAssembly start ${ms(median(runs.map((r) => r.initMs)))}, IndexedDB read ${ms(median(runs.map((r) => r.readMs)))}, load + text ${ms(median(runs.map((r) => r.loadMs)))}`;
    return [label[s], ms(t), runs.map((r) => ms(r.ms)).join(', '), parts, count(runs[0].textLength), ...hearthCols.map((h) => (dbs[s] ? '' : ratio(hearthMs[h], t)))];
  });
  table(['system', 'median', 'runs', 'of which (medians)', 'text length', ...hearthCols.map((h) => `${label[h].split(' (')[0]} ÷ this`)], rows);
  console.log('(peers: their phase-1 snapshot, stored as one IndexedDB record of bytes, read back and loaded; the clock starts before their WebAssembly is initialised. ' +
    'Hearth: open() → collection(\'notes\').get(\'n\'); the module is imported before the clock starts, and open() includes the engine\'s WebAssembly start in its Worker)');
}
