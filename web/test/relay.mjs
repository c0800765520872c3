// Runs the reference relay (built by `make build-relay` into .bin/relay) as a
// real process on 127.0.0.1, with a data directory that survives restarts.
import { before, after } from 'node:test';
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../scripts/serve.mjs';
import { startBrowser } from './helpers.mjs';

export const relayBin = join(repoRoot, '.bin', 'relay');

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** A relay process: start(), stop(), kill() (SIGKILL), with a fixed port and data dir. */
export class Relay {
  constructor({ port, dataDir, args = ['-open'], bin = relayBin }) {
    this.bin = bin;
    this.port = port;
    this.dataDir = dataDir;
    this.args = args;
    this.url = `http://127.0.0.1:${port}`;
  }

  static async create(args, bin) {
    return new Relay({ port: await freePort(), dataDir: await mkdtemp(join(tmpdir(), 'hearth-relay-')), args, bin });
  }

  /** Starts the process and resolves once /healthz answers. */
  async start() {
    this.proc = spawn(this.bin, ['-addr', `127.0.0.1:${this.port}`, '-data', this.dataDir, '-log-level', 'warn', ...this.args], { stdio: ['ignore', 'inherit', 'inherit'] });
    const exited = new Promise((_, reject) => this.proc.once('exit', (code) => reject(new Error(`relay exited with ${code}`))));
    exited.catch(() => {});
    for (let i = 0; i < 200; i++) {
      const ok = await Promise.race([fetch(`${this.url}/healthz`).then((r) => r.ok, () => false), exited]);
      if (ok) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error('relay did not become healthy');
  }

  /** Stops gracefully (SIGTERM) and waits for exit. */
  stop() { return this.#signal('SIGTERM'); }

  /** Kills at once (SIGKILL), as a crash would. */
  kill() { return this.#signal('SIGKILL'); }

  #signal(sig) {
    const proc = this.proc;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => { proc.once('exit', resolve); proc.kill(sig); });
  }
}

/**
 * Registers before/after hooks that start Chromium (startBrowser) and a
 * relay serving web/ in open mode, as `make demo` runs it. Returns the
 * object the hooks fill in: { browser, server, relay }.
 */
export function useDemoRelay() {
  const env = {};
  before(async () => {
    Object.assign(env, await startBrowser());
    env.relay = await Relay.create(['-open', '-static', join(repoRoot, 'web')]);
    await env.relay.start();
  });
  after(async () => { await env.stop?.(); await env.relay?.stop(); });
  return env;
}
