// Builds an older Hearth (its relay binary and its npm package) from a
// commit of this repository, for the compatibility tests (reseed.test.mjs,
// sync-compat.test.mjs): cached under .bin/compat-<commit>/, which the
// tests' static server serves.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '../scripts/serve.mjs';

/** The last commit of protocol version 1, before version 2 (epoch, PART frames, max_change). */
export const V1_COMMIT = '69405eb';

/** Whether the repository's history holds commit (not so in an exported tree). */
export function hasCommit(commit) {
  try {
    execFileSync('git', ['-C', repoRoot, 'cat-file', '-e', `${commit}^{commit}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Returns { relay, dist } for commit: the relay binary's path and the URL
 * path of its package's index.js on the test server. Builds them on first
 * use (a minute or two).
 */
export function oldBuild(commit) {
  const dir = join(repoRoot, '.bin', `compat-${commit}`);
  const out = { relay: join(dir, 'relay'), dist: `/.bin/compat-${commit}/dist/index.js` };
  if (existsSync(out.relay) && existsSync(join(dir, 'dist', 'hearth.wasm'))) return out;
  const src = mkdtempSync(join(tmpdir(), 'hearth-old-'));
  try {
    execFileSync('sh', ['-c', `git -C "${repoRoot}" archive ${commit} | tar -x -C "${src}"`]);
    mkdirSync(join(dir, 'dist'), { recursive: true });
    execFileSync('go', ['build', '-o', out.relay, './cmd/relay'], { cwd: src, stdio: 'inherit' });
    execFileSync('go', ['build', '-trimpath', '-ldflags=-s -w', '-o', join(dir, 'dist', 'hearth.wasm'), './wasm'],
      { cwd: src, stdio: 'inherit', env: { ...process.env, GOOS: 'js', GOARCH: 'wasm' } });
    for (const f of readdirSync(join(src, 'web', 'src'))) cpSync(join(src, 'web', 'src', f), join(dir, 'dist', f));
    const goroot = execFileSync('go', ['env', 'GOROOT'], { encoding: 'utf8' }).trim();
    cpSync(join(goroot, 'lib', 'wasm', 'wasm_exec.js'), join(dir, 'dist', 'wasm_exec.js'));
  } finally {
    rmSync(src, { recursive: true, force: true });
  }
  return out;
}
