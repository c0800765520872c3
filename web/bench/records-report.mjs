// What the records benchmark (records.mjs) prints: per phase, a markdown
// table of medians with the issue's bar for each Hearth ratio, so the
// output pastes into docs/bench-browser.md as it is.
import { grouped, median, ms, ratio, table } from './peers-report.mjs';

/** The `p` quantile (0..1) of `values`. */
function pct(values, p) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

const rate = (x) => `${grouped(x)} docs/s`;
const seconds = (x) => `${(x / 1000).toFixed(2)} s`;
/** "MET" or "MISSED" for `ok`, with the bar. */
const verdict = (ok, bar) => `${ok ? 'MET' : 'MISSED'} (${bar})`;

/** Phase 1: docs/s of each system, median over the runs. */
export function printPersist(runs, k) {
  const med = Object.fromEntries(Object.entries(runs).map(([s, rs]) => [s, median(rs.map((r) => r.docsPerSec))]));
  console.log(`\n## 1. persist ${grouped(k.docs)} records in transactions of ${grouped(k.batch)}, fresh database each (median of ${runs.raw.length})`);
  table(['system', 'docs/s (median)', 'runs'], [
    ['raw IndexedDB (one put each)', rate(med.raw), runs.raw.map((r) => grouped(r.docsPerSec)).join(', ')],
    ['Dexie bulkPut', rate(med.dexie), runs.dexie.map((r) => grouped(r.docsPerSec)).join(', ')],
    ['Hearth db.transact', rate(med.hearth), runs.hearth.map((r) => grouped(r.docsPerSec)).join(', ')],
  ]);
  console.log(`Hearth/raw ${ratio(med.hearth, med.raw)} — ${verdict(med.hearth >= 0.7 * med.raw, '≥ 0.7×')}; ` +
    `Hearth/Dexie ${ratio(med.hearth, med.dexie)} — ${verdict(med.hearth > med.dexie, '> 1×')}`);
}

/** Phase 2: one awaited durable put at a time. */
export function printSingle(r) {
  const rows = {};
  for (const [s, t] of Object.entries(r.times)) rows[s] = { p50: pct(t, 0.5), p99: pct(t, 0.99), rate: t.length / (t.reduce((a, b) => a + b, 0) / 1000) };
  console.log(`\n## 2. one awaited durable put at a time (${r.samples} samples each after ${r.warmup} warm-up, systems interleaved)`);
  table(['system', 'p50', 'p99', 'docs/s'], [
    ['raw IndexedDB (one readwrite transaction, awaited complete)', ms(rows.raw.p50), ms(rows.raw.p99), rate(rows.raw.rate)],
    ['Dexie put', ms(rows.dexie.p50), ms(rows.dexie.p99), rate(rows.dexie.rate)],
    ['Hearth collection.put', ms(rows.hearth.p50), ms(rows.hearth.p99), rate(rows.hearth.rate)],
  ]);
  console.log(`Hearth/raw ${ratio(rows.hearth.rate, rows.raw.rate)} (docs/s) — ${verdict(rows.hearth.rate >= 0.5 * rows.raw.rate, '≥ 0.5×')}; ` +
    `Hearth/Dexie ${ratio(rows.hearth.rate, rows.dexie.rate)}`);
}

/** Phase 3: open + read everything on a fresh page; Hearth's boot alone. */
export function printRead(reads, k) {
  const med = (s, f) => median(reads[s].map((r) => r[f]));
  const bad = Object.entries(reads).filter(([s, rs]) => s !== 'boot' && rs.some((r) => r.count !== k.docs));
  if (bad.length) console.log(`WARNING: read counts differ from ${k.docs}: ${bad.map(([s, rs]) => `${s} ${rs.map((r) => r.count)}`).join('; ')}`);
  console.log(`\n## 3. fresh page: open + read all ${grouped(k.docs)} records (median of ${reads.raw.length} pages each)`);
  table(['system', 'open + read (median)', 'open', 'read', 'runs'], [
    ['raw IndexedDB getAll', 'raw'], ['Dexie toArray', 'dexie'], ['Hearth open() + query().get()', 'hearth'], ['Hearth boot: open() of an empty database', 'boot'],
  ].map(([label, s]) => [label, ms(med(s, 'ms')), ms(med(s, 'openMs')), ms(med(s, 'readMs')), reads[s].map((r) => ms(r.ms)).join(', ')]));
  const [raw, boot, hearth] = [med('raw', 'ms'), med('boot', 'ms'), med('hearth', 'ms')];
  const bar = 1.5 * raw + boot;
  console.log(`Hearth/raw ${ratio(hearth, raw)}; Hearth/Dexie ${ratio(hearth, med('dexie', 'ms'))}; Hearth/(raw + boot) ${ratio(hearth, raw + boot)}; ` +
    `bar 1.5 × raw + boot = ${ms(bar)}: Hearth ${ms(hearth)} — ${verdict(hearth <= bar, '≤ 1.5× raw getAll + boot')}`);
}

