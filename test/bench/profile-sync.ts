/**
 * `scripts/with-keychain.sh node bin/run-ts.mjs test/bench/profile-sync.ts [--nodes N] [--runs N] [--prof DIR] [--import FILE] [--exe PATH] [--bin PATH]… [--node-flag F]… [--sandbox-prof DIR] [--machine-env] [--verbose]`:
 * the whole-process sync of the bench, with `node --cpu-prof` on each CLI process (when --prof is
 * given; a preload of yours with --import, e.g. one on undici's diagnostics channels), to see where a
 * fresh process spends its time. Prints each run's wall time.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { MemorySecretStore } from '../../electron/core/keychain.ts';
import { addSandboxCluster, approvedConsumers, benchEngine, benchKeychain } from './bench.ts';
import { BIN, measuredEnv, startSandboxProcess } from './processes.ts';

const { values } = parseArgs({
  options: {
    nodes: { type: 'string' },
    runs: { type: 'string' },
    prof: { type: 'string' },
    import: { type: 'string' },
    exe: { type: 'string' },
    bin: { type: 'string', multiple: true },
    'node-flag': { type: 'string', multiple: true },
    'sandbox-prof': { type: 'string' },
    latency: { type: 'string' },
    command: { type: 'string' },
    verbose: { type: 'boolean' },
    'machine-env': { type: 'boolean' },
  },
});
const nodes = Number(values.nodes ?? 64);
const runs = Number(values.runs ?? 3);
const keychain = await benchKeychain();
const sandbox = await startSandboxProcess(
  nodes,
  [],
  values['sandbox-prof'] ? ['--cpu-prof', `--cpu-prof-dir=${values['sandbox-prof']}`] : [],
);
const home = await mkdtemp(join(tmpdir(), 'oslc-prof-'));
const t = await benchEngine(keychain ?? new MemorySecretStore(), home);
try {
  await addSandboxCluster(t.engine, 'p', sandbox.info);
  await approvedConsumers(t.engine, sandbox, 'p', 5);
  await t.engine.close();
  await sandbox.setLatency(Number(values.latency ?? 100));
  // Several --bin: each run tries them in turn, so a comparison sees the same machine (a summary follows).
  const bins = values.bin?.length ? values.bin : [BIN];
  const times = new Map<string, number[]>(bins.map((b) => [b, []]));
  for (let r = 0; r < runs; r++) {
    for (const bin of bins) {
      const t0 = performance.now();
      const args = [
        ...(values.prof ? ['--cpu-prof', `--cpu-prof-dir=${values.prof}`] : []),
        ...(values['node-flag'] ?? []),
        ...(values.import ? ['--import', values.import] : []),
        bin,
        values.command ?? 'sync',
        'p',
        '--home',
        home,
        ...(values.verbose ? ['--verbose'] : []),
      ];
      const code = await new Promise<number>((resolve) => {
        // --exe: an executable that is the CLI (the installers' SEA): no bin, and no node flags.
        const child = spawn(values.exe ?? process.execPath, values.exe ? args.slice(args.indexOf(bin) + 1) : args, {
          // As the bench runs it: without this machine's NODE_EXTRA_CA_CERTS unless --machine-env (processes.ts).
          env: measuredEnv(
            keychain ? { OSLC_ADMIN_KEYCHAIN_SERVICE: keychain.service } : {},
            values['machine-env'] === true,
          ),
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        child.on('close', (c) => resolve(c ?? -1));
      });
      const ms = Math.round(performance.now() - t0);
      times.get(bin)!.push(ms);
      process.stdout.write(
        `run ${r + 1}: ${ms} ms, exit ${code}${bins.length > 1 ? `, ${bin}` : ''}${values.verbose ? `, closed at ${Date.now()}` : ''}\n`,
      );
    }
  }
  if (bins.length > 1)
    for (const [bin, ms] of times) {
      const sorted = [...ms].sort((x, y) => x - y);
      process.stdout.write(`median ${sorted[Math.floor(sorted.length / 2)]} ms (${sorted.join(' ')}): ${bin}\n`);
    }
} finally {
  await rm(home, { recursive: true, force: true });
  await sandbox.stop();
}
