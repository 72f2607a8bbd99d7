/**
 * The support engineer's workbench (issue 26) against real sandboxes: a report taken in a known
 * state opens (`report show`, the engine's openReport) and shows the causes the live diagnosis
 * showed; `report diff` of before/after a sync names exactly the nodes that changed; an anonymised
 * report holds none of the site's names and its mapping sits beside it; earlier format versions
 * open; bad files are refused with the reason.
 */
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { report } from '../../electron/core/diagnose/report.ts';
import { openReportFile, openReportText } from '../../electron/core/diagnose/report-open.ts';
import type { DialectName } from '../../electron/sandbox/dialects/types.ts';
import type { SandboxHandle } from '../../electron/sandbox/index.ts';
import { runMain } from '../_cli.ts';
import { approvedConsumer, approveOn } from '../_sandbox.ts';
import { CLUSTER, withEngine } from './_diagnose-helpers.ts';
import type { TestEngine } from './_diagnose-helpers.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await fsp.mkdtemp(path.join(os.tmpdir(), 'oslc-workbench-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => fsp.rm(d, { recursive: true, force: true })));
});

const causeLine = (c: { code: string; nodes: string[] }) => `${c.code} [${c.nodes.join(', ')}]`;

type Setup = (sb: SandboxHandle, t: TestEngine) => Promise<void>;
const track = (t: TestEngine, key: string, name: string, secret: string) =>
  t.engine.trackConsumer({ cluster: CLUSTER, key, name, secret });

const STATES: Record<string, Setup> = {
  healthy: async (sb, t) => {
    const c = await approvedConsumer(sb, 'RTC', 'rtc-secret-1');
    await track(t, c.key, 'RTC', c.secret);
  },
  'stale nodes': async (sb, t) => {
    const c = await sb.friend('RQM', 'rqm-secret-1');
    expect((await approveOn(sb, c.node, c.key)).status).toBe(204);
    await track(t, c.key, 'RQM', 'rqm-secret-1');
  },
  'provisional on one node': async (sb, t) => {
    const c = await sb.friend('DNG', 'dng-secret-1');
    await track(t, c.key, 'DNG', 'dng-secret-1');
  },
  'node down': async (sb, t) => {
    const c = await approvedConsumer(sb, 'RTC', 'rtc-secret-1');
    await track(t, c.key, 'RTC', c.secret);
    await sb.killNode('node2');
  },
  'clock skew': async (sb, t) => {
    const c = await approvedConsumer(sb, 'RTC', 'rtc-secret-1');
    await track(t, c.key, 'RTC', c.secret);
    sb.setClockOffset('node3', 900);
  },
};

/** Live diagnosis, then the report of the same moment, then the report opened: the causes agree. */
async function roundTrip(sb: SandboxHandle, t: TestEngine): Promise<void> {
  const def = await t.engine.getCluster({ cluster: CLUSTER });
  const live = new Map<string, string[]>();
  for (const c of def.consumers) {
    const d = await t.engine.diagnose({ cluster: CLUSTER, consumerKey: c.key });
    live.set(c.key, d.causes.map(causeLine));
  }
  expect(live.size).toBeGreaterThan(0);
  const dir = await tempDir();
  await report(t.engine, { cluster: CLUSTER, outDir: dir });
  const file = path.join(dir, 'report.json');

  const opened = await openReportFile(file);
  expect(opened.readFromVersion).toBe(2);
  expect(opened.masked).toBe(0);
  for (const d of opened.report.diagnoses) expect(d.diagnosis!.causes.map(causeLine)).toEqual(live.get(d.key));
  // The console's door: the same text through the contract operation.
  const viaApi = await t.engine.openReport({ text: await fsp.readFile(file, 'utf8'), source: 'report.json' });
  expect(viaApi.report.diagnoses.map((d) => d.diagnosis!.causes.map(causeLine))).toEqual([...live.values()]);

  const shown = await runMain(['report', 'show', file, '--home', await tempDir()]);
  expect(shown.code, shown.stderr).toBe(0);
  expect(shown.stdout).toContain(`REPORT (read-only) of cluster ${CLUSTER}`);
  for (const causes of live.values())
    for (const c of causes) {
      const [code, nodes] = c.split(' [');
      expect(shown.stdout).toContain(`${code}  [${nodes}`);
    }
  void sb;
}

describe('report show: a report opens and shows what the live diagnosis showed', () => {
  for (const [state, setup] of Object.entries(STATES)) {
    it(`the sandbox dialect, ${state}`, async () => {
      await withEngine({ nodes: 3, sticky: true }, {}, async (sb, t) => {
        await setup(sb, t);
        await roundTrip(sb, t);
      });
    }, 60_000);
  }

  const DIALECT_STATES: Record<string, Setup> = {
    'provisional on one node': STATES['provisional on one node']!,
    'node down': async (sb, t) => {
      await STATES['provisional on one node']!(sb, t);
      await sb.killNode('node3');
    },
    'clock skew': async (sb, t) => {
      await STATES['provisional on one node']!(sb, t);
      sb.setClockOffset('node1', 900);
    },
  };
  for (const dialect of ['clearquest', 'jazz', 'lyo'] as Exclude<DialectName, 'sandbox'>[]) {
    for (const [state, setup] of Object.entries(DIALECT_STATES)) {
      it(`the ${dialect} dialect, ${state}`, async () => {
        await withEngine({ nodes: 3, sticky: true, dialect }, {}, async (sb, t) => {
          await setup(sb, t);
          await roundTrip(sb, t);
        });
      }, 60_000);
    }
  }
});

