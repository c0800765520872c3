// Results and subscription values cross from the engine as JSON text, read
// here for both the page (proxy.js) and engine.js. For a query
// subscription, a row that is the same as in the subscription's previous call
// crosses as the number of its place in that call's array, not as its
// text (jsbridge's rowCache): rows are objects, so a number is never taken
// for one. The page then parses only what changed, and an unchanged row
// keeps its identity from call to call, as UI bindings want.

/** Parses a result or callback value that crossed as JSON text (undefined stays undefined). */
export const decode = (text) => (text === undefined ? undefined : JSON.parse(text));

/**
 * Wraps `listener`, one subscription's callback, to take the engine's text:
 * each value is parsed and, in an array, the rows sent by place are put
 * back. New rows are frozen, as later calls hand the same objects out
 * again; the array is the listener's.
 */
export function readingText(listener) {
  let last = [];
  return (text) => {
    const value = decode(text);
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        value[i] = typeof value[i] === 'number' ? last[value[i]] : Object.freeze(value[i]);
      }
      last = value.slice(); // the listener may reorder its array
    }
    listener(value);
  };
}
