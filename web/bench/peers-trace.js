// Editing traces for the peers benchmark (peers-page.js): loading, the
// conversion of their code-point positions to the UTF-16 positions that
// Yjs, Loro, Automerge and Hearth all take from JS, and the merge plan that
// replays a concurrent trace with one document per agent.
// Format: ../shared/traces/README.md.

/** Fetches /traces/<name>.json.gz (the driver serves it) and parses it. */
export async function loadTrace(name) {
  const res = await fetch(`/traces/${name}.json.gz`);
  if (!res.ok) throw new Error(`trace ${name}: HTTP ${res.status}`);
  const json = await new Response(res.body.pipeThrough(new DecompressionStream('gzip'))).text();
  return JSON.parse(json);
}

const astral = /[\u{10000}-\u{10FFFF}]/u;

/**
 * The trace's patches, flattened, with UTF-16 positions and counts:
 * [[pos, delCount, insertText], ...]. Positions only differ from the
 * trace's code points when a character outside the BMP precedes them, so
 * a trace without one is returned as it is; otherwise the text is replayed
 * on a string to convert each position (slow, but outside the timings).
 */
export function utf16Patches(trace) {
  const patches = trace.txns.flatMap((t) => t.patches);
  const start = trace.startContent ?? '';
  if (!astral.test(start) && !patches.some(([, , ins]) => astral.test(ins))) return patches;
  let doc = start;
  return patches.map(([pos, del, ins]) => {
    const at = unitOffset(doc, 0, pos);
    const end = unitOffset(doc, at, del);
    doc = doc.slice(0, at) + ins + doc.slice(end);
    return [at, end - at, ins];
  });
}

/** The UTF-16 offset `count` code points after UTF-16 offset `from` of `s`. */
function unitOffset(s, from, count) {
  let i = from;
  for (let n = 0; n < count; n++) i += s.codePointAt(i) > 0xffff ? 2 : 1;
  return i;
}

/**
 * How to replay a concurrent trace with one document per agent: for each
 * transaction, the earlier transactions of other agents that its agent's
 * document must merge first (in order), so that the document holds exactly
 * the transaction's parents' merged state when its patches apply. Each
 * agent's own transactions form a chain (each has the previous in its
 * past); the plan checks this, and that no patch needs a position
 * conversion (it would need every parent state's text).
 * Returns [{agent, patches, merge: [txn index, ...]}, ...].
 */
export function concurrentPlan(trace) {
  const n = trace.numAgents;
  const chains = Array.from({ length: n }, () => []); // txn indexes per agent, in order
  const vv = []; // per txn: how many of each agent's txns its state holds
  const held = Array.from({ length: n }, () => new Array(n).fill(0)); // per agent document
  return trace.txns.map((t, i) => {
    if (t.patches.some(([, , ins]) => astral.test(ins))) throw new Error(`txn ${i}: characters outside the BMP are not supported in a concurrent trace`);
    const want = new Array(n).fill(0);
    for (const p of t.parents) for (let a = 0; a < n; a++) want[a] = Math.max(want[a], vv[p][a]);
    const has = held[t.agent];
    const merge = [];
    for (let a = 0; a < n; a++) {
      if (want[a] < has[a]) throw new Error(`txn ${i}: agent ${t.agent}'s document is ahead of its parents (agent ${a})`);
      if (a === t.agent && want[a] !== has[a]) throw new Error(`txn ${i}: agent ${a}'s own history is not a chain`);
      for (let s = has[a]; s < want[a]; s++) merge.push(chains[a][s]);
      has[a] = want[a];
    }
    merge.sort((x, y) => x - y);
    chains[t.agent].push(i);
    has[t.agent]++;
    want[t.agent]++;
    vv.push(want);
    return { agent: t.agent, patches: t.patches, merge };
  });
}
