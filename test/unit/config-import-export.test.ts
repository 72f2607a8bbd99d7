import { describe, expect, it } from 'vitest';
import { ConfigStore } from '../../electron/core/config/store.ts';
import {
  CLUSTER_EXPORT_FORMAT,
  decodeClusterExport,
  encodeClusterExport,
} from '../../electron/core/config/cluster-file.ts';
import { AppError, ErrorCode } from '../../shared/errors.ts';
import { clusterFromInput } from '../../shared/schema.ts';
import type { ClusterDefinition } from '../../shared/model.ts';
import { useTempHomes } from '../_home.ts';

const newHome = useTempHomes();

const caPem = '-----BEGIN CERTIFICATE-----\nMIIBexample\n-----END CERTIFICATE-----\n';

function prod(): ClusterDefinition {
  const def = clusterFromInput({
    name: 'prod',
    kind: 'clearquest',
    balancerUrl: 'https://lb.example.test/cqweb',
    nodes: [
      { id: 'lbcq_1', url: 'https://lbcq_1.example.test:9443/cqweb' },
      { id: 'lbcq_3', url: 'https://lbcq_3.example.test:12443/cqweb' },
    ],
    repo: 'cqschema',
    db: 'SAMPL',
    caPem,
    pinnedFingerprints: ['ab'.repeat(32)],
    adminUser: 'admin',
  });
  return { ...def, consumers: [{ key: 'rtc-key', name: 'RTC', hasSecret: true }] };
}

/** A store holding `prod`, and the exact bytes of its home, to prove a failed import changed nothing. */
async function storeWithProd() {
  const h = await newHome();
  const store = new ConfigStore(h.dir);
  await store.add(prod());
  return { h, store, before: await h.snapshot() };
}

function exportDoc(cluster: Record<string, unknown>): string {
  return JSON.stringify({ format: CLUSTER_EXPORT_FORMAT, version: 1, cluster });
}

