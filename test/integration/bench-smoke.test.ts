/**
 * The bench still runs: its smoke version (two nodes, one run of each benchmark) writes its JSON
 * document with every field and prints the table. Its timings are not checked: the bench reports,
 * the machine decides.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import type { BenchResult } from '../bench/bench.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));

it('runs the smoke bench and emits every benchmark with our figure, the baseline and the target', async () => {
  const out = await mkdtemp(join(tmpdir(), 'oslc-bench-smoke-'));
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['bin/run-ts.mjs', 'test/bench/run.ts', '--smoke', '--name', 'smoke', '--out', out],
        { cwd: root, timeout: 260_000 },
        (err, so, se) => (err ? reject(new Error(`${err.message}\n${se}`)) : resolve(so)),
      );
    });
    const result = JSON.parse(await readFile(join(out, 'smoke.json'), 'utf8')) as BenchResult;
    expect(result.smoke).toBe(true);
    expect(result.sync).toHaveLength(1);
    const sync = result.sync[0]!;
    expect(sync.nodes).toBe(2);
    expect(sync.runs[0]).toEqual(
      expect.objectContaining({ ms: expect.any(Number), roundTrips: expect.any(Number), consistent: true }),
    );
    expect(sync.baseline.roundTrips).toBe(4);
    expect(result.status!.cold[0]!.healthy).toBe(true);
    expect(result.status!.warm[0]!.roundTrips).toEqual(expect.any(Number));
    expect(result.status!.diagnose[0]!.causes.length).toBeGreaterThan(0);
    // status through the bin, the installers' executable, and the sources: once each.
    expect(result.cli!.statusExitCodes).toEqual([0, 0, 0]);
    // The whole-process sync, through the bin (a cold-cache run, then one) and the installers' executable.
    expect(result.wholeProcess!.exitCodes).toEqual([0, 0]);
    expect(result.wholeProcess!.installed!.exitCodes).toEqual([0]);
    expect(result.rows.map((r) => r.benchmark)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^CLI sync, whole process \(the installers' oslc-admin\)/)]),
    );
    // The installers' oslc-admin executable (build/cli-sea.mjs), --version and --help once each.
    expect(result.cli!.packaged.exitCodes).toEqual([0, 0]);
    expect(result.rows.map((r) => r.benchmark)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^packaged CLI .* --version /)]),
    );
    expect(result.cli!.throughput.signed.answered).toBeGreaterThan(0);
    expect(result.cli!.throughput.signed.failed).toBe(0);
    expect(result.sandbox!.large.nodes).toBe(2);
    expect(result.memory!.nodes).toBe(2);
    expect(result.rows.length).toBeGreaterThanOrEqual(10);
    for (const row of result.rows) {
      expect(row).toEqual({
        benchmark: expect.any(String),
        ours: expect.any(String),
        baseline: expect.any(String),
        ratio: expect.any(String),
        target: expect.any(String),
        met: row.met === null ? null : expect.any(Boolean),
      });
    }
    for (const row of result.rows) expect(stdout).toContain(row.benchmark);
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}, 270_000);
