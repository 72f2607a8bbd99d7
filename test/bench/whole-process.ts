/**
 * Whole-process figures (issue 27): `oslc-admin sync` of 64 nodes as an admin runs it — a new process
 * each time, started the two ways an installed `oslc-admin` is: the npm package's bin (`node
 * bin/oslc-admin.cjs`; never through npx, whose own start-up is npm's) and the installers' executable
 * (build/cli-sea.mjs, when one was built) — against the sequential technote loop in the same run.
 * The two are run in turn, so a machine that gets busier mid-run weighs on both alike.
 */
import { rm } from 'node:fs/promises';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MemorySecretStore, accounts } from '../../electron/core/keychain.ts';
import type { OsKeychain, SecretStore } from '../../electron/core/keychain.ts';
import { DISCOVERY_CACHE_FILE } from '../../electron/core/discovery-cache.ts';
import { addSandboxCluster, approvedConsumers, benchEngine, median, sequentialLoop } from './bench.ts';
import { MACHINE_EXTRA_CA_CERTS, startSandboxProcess, timeCli } from './processes.ts';
import type { RequestRecorder } from './round-trips.ts';

export interface WholeProcessSync {
  nodes: number;
  consumers: number;
  latencyMs: number;
  /** The first process after the discovery cache was removed: it discovers every node. */
  coldCacheMs: number;
  /** Each a new process, with the discovery cache the one before left. */
  runs: number[];
  medianMs: number;
  exitCodes: number[];
  baselineMs: number;
  baselineRoundTrips: number;
  speedup: number;
  keychain: boolean;
  /** The same sync through the installers' executable, when one was built. */
  installed?: { runs: number[]; medianMs: number; speedup: number; exitCodes: number[] };
  /**
   * The bin's sync with this machine's environment as it is, NODE_EXTRA_CA_CERTS included, which
   * the runs above leave out as an admin's workstation has none (processes.ts measuredEnv); only
   * when this machine sets it. Reported, not a target.
   */
  machineEnv?: { nodeExtraCaCerts: string; runs: number[]; medianMs: number; speedup: number; exitCodes: number[] };
}

export async function wholeProcessSyncBench(
  opts: { nodes: number; consumers: number; latencyMs: number; runs: number; exe?: string },
  keychain: OsKeychain | null,
  forget: string[],
  recorder: RequestRecorder,
): Promise<WholeProcessSync> {
  const sandbox = await startSandboxProcess(opts.nodes);
  const home = await mkdtemp(join(tmpdir(), 'oslc-bench-wp-'));
  const secrets: SecretStore = keychain ?? new MemorySecretStore();
  const t = await benchEngine(secrets, home);
  try {
    await addSandboxCluster(t.engine, 'wp', sandbox.info);
    const consumers = await approvedConsumers(t.engine, sandbox, 'wp', opts.consumers);
    forget.push(accounts.admin('wp'), ...consumers.map((c) => accounts.consumer('wp', c.key)));
    await t.engine.close();
    await sandbox.setLatency(opts.latencyMs);
    const env: Record<string, string> = keychain ? { OSLC_ADMIN_KEYCHAIN_SERVICE: keychain.service } : {};
    // Without a keychain the admin password comes on stdin, as a script without one gives it.
    const args = [
      'sync',
      'wp',
      '--home',
      home,
      ...(keychain ? [] : ['--user', sandbox.info.admin.user, '--password-stdin']),
    ];
    const stdin = keychain ? undefined : `${sandbox.info.admin.password}\n`;
    const codes: number[] = [];
    const exeCodes: number[] = [];
    const machineCodes: number[] = [];
    const once = async (exe?: string, machineEnv = false) => {
      const r = await timeCli(args, env, stdin, exe, machineEnv);
      (exe ? exeCodes : machineEnv ? machineCodes : codes).push(r.code);
      if (r.code !== 0) process.stderr.write(`whole-process sync exited ${r.code}: ${r.stderr}${r.stdout}\n`);
      return r.ms;
    };
    await rm(join(home, DISCOVERY_CACHE_FILE), { force: true });
    const coldCacheMs = await once();
    const runs: number[] = [];
    const exeRuns: number[] = [];
    const machineRuns: number[] = [];
    // Taken in turn, so that each series sees the same machine.
    for (let i = 0; i < opts.runs; i++) {
      runs.push(await once());
      if (opts.exe) exeRuns.push(await once(opts.exe));
      if (MACHINE_EXTRA_CA_CERTS) machineRuns.push(await once(undefined, true));
    }
    const loop = await recorder.measure(() => sequentialLoop(sandbox.info, recorder));
    const medianMs = median(runs);
    const installed = opts.exe
      ? {
          runs: exeRuns.map(Math.round),
          medianMs: Math.round(median(exeRuns)),
          speedup: Math.round((loop.ms / median(exeRuns)) * 10) / 10,
          exitCodes: exeCodes,
        }
      : undefined;
    return {
      nodes: opts.nodes,
      consumers: opts.consumers,
      latencyMs: opts.latencyMs,
      coldCacheMs: Math.round(coldCacheMs),
      runs: runs.map(Math.round),
      medianMs: Math.round(medianMs),
      exitCodes: codes,
      baselineMs: Math.round(loop.ms),
      baselineRoundTrips: loop.roundTrips,
      speedup: Math.round((loop.ms / medianMs) * 10) / 10,
      keychain: keychain !== null,
      ...(installed ? { installed } : {}),
      ...(MACHINE_EXTRA_CA_CERTS
        ? {
            machineEnv: {
              nodeExtraCaCerts: MACHINE_EXTRA_CA_CERTS,
              runs: machineRuns.map(Math.round),
              medianMs: Math.round(median(machineRuns)),
              speedup: Math.round((loop.ms / median(machineRuns)) * 10) / 10,
              exitCodes: machineCodes,
            },
          }
        : {}),
    };
  } finally {
    await t.close(true);
    await sandbox.stop();
  }
}
