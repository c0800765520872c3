// Number formatting and markdown tables for the peers benchmark's driver
// (peers.mjs), so that its output pastes into docs/bench-peers.md as is.
import { loadavg } from 'node:os';

/** The median of `values` (the upper one of an even count). */
export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** `x` with thousands separators and `digits` decimals. */
export const grouped = (x, digits = 0) => x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

/** Milliseconds, with a precision that suits the size. */
export function ms(x) {
  if (x == null || Number.isNaN(x)) return 'n/a';
  if (x < 1) return `${x.toFixed(3)} ms`;
  if (x < 10) return `${x.toFixed(2)} ms`;
  if (x < 100) return `${x.toFixed(1)} ms`;
  return `${grouped(x)} ms`;
}

/** A time per operation in the unit that reads best (µs or ms). */
export function perOp(totalMs, count) {
  const x = totalMs / count;
  return x < 1 ? `${(x * 1000).toFixed(x < 0.01 ? 2 : 1)} µs` : ms(x);
}

/** Bytes, grouped. */
export const bytes = (n) => (n == null ? 'n/a' : `${grouped(n)} B`);

/** A change in bytes, with its sign. */
export const signed = (n) => `${n < 0 ? '−' : '+'}${bytes(Math.abs(n))}`;

/** A count, grouped. */
export const count = (n) => grouped(n);

/** `a / b` as "12.3×", or n/a. */
export function ratio(a, b) {
  if (!(a > 0) || !(b > 0)) return 'n/a';
  const r = a / b;
  return `${r < 10 ? r.toFixed(2) : grouped(r)}×`;
}

/** Prints a markdown table. */
export function table(headers, rows) {
  console.log(`| ${headers.join(' | ')} |`);
  console.log(`|${headers.map(() => '---').join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
}

/** "load average 1.23 0.98 0.77 (1, 5, 15 min)" of this machine now. */
export function load(when) {
  const [a, b, c] = loadavg();
  console.log(`load average ${when}: ${a.toFixed(2)} ${b.toFixed(2)} ${c.toFixed(2)} (1, 5, 15 min)`);
}

/**
 * The whole-trace time of a Hearth run: measured when it finished the
 * trace, else extrapolated from its progress marks at the rate of its last
 * 10,000 edits (a floor when the cost per edit grows with the text).
 * Returns { ms, extrapolated }.
 */
export function wholeTrace(r) {
  if (r.edits >= r.total) return { ms: r.ms, extrapolated: false };
  const [done, at] = r.marks.at(-1);
  const base = r.marks.findLast(([d]) => d <= done - 10_000) ?? r.marks[0];
  const rate = (at - base[1]) / Math.max(1, done - base[0]);
  return { ms: at + (r.total - done) * rate, extrapolated: true };
}

/**
 * Bytes written to IndexedDB per edit (db.storageStats()) over the last
 * 10,000 edits a Hearth run sampled, as text.
 */
export function bytesPerEdit(r) {
  if (!r.stats) return 'n/a (db.storageStats missing)';
  const [lastDone, last] = r.stats.at(-1);
  const base = r.stats.findLast(([d]) => d <= lastDone - 10_000) ?? r.stats[0];
  const edits = lastDone - base[0];
  if (edits <= 0) return 'n/a (no edits sampled)';
  const per = (last.bytes - base[1].bytes) / edits;
  const commits = last.commits - base[1].commits;
  const writes = last.writes - base[1].writes;
  return `${grouped(per, 1)} B per edit over edits ${count(base[0])}–${count(lastDone)} ` +
    `(${count(commits)} IndexedDB transactions, ${count(writes)} records put or deleted, for ${count(edits)} edits)`;
}