describe('report diff', () => {
  it('before and after a sync: exactly the nodes that were refreshed changed', async () => {
    await withEngine({ nodes: 4, sticky: true }, {}, async (sb, t) => {
      const c = await sb.friend('RQM', 'rqm-secret-1');
      expect((await approveOn(sb, c.node, c.key)).status).toBe(204);
      await track(t, c.key, 'RQM', 'rqm-secret-1');
      const before = await tempDir();
      await report(t.engine, { cluster: CLUSTER, outDir: before });
      await t.engine.sync({ cluster: CLUSTER });
      const after = await tempDir();
      await report(t.engine, { cluster: CLUSTER, outDir: after });

      const stale = sb.info.nodes.map((n) => n.id).filter((id) => id !== c.node);
      const r = await runMain([
        'report',
        'diff',
        path.join(before, 'report.json'),
        path.join(after, 'report.json'),
        '--json',
      ]);
      expect(r.code, r.stderr).toBe(1);
      const diff = JSON.parse(r.stdout) as {
        schemaVersion: number;
        sameCluster: boolean;
        keys: { key: string; node: string; before: string; after: string }[];
        causes: { key: string; added: string[]; removed: string[] }[];
        nodes: { id: string; facts: { field: string }[] }[];
      };
      expect(diff.sameCluster).toBe(true);
      expect(
        diff.keys
          .filter((k) => k.key === c.key)
          .map((k) => k.node)
          .sort(),
      ).toEqual(stale.sort());
      // A stale node did not hold the key (the tracked probe says so in its words); afterwards it does.
      for (const k of diff.keys) {
        expect(k.after).toBe('approved');
        expect(k.before).not.toBe('approved');
      }
      // The nodes whose facts changed are the stale ones: one more approved key each.
      expect(diff.nodes.map((n) => n.id).sort()).toEqual([...stale].sort());
      for (const n of diff.nodes) expect(n.facts.map((f) => f.field)).toEqual(['approvedKeys']);
      expect(diff.causes).toEqual([
        expect.objectContaining({ key: c.key, added: [expect.stringMatching(/^HEALTHY/)] }),
      ]);

      const same = await runMain(['report', 'diff', path.join(after, 'report.json'), path.join(after, 'report.json')]);
      expect(same.code).toBe(0);
      expect(same.stdout).toContain('Nothing changed');
    });
  }, 60_000);
});

describe('report --anonymize', () => {
  it("holds none of the site's names; the mapping is beside the report, not in it", async () => {
    await withEngine({ nodes: 3, sticky: true }, {}, async (sb, t) => {
      const c = await sb.friend('Doors Next at ACME', 'dng-secret-1');
      await track(t, c.key, 'Doors Next at ACME', 'dng-secret-1');
      await sb.killNode('node2');
      const dir = await tempDir();
      const r = await runMain(['report', CLUSTER, '--out', dir, '--anonymize', '--home', t.home]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain('keep report-mapping.json');
      const md = await fsp.readFile(path.join(dir, 'report.md'), 'utf8');
      const json = await fsp.readFile(path.join(dir, 'report.json'), 'utf8');
      const mapping = JSON.parse(await fsp.readFile(path.join(dir, 'report-mapping.json'), 'utf8')) as {
        placeholders: Record<string, string>;
      };
      const def = await t.engine.getCluster({ cluster: CLUSTER });
      const originals = [
        ...new Set([
          ...def.nodes.map((n) => new URL(n.url).host),
          new URL(def.balancerUrl).host,
          '127.0.0.1',
          def.repo!,
          def.db!,
          'Doors Next at ACME',
          CLUSTER,
        ]),
      ];
      for (const text of [md, json])
        for (const o of originals)
          expect(text, o).not.toMatch(new RegExp(`(?<![\\w-])${o.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?![\\w])`));
      expect(Object.values(mapping.placeholders)).toEqual(
        expect.arrayContaining(['127.0.0.1', def.repo, def.db, 'Doors Next at ACME', CLUSTER]),
      );
      // The report says it is anonymised, opens, and the keys (random ids) are kept for the engineer.
      const opened = openReportText(json, 'report.json');
      expect(opened.report.anonymized).toBe(true);
      expect(opened.notices.join(' ')).toContain('Anonymised by the sender');
      expect(opened.report.cluster.adminUser).toMatch(/^user-\d+$/);
      expect(json).toContain(c.key);
      expect(md).toContain('Anonymised:');
      // The placeholders are the same in both files.
      for (const placeholder of Object.keys(mapping.placeholders).filter((p) => json.includes(p)))
        expect(md, placeholder).toContain(placeholder);
    });
  }, 60_000);
});