/** The writer's side of phases 4–5 (Hearth writes, pushed to the relay). */
export function printWriters(writes) {
  if (!writes.length) return;
  console.log('\n## writer: spaces filled through Hearth, synced to the relay (not a bar; context for the joins)');
  table(['space', 'records × writes each', 'written (all durable locally)', 'relay acknowledged all', 'writes/s'], writes.map((w) => [
    w.space, `${grouped(w.docs)} × ${w.rounds}`, seconds(w.result.writtenMs), seconds(w.result.syncedMs), rate(w.result.writes / (w.result.writtenMs / 1000)),
  ]));
}

/** Phase 4: joining the big space, beside raw IndexedDB putting as many records. */
export function printJoin(raw, j, k) {
  const mib = (n) => `${grouped(n / 2 ** 20, 1)} MiB`;
  const heap = j.memory?.wasmBytes ? `${mib(j.memory.wasmBytes)} WebAssembly memory (Go's heap; it never shrinks) + ${mib(j.memory.jsUsedBytes)} JS heap` : `n/a ${JSON.stringify(j.memory)}`;
  console.log(`\n## 4. joining a space of ${grouped(k.joinDocs)} records written by another client (fresh profile, relay on 127.0.0.1)`);
  table(['measure', 'value'], [
    [`raw IndexedDB puts the same ${grouped(k.joinDocs)} records (transactions of ${grouped(k.batch)})`, `${seconds(raw.ms)} (${rate(raw.docsPerSec)})`],
    ['Hearth connect() → first non-empty result of query(records).limit(20)', ms(j.firstMs)],
    ['Hearth connect() → sync state "synced" (all received and durable)', `${seconds(j.syncedMs)} (${rate(k.joinDocs / (j.syncedMs / 1000))})`],
    ['records in the joined database (query, then reopened offline)', `${grouped(j.count)}${j.reopened ? `, ${grouped(j.reopened.count)} after reopening (open + count ${seconds(j.reopened.ms)})` : ''}`],
    ['worker memory afterwards (CDP, worker target)', heap],
  ]);
  if (j.late) console.log('NOTE: sync said "synced" before every record was there; the time above runs to the complete count');
  if (j.count !== k.joinDocs || (j.reopened && j.reopened.count !== k.joinDocs)) console.log(`WARNING: the joined database holds ${j.count} records, not ${k.joinDocs}`);
  console.log(`first result ${ms(j.firstMs)} — ${verdict(j.firstMs <= 1000, '≤ 1 s')}; ` +
    `Hearth join/raw ${ratio(j.syncedMs, raw.ms)} — ${verdict(j.syncedMs <= 3 * raw.ms, '≤ 3×')}`);
}

/** Phase 5: joining a space of 20× history vs the same records written once. */
export function printHistory(joins, k) {
  const med = (s, f) => median(joins[s].map((r) => r[f]));
  if (Object.values(joins).flat().some((r) => r.late)) console.log('NOTE: some joins said "synced" before every record was there; their times run to the complete count');
  const bad = Object.values(joins).flat().filter((r) => r.count !== k.historyDocs);
  if (bad.length) console.log(`WARNING: ${bad.length} joins hold a count other than ${k.historyDocs}: ${bad.map((r) => r.count)}`);
  console.log(`\n## 5. joining ${grouped(k.historyDocs)} records written once vs ${k.historyRounds} times each (fresh profile each, median of ${joins.once.length})`);
  table(['space', 'connect() → synced (median)', 'first result (median)', 'runs'], ['once', 'history'].map((s) => [
    s === 'once' ? 'each record written once' : `each record written ${k.historyRounds} times`, seconds(med(s, 'syncedMs')), ms(med(s, 'firstMs')), joins[s].map((r) => seconds(r.syncedMs)).join(', '),
  ]));
  const r = med('history', 'syncedMs') / med('once', 'syncedMs');
  console.log(`history/once ${ratio(med('history', 'syncedMs'), med('once', 'syncedMs'))} — ${verdict(r <= 1.5, '≤ 1.5×')}`);
}
