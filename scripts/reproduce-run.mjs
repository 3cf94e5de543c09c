// The one way the reproduction drivers (reproduce.mjs, reproduce-budget.mjs, reproduce-niah.mjs)
// run the CLI: `node packages/cli/bin/avey.mjs <args>` in the repository, stdout (its --json
// summary) to one file and stderr (progress) to another, CI=1 so progress is line-oriented.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { formatSeconds } from './reproduce-lib.mjs';

/** Runs `avey <args>`; prints the command (at seconds since `t0`) and its wall time; throws with the
 *  log's last lines when it fails. With `dry`, prints only. Returns { wall (s), cmd }. */
export function runAvey({ repo, args, stdoutFile, logFile, t0, dry = false }) {
  const cmd = ['node', 'packages/cli/bin/avey.mjs', ...args].join(' ');
  process.stderr.write(`[${formatSeconds((Date.now() - t0) / 1000)}] $ ${cmd}\n`);
  if (dry) return { wall: 0, cmd };
  mkdirSync(dirname(stdoutFile), { recursive: true });
  mkdirSync(dirname(logFile), { recursive: true });
  const out = openSync(stdoutFile, 'w');
  const err = openSync(logFile, 'w');
  const start = Date.now();
  const r = spawnSync(process.execPath, [join(repo, 'packages', 'cli', 'bin', 'avey.mjs'), ...args], { cwd: repo, stdio: ['ignore', out, err], env: { ...process.env, CI: '1' } });
  closeSync(out);
  closeSync(err);
  const wall = (Date.now() - start) / 1000;
  if (r.status !== 0) {
    const tail = readFileSync(logFile, 'utf8').split('\n').slice(-8).join('\n');
    throw new Error(`avey exited with ${r.status ?? r.signal} after ${wall.toFixed(1)} s: ${cmd}\n${tail}`);
  }
  process.stderr.write(`    done in ${formatSeconds(wall)}\n`);
  return { wall, cmd };
}
