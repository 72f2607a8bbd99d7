/**
 * The support report against the sandbox: canary secrets everywhere (admin password, consumer
 * secrets, a wrong stored secret, secrets inside the pasted error text), then the written files are
 * searched for every one of them: zero hits. And a report never overwrites an earlier one.
 */
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { report } from '../../electron/core/diagnose/report.ts';
import { filesContaining, snapshotDir } from '../_home.ts';
import { approvedConsumer, approveOn } from '../_sandbox.ts';
import { CLUSTER, withEngine } from './_diagnose-helpers.ts';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await fsp.mkdtemp(path.join(os.tmpdir(), 'oslc-report-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => fsp.rm(d, { recursive: true, force: true })));
});

const CANARIES = {
  adminPassword: 'CANARY-admin-password-4b1d',
  consumerSecret: 'CANARY-consumer-secret-9e2f',
  staleSecret: 'CANARY-stale-secret-77aa',
  wrongStoredSecret: 'CANARY-wrong-stored-secret-31c0',
  pastedSignature: 'CANARY-pasted-signature-c0ffee',
  pastedTokenSecret: 'CANARY-pasted-token-secret-d00d',
  pastedPassword: 'CANARY-pasted-password-beef',
  pastedBasic: 'Q0FOQVJZLWJhc2ljLWNyZWRz',
  pastedVerifier: 'CANARY-pasted-verifier-5eed',
};

