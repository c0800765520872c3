// A small static file server for the browser tests and benchmarks. It
// serves the repository root (so pages can import /web/dist/index.js) on
// 127.0.0.1 only, with the application/wasm type that streaming compilation
// needs. (The demo is served by the relay itself: make demo.)
import { createServer } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const types = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.webmanifest': 'application/manifest+json',
};

export const repoRoot = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/**
 * Serves `root` on 127.0.0.1:`port` (0 picks a free port). Resolves to
 * { url, close }. `isolate` sends the headers that make pages cross-origin
 * isolated, whose performance.now() steps by 5 µs instead of 100 µs.
 */
export function serve({ root = repoRoot, port = 0, cache = false, isolate = false } = {}) {
  const server = createServer(async (req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const file = normalize(join(root, path));
    if (!file.startsWith(root)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    try {
      const target = (await stat(file)).isDirectory() ? join(file, 'index.html') : file;
      const info = await stat(target);
      const etag = `"${info.size.toString(16)}-${Math.floor(info.mtimeMs).toString(16)}"`;
      const headers = {
        'content-type': types[extname(target)] ?? 'application/octet-stream',
        // Tests must never see a stale build; a benchmark of a returning
        // visitor revalidates like a production server (304 when unchanged).
        'cache-control': cache ? 'no-cache' : 'no-store',
      };
      if (cache) headers.etag = etag;
      if (isolate) {
        headers['cross-origin-opener-policy'] = 'same-origin';
        headers['cross-origin-embedder-policy'] = 'require-corp';
      }
      if (cache && req.headers['if-none-match'] === etag) {
        res.writeHead(304, headers).end();
        return;
      }
      res.writeHead(200, headers).end(await readFile(target));
    } catch {
      res.writeHead(404).end('not found');
    }
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      ok({
        url: `http://127.0.0.1:${server.address().port}`,
        close: () => new Promise((done) => server.close(done)),
      });
    });
  });
}
