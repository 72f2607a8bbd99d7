/**
 * `scripts/with-keychain.sh node bin/run-ts.mjs test/bench/profile-scale.ts [--nodes N] [--keys N]
 * [--tracked N] [--latency MS] [--runs N] [--json] [--command sync|status] [--prof DIR] [--node-flag F]… [--keep FILE]`: the scale
 * part of the bench (64 nodes, each listing 50,000 keys, 20 tracked) for one command, each run a new
 * CLI process (with `node --cpu-prof` when --prof is given), to see where a large cluster's time goes.
 * Prints each run's wall time and peak RSS.
 */
import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { MemorySecretStore } from '../../electron/core/keychain.ts';
import { addSandboxCluster, approvedConsumers, benchEngine, benchKeychain } from './bench.ts';
import { measureCli, startSandboxProcess } from './processes.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string' },
    keys: { type: 'string' },
    tracked: { type: 'string' },
    latency: { type: 'string' },
    runs: { type: 'string' },
    command: { type: 'string' },
    json: { type: 'boolean' },
    prof: { type: 'string' },
    keep: { type: 'string' },
    'node-flag': { type: 'string', multiple: true },
  },
});
const nodes = Number(values.nodes ?? 64);
const keys = Number(values.keys ?? 50_000);
const tracked = Number(values.tracked ?? 20);
const runs = Number(values.runs ?? 3);
const keychain = await benchKeychain();
const sandbox = await startSandboxProcess(nodes);
const home = await mkdtemp(join(tmpdir(), 'oslc-prof-scale-'));
const t = await benchEngine(keychain ?? new MemorySecretStore(), home);
try {
  await addSandboxCluster(t.engine, 'p', sandbox.info);
  await approvedConsumers(t.engine, sandbox, 'p', tracked);
  if (keys > tracked) await sandbox.seed(keys - tracked);
  await t.engine.close();
  await sandbox.setLatency(Number(values.latency ?? 100));
  const env: Record<string, string> = keychain ? { OSLC_ADMIN_KEYCHAIN_SERVICE: keychain.service } : {};
  const args = [values.command ?? 'sync', 'p', '--home', home, ...(values.json ? ['--json'] : [])];
  const out = join(home, 'out');
  await measureCli(['status', 'p', '--home', home], { env, stdoutFile: out }); // the warm-up an admin's day starts with
  for (let r = 0; r < runs; r++) {
    const run = await measureCli(args, {
      env,
      stdoutFile: out,
      nodeArgs: [
        ...(values.prof ? ['--cpu-prof', `--cpu-prof-dir=${values.prof}`] : []),
        ...(values['node-flag'] ?? []),
      ],
    });
    const rss = run.maxRssKiB === null ? '?' : Math.round(run.maxRssKiB / 1024);
    if (values.keep) await copyFile(out, values.keep);
    process.stdout.write(
      `run ${r + 1}: ${Math.round(run.ms)} ms, exit ${run.code}, ${rss} MiB, ${run.stdoutBytes} bytes out\n`,
    );
  }
} finally {
  await rm(home, { recursive: true, force: true });
  await t.close(true);
  await sandbox.stop();
}
