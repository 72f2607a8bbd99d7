/**
 * The short soak in `npm test`: 60 status + sync cycles of one engine against a 16-node sandbox in
 * its own process, a node restarting every 20 cycles. Open descriptors and sockets must not grow,
 * the heap (after a GC) must stay within 20 %, and every cycle must find the cluster healthy. The
 * full soak (1,000 cycles, a restart every 100) is `npm run bench:soak` (test/bench/soak.ts).
 */
import { expect, it } from 'vitest';
import { runSoak } from '../bench/soak.ts';

it('60 cycles of status + sync with restarts: no handle growth, heap flat', async () => {
  const r = await runSoak({ cycles: 60, restartEvery: 20, nodes: 16, warmup: 10, secrets: 'memory' });
  console.log(
    `soak-short: ${r.cycles} cycles, ${r.restarts} restarts, ${r.msPerCycle} ms/cycle; fds ${r.start.fds} → ${r.end.fds}, sockets ${r.start.sockets} → ${r.end.sockets}, RSS ${r.start.rssMB} → ${r.end.rssMB} MB, heap ${r.start.heapUsedMB} → ${r.end.heapUsedMB} MB`,
  );
  expect(r.unexpected).toEqual([]);
  expect(r.restarts).toBe(3);
  expect(r.pass.handlesDoNotGrow, JSON.stringify({ start: r.start.kinds, end: r.end.kinds })).toBe(true);
  expect(r.end.heapUsedMB).toBeLessThanOrEqual(r.start.heapUsedMB * 1.2);
}, 90_000);
