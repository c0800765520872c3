// The memory of Hearth's Web Worker, read over the Chrome DevTools Protocol
// for the records benchmark (records.mjs). Playwright opens CDP sessions on
// pages only, so the worker is reached through the page's session with
// Target.attachToTarget (non-flat) and Target.sendMessageToTarget.
// measureUserAgentSpecificMemory() and Runtime.getHeapUsage count the JS
// heap but not WebAssembly memory, where Go keeps its heap: the linear
// memories are found with Runtime.queryObjects and their sizes summed.

/** Resolves to { wasmBytes, jsUsedBytes } of `page`'s first dedicated worker, or null if it has none. */
export async function workerMemory(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { targetInfos } = await cdp.send('Target.getTargets');
    const worker = targetInfos.find((t) => t.type === 'worker');
    if (!worker) return null;
    const { sessionId } = await cdp.send('Target.attachToTarget', { targetId: worker.targetId, flatten: false });
    const send = inTarget(cdp, sessionId);
    const heap = await send('Runtime.getHeapUsage');
    const proto = await send('Runtime.evaluate', { expression: 'WebAssembly.Memory.prototype' });
    const { objects } = await send('Runtime.queryObjects', { prototypeObjectId: proto.result.objectId });
    const sum = await send('Runtime.callFunctionOn', {
      objectId: objects.objectId, returnByValue: true,
      functionDeclaration: 'function () { return this.reduce((n, m) => n + m.buffer.byteLength, 0); }',
    });
    return { wasmBytes: sum.result.value, jsUsedBytes: heap.usedSize };
  } finally {
    await cdp.detach().catch(() => {});
  }
}

/** A send(method, params) for the target attached as `sessionId` through `cdp`. */
function inTarget(cdp, sessionId) {
  let last = 0;
  const waiting = new Map();
  cdp.on('Target.receivedMessageFromTarget', (e) => {
    if (e.sessionId !== sessionId) return;
    const m = JSON.parse(e.message);
    const done = waiting.get(m.id);
    waiting.delete(m.id);
    done?.(m);
  });
  return (method, params = {}) => new Promise((resolve, reject) => {
    const id = ++last;
    waiting.set(id, (m) => (m.error ? reject(new Error(`${method}: ${m.error.message}`)) : resolve(m.result)));
    cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch(reject);
  });
}