describe('the support report', () => {
  it('writes report.md and report.json with every section, and not one of the canary secrets', async () => {
    await withEngine({ nodes: 3, sticky: true, adminPassword: CANARIES.adminPassword }, {}, async (sb, t) => {
      // A healthy consumer, a stale one, and one whose stored secret is wrong, all with canary secrets.
      const healthy = await approvedConsumer(sb, 'RTC', CANARIES.consumerSecret);
      await t.engine.trackConsumer({
        cluster: CLUSTER,
        key: healthy.key,
        name: 'RTC',
        secret: CANARIES.consumerSecret,
      });
      const wrong = await approvedConsumer(sb, 'DNG', 'the-real-dng-secret');
      await t.engine.trackConsumer({
        cluster: CLUSTER,
        key: wrong.key,
        name: 'DNG',
        secret: CANARIES.wrongStoredSecret,
      });
      // Last, so that no later refresh loads it everywhere.
      const stale = await sb.friend('RQM', CANARIES.staleSecret);
      await approveOn(sb, stale.node, stale.key);
      await t.engine.trackConsumer({ cluster: CLUSTER, key: stale.key, name: 'RQM', secret: CANARIES.staleSecret });
      await t.engine.auditLog.append({
        cluster: CLUSTER,
        node: null,
        action: 'sync',
        key: null,
        outcome: 'ok',
        detail: '3 nodes refreshed',
      });

      const errorText = [
        'HTTP/1.1 401 Unauthorized',
        `POST /oauth/requestToken oauth_signature=${CANARIES.pastedSignature}&oauth_token_secret=${CANARIES.pastedTokenSecret}`,
        `Authorization: Basic ${CANARIES.pastedBasic}`,
        `login password: ${CANARIES.pastedPassword}`,
        `callback?oauth_token=abc&oauth_verifier=${CANARIES.pastedVerifier}`,
        `consumer secret=${CANARIES.consumerSecret}`,
        '401: invalid_expired_token',
      ].join('\n');
      const out = path.join(await tempDir(), 'ticket-4711');
      const events: string[] = [];
      const r = await report(
        t.engine,
        { cluster: CLUSTER, outDir: out, errorText },
        { onProgress: (e) => events.push(e.type) },
      );
      expect(r.files).toEqual([path.join(out, 'report.md'), path.join(out, 'report.json')]);
      expect(r.consumers).toBe(3);
      expect(events).toEqual(['status', 'diagnosing', 'diagnosing', 'diagnosing', 'written', 'written']);

      for (const [name, canary] of Object.entries(CANARIES)) {
        expect(await filesContaining(out, canary), name).toEqual([]);
      }

      const md = await fsp.readFile(r.files[0]!, 'utf8');
      const json = JSON.parse(await fsp.readFile(r.files[1]!, 'utf8')) as Record<string, unknown>;
      for (const heading of [
        '## Cluster definition',
        '## Nodes',
        '## Certificates',
        '## Diagnosis per tracked consumer',
        '## Pasted error text',
        '## Last sync',
        '## Audit excerpt',
      ])
        expect(md).toContain(heading);
      // Issue 18, defect 18: the report holds the cluster's last audit lines (both doors build it here).
      const excerpt = md.slice(md.indexOf('## Audit excerpt'));
      expect(excerpt).toMatch(/The last \d+ of \d+ audit lines for this cluster, oldest first:/);
      expect(excerpt).toContain('| time | user | node | action | key | outcome | detail |');
      expect(excerpt).toMatch(/\| sync \| - \| ok \| 3 nodes refreshed \|/);
      expect(json.auditExcerpt).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'sync' })]));
      expect(md).toContain('OSLC Cluster Admin 0.1.0');
      expect(md).toContain(`Node ${process.version}`);
      expect(md).toContain('3 nodes refreshed');
      expect(md).toContain('**HEALTHY**');
      expect(md).toContain('**REGISTRY_STALE**');
      expect(md).toContain('**WRONG_SECRET**');
      for (const n of sb.info.nodes) expect(md).toContain(n.url);
      expect(json).toMatchObject({
        app: { version: '0.1.0' },
        runtime: { node: process.version },
        cluster: { name: CLUSTER, kind: 'sandbox' },
        lastSync: { action: 'sync' },
      });
      expect((json.diagnoses as unknown[]).length).toBe(3);
      expect(md).toContain('[redacted]');
    });
  });

  it('refuses to overwrite an earlier report, naming the path, and leaves it untouched', async () => {
    await withEngine({ nodes: 1 }, {}, async (sb, t) => {
      const out = await tempDir();
      await report(t.engine, { cluster: CLUSTER, outDir: out });
      const before = await snapshotDir(out);
      await expect(report(t.engine, { cluster: CLUSTER, outDir: out })).rejects.toMatchObject({
        code: 'BAD_INPUT',
        message: expect.stringContaining(path.join(out, 'report.md')),
        details: { field: 'outDir', path: path.join(out, 'report.md') },
      });
      // Only report.json left over from someone else: still refused, naming that file.
      const other = await tempDir();
      await fsp.writeFile(path.join(other, 'report.json'), '{}');
      await expect(report(t.engine, { cluster: CLUSTER, outDir: other })).rejects.toMatchObject({
        details: { path: path.join(other, 'report.json') },
      });
      expect(await fsp.readdir(other)).toEqual(['report.json']);
      expect(await snapshotDir(out)).toEqual(before);
    });
  });

  it('reports a cluster whose nodes are down and whose certificates are not trusted, with their fingerprints', async () => {
    await withEngine({ nodes: 2, tls: true }, { trustCa: false }, async (sb, t) => {
      await t.engine.trackConsumer({ cluster: CLUSTER, key: 'some-key', secret: CANARIES.consumerSecret });
      await sb.killNode('node2');
      const out = await tempDir();
      const r = await report(t.engine, { cluster: CLUSTER, outDir: out });
      const md = await fsp.readFile(r.files[0]!, 'utf8');
      expect(md).toContain('**TLS_UNTRUSTED** (node1)');
      expect(md).toContain('**NODE_DOWN** (node2)');
      expect(md).toMatch(/SHA-256 ([0-9A-F]{2}:){31}[0-9A-F]{2}/);
      expect(await filesContaining(out, CANARIES.consumerSecret)).toEqual([]);
    });
  });

  it('bad input is a coded error naming the field', async () => {
    await withEngine({ nodes: 1 }, {}, async (sb, t) => {
      await expect(report(t.engine, { cluster: CLUSTER, outDir: '' })).rejects.toMatchObject({
        code: 'BAD_INPUT',
        details: { field: 'outDir' },
      });
      await expect(report(t.engine, { cluster: CLUSTER, outDir: 'a\u0000b' })).rejects.toMatchObject({
        code: 'BAD_INPUT',
        details: { field: 'outDir' },
      });
      await expect(report(t.engine, { cluster: 'nope', outDir: await tempDir() })).rejects.toMatchObject({
        code: 'CLUSTER_NOT_FOUND',
      });
    });
  });
});