async function badInputField(p: Promise<unknown>): Promise<string> {
  const e = await p.then(
    () => {
      throw new Error('expected BAD_INPUT');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  expect((e as AppError).code).toBe(ErrorCode.BAD_INPUT);
  return String((e as AppError).details?.field);
}

/** Every key at any depth of a JSON value. */
function allKeys(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(allKeys);
  if (typeof value === 'object' && value !== null) return Object.entries(value).flatMap(([k, v]) => [k, ...allKeys(v)]);
  return [];
}

describe('cluster export', () => {
  it('wraps the definition in a versioned envelope', async () => {
    const { store } = await storeWithProd();
    const doc = JSON.parse(await store.exportCluster('prod'));
    expect(doc.format).toBe('oslc-cluster-admin/cluster');
    expect(doc.version).toBe(1);
    expect(doc.cluster).toMatchObject({
      name: 'prod',
      kind: 'clearquest',
      repo: 'cqschema',
      db: 'SAMPL',
      caPem,
      adminUser: 'admin',
    });
    expect(doc.cluster.nodes.map((n: { id: string }) => n.id)).toEqual(['lbcq_1', 'lbcq_3']);
  });

  it('contains no key named like a secret, password or token, not even the hasSecret flag', async () => {
    const { store } = await storeWithProd();
    const keys = allKeys(JSON.parse(await store.exportCluster('prod')));
    expect(keys.filter((k) => /secret|passw|token|credential/i.test(k))).toEqual([]);
    expect(JSON.parse(await store.exportCluster('prod')).cluster.consumers).toEqual([{ key: 'rtc-key', name: 'RTC' }]);
  });

  it('drops fields the model does not know, at every level', () => {
    const def = prod();
    const polluted = {
      ...def,
      password: 'hunter2',
      nodes: def.nodes.map((n) => ({ ...n, adminPassword: 'hunter2' })),
      timeouts: { ...def.timeouts, secret: 'hunter2' },
    } as unknown as ClusterDefinition;
    const text = encodeClusterExport(polluted);
    expect(text).not.toContain('hunter2');
  });

  it('round-trips through import into another home, with consumers marked as having no secret here', async () => {
    const { store } = await storeWithProd();
    const json = await store.exportCluster('prod');
    const other = new ConfigStore((await newHome()).dir);
    const imported = await other.importCluster(json);
    expect(imported).toEqual({ ...prod(), consumers: [{ key: 'rtc-key', name: 'RTC', hasSecret: false }] });
    expect(await other.get('prod')).toEqual(imported);
  });

  it('imports under another name when asked to rename', async () => {
    const { store } = await storeWithProd();
    const imported = await store.importCluster(await store.exportCluster('prod'), { rename: 'prod-copy' });
    expect(imported.name).toBe('prod-copy');
    expect((await store.list()).map((c) => c.name)).toEqual(['prod', 'prod-copy']);
  });

  it('accepts the export as UTF-8 bytes', async () => {
    const { store } = await storeWithProd();
    const bytes = new TextEncoder().encode(await store.exportCluster('prod'));
    expect((await store.importCluster(bytes, { rename: 'copy' })).name).toBe('copy');
  });

  it('ignores unknown fields in an imported file and never stores them', async () => {
    const { h, store } = await storeWithProd();
    const exported = JSON.parse(await store.exportCluster('prod'));
    exported.cluster.password = 'hunter2';
    exported.cluster.nodes[0].token = 'hunter2';
    exported.cluster.consumers[0].secret = 'hunter2';
    await store.importCluster(JSON.stringify(exported), { rename: 'copy' });
    const files = await h.snapshot();
    for (const bytes of files.values()) expect(bytes.toString('utf8')).not.toContain('hunter2');
  });
});

describe('cluster import of bad input', () => {
  /** A valid cluster whose name is free in {@link storeWithProd}'s store. */
  const good = () => ({
    ...(JSON.parse(encodeClusterExport(prod())).cluster as Record<string, unknown>),
    name: 'imported',
  });

  it('refuses a name that exists with CLUSTER_EXISTS, leaving the file byte for byte', async () => {
    const { h, store, before } = await storeWithProd();
    await expect(store.importCluster(exportDoc({ ...good(), name: 'PROD' }))).rejects.toMatchObject({
      code: ErrorCode.CLUSTER_EXISTS,
    });
    expect(await h.snapshot()).toEqual(before);
  });

  it.each([
    ['bad JSON', '{"format":"oslc-cluster-admin/cluster",', 'file'],
    ['a JSON array', '[]', 'format'],
    ['another format', JSON.stringify({ format: 'something-else', version: 1, cluster: {} }), 'format'],
    ['a newer version', JSON.stringify({ format: CLUSTER_EXPORT_FORMAT, version: 2, cluster: {} }), 'version'],
    [
      'a version that is not a number',
      JSON.stringify({ format: CLUSTER_EXPORT_FORMAT, version: '1', cluster: {} }),
      'version',
    ],
    ['no cluster', JSON.stringify({ format: CLUSTER_EXPORT_FORMAT, version: 1 }), 'cluster'],
    ['an unknown kind', exportDoc({ ...good(), kind: 'mainframe' }), 'cluster.kind'],
    ['a bad balancer URL', exportDoc({ ...good(), balancerUrl: 'javascript:alert(1)' }), 'cluster.balancerUrl'],
    [
      'a node URL with a password in it',
      exportDoc({ ...good(), nodes: [{ id: 'n1', label: 'n1', url: 'https://u:p@n1' }] }),
      'cluster.nodes.0.url',
    ],
    ['no nodes', exportDoc({ ...good(), nodes: [] }), 'cluster.nodes'],
    ['a 10 KB name', exportDoc({ ...good(), name: 'n'.repeat(10_240) }), 'cluster.name'],
    [
      'a 10 KB node label',
      exportDoc({ ...good(), nodes: [{ id: 'n1', label: 'l'.repeat(10_240), url: 'https://n1' }] }),
      'cluster.nodes.0.label',
    ],
    [
      'a 10 KB consumer key',
      exportDoc({ ...good(), consumers: [{ key: 'k'.repeat(10_240), name: 'x' }] }),
      'cluster.consumers.0.key',
    ],
    ['an empty consumer key', exportDoc({ ...good(), consumers: [{ key: '', name: 'x' }] }), 'cluster.consumers.0.key'],
    [
      'a control character in a label',
      exportDoc({ ...good(), nodes: [{ id: 'n1', label: 'a\u0000b', url: 'https://n1' }] }),
      'cluster.nodes.0.label',
    ],
    [
      'text that was not UTF-8 before decoding',
      exportDoc({ ...good(), nodes: [{ id: 'n1', label: 'caf\ufffd', url: 'https://n1' }] }),
      'cluster.nodes.0.label',
    ],
  ])('rejects %s with BAD_INPUT naming the field, leaving the file byte for byte', async (_what, json, field) => {
    const { h, store, before } = await storeWithProd();
    expect(await badInputField(store.importCluster(json))).toBe(field);
    expect(await h.snapshot()).toEqual(before);
  });

  it('rejects bytes that are not UTF-8 with BAD_INPUT naming the file, leaving the file byte for byte', async () => {
    const { h, store, before } = await storeWithProd();
    const bytes = Buffer.concat([
      Buffer.from('{"format":"oslc-cluster-admin/cluster","version":1,"cluster":{"name":"caf'),
      Buffer.from([0xe9]),
      Buffer.from('"}}'),
    ]);
    expect(await badInputField(store.importCluster(bytes))).toBe('file');
    expect(await h.snapshot()).toEqual(before);
  });

  it('rejects a file over 1 MiB with BAD_INPUT naming the file', async () => {
    const { h, store, before } = await storeWithProd();
    expect(await badInputField(store.importCluster(exportDoc({ ...good(), padding: 'x'.repeat(1024 * 1024) })))).toBe(
      'file',
    );
    expect(await h.snapshot()).toEqual(before);
  });

  it('rejects an invalid new name with BAD_INPUT naming rename', async () => {
    const { h, store, before } = await storeWithProd();
    expect(await badInputField(store.importCluster(exportDoc(good()), { rename: '../etc' }))).toBe('rename');
    expect(await badInputField(store.importCluster(exportDoc(good()), { rename: 'r'.repeat(10_240) }))).toBe('rename');
    expect(await h.snapshot()).toEqual(before);
  });

  it('keeps the offending file content out of the error message', () => {
    try {
      decodeClusterExport('{"format": "oslc-cluster-admin/cluster", "hunter2": ');
      expect.unreachable();
    } catch (e) {
      expect((e as AppError).message).not.toContain('hunter2');
    }
  });
});
