/**
 * Every facade operation given bad arguments (as a compromised or buggy renderer could send over IPC)
 * answers a coded error naming what was wrong, and leaves the config file byte for byte.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/core/facade.ts';
import { MemorySecretStore } from '../../electron/core/keychain.ts';
import { OPERATIONS } from '../../shared/contract.ts';

describe('facade operations with bad arguments', () => {
  let home: string;
  let engine: Engine;
  let before: string;
  const cfg = () => readFile(join(home, 'clusters.json'), 'utf8');

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'oslc-facade-'));
    // A unit test of the facade alone: secrets in memory, no network (the nodes are never contacted).
    engine = new Engine({ home, secrets: new MemorySecretStore() });
    await engine.addCluster({
      name: 'c',
      kind: 'sandbox',
      balancerUrl: 'http://127.0.0.1:9',
      nodes: [{ url: 'http://127.0.0.1:10' }],
      repo: 'cqschema',
      db: 'SAMPL',
    });
    before = await cfg();
  });
  afterAll(async () => {
    await engine.close();
    await rm(home, { recursive: true, force: true });
  });

  const long = 'k'.repeat(10 * 1024);
  const bad: [string, () => Promise<unknown>, string, RegExp][] = [
    ['getCluster with a number', () => engine.getCluster({ cluster: 42 as unknown as string }), 'BAD_INPUT', /cluster/],
    ['getCluster of an unknown cluster', () => engine.getCluster({ cluster: 'nope' }), 'CLUSTER_NOT_FOUND', /nope/],
    [
      'addCluster with a bad URL',
      () => engine.addCluster({ name: 'd', kind: 'sandbox', balancerUrl: 'http//x', nodes: [{ url: 'http://h' }] }),
      'BAD_INPUT',
      /balancerUrl/,
    ],
    ['addCluster with nothing', () => engine.addCluster(undefined as never), 'BAD_INPUT', /cluster/],
    [
      'addCluster with a 10 KB name',
      () => engine.addCluster({ name: long, kind: 'sandbox', balancerUrl: 'http://h', nodes: [{ url: 'http://h' }] }),
      'BAD_INPUT',
      /name/,
    ],
    [
      'removeCluster of an unknown cluster',
      () => engine.removeCluster({ cluster: 'nope' }),
      'CLUSTER_NOT_FOUND',
      /nope/,
    ],
    ['importCluster with non-JSON', () => engine.importCluster({ json: '{nope' }), 'BAD_INPUT', /JSON/i],
    ['importCluster with no text', () => engine.importCluster({ json: 5 as unknown as string }), 'BAD_INPUT', /json/],
    [
      'storeCredentials with an empty user',
      () => engine.storeCredentials({ cluster: 'c', user: '', password: 'p' }),
      'BAD_INPUT',
      /user/,
    ],
    [
      'storeCredentials with an empty password',
      () => engine.storeCredentials({ cluster: 'c', user: 'u', password: '' }),
      'BAD_INPUT',
      /password/,
    ],
    ['trackConsumer with an empty key', () => engine.trackConsumer({ cluster: 'c', key: '' }), 'BAD_INPUT', /key/],
    ['trackConsumer with a 10 KB key', () => engine.trackConsumer({ cluster: 'c', key: long }), 'BAD_INPUT', /key/],
    [
      'trackConsumer with invalid UTF-8 in the key',
      () => engine.trackConsumer({ cluster: 'c', key: 'a\uFFFDb' }),
      'BAD_INPUT',
      /key/,
    ],
    [
      'untrackConsumer of an untracked key',
      () => engine.untrackConsumer({ cluster: 'c', key: 'k' }),
      'CONSUMER_NOT_TRACKED',
      /k/,
    ],
    [
      'probeNode of an unknown node',
      () => engine.probeNode({ cluster: 'c', node: 'node9', key: 'k' }),
      'NODE_NOT_FOUND',
      /node9/,
    ],
    ['status of an unknown cluster', () => engine.status({ cluster: 'nope' }), 'CLUSTER_NOT_FOUND', /nope/],
    ['approve with an empty key', () => engine.approve({ cluster: 'c', key: '' }), 'BAD_INPUT', /key/],
    [
      'approve on an unknown node',
      () => engine.approve({ cluster: 'c', key: 'k', node: 'node7' }),
      'NODE_NOT_FOUND',
      /node7/,
    ],
    [
      'register without a secret',
      () => engine.register({ cluster: 'c', name: 'n', secret: '' }),
      'BAD_INPUT',
      /secret/,
    ],
    [
      'register with a 10 KB name',
      () => engine.register({ cluster: 'c', name: long, secret: 's' }),
      'BAD_INPUT',
      /name/,
    ],
    ['sync of an unknown cluster', () => engine.sync({ cluster: 'nope' }), 'CLUSTER_NOT_FOUND', /nope/],
    [
      'trustCertificate with a bad fingerprint',
      () => engine.trustCertificate({ cluster: 'c', fingerprint256: 'zz' }),
      'BAD_INPUT',
      /fingerprint256/,
    ],
    ['audit of an unknown cluster', () => engine.audit({ cluster: 'nope' }), 'CLUSTER_NOT_FOUND', /nope/],
  ];
  for (const [what, call, code, message] of bad) {
    it(`answers ${code} for ${what} and leaves the config byte for byte`, async () => {
      await expect(call()).rejects.toMatchObject({ code, message: expect.stringMatching(message) });
      expect(await cfg()).toBe(before);
    });
  }

  it('implements every operation of the contract', () => {
    for (const op of OPERATIONS) expect(typeof (engine as unknown as Record<string, unknown>)[op], op).toBe('function');
  });
});

describe('startSandbox without a door that runs one', () => {
  it('is NOT_SUPPORTED in the CLI and refuses any argument but {}', async () => {
    const home = await mkdtemp(join(tmpdir(), 'oslc-start-unit-'));
    const engine = new Engine({ home, secrets: new MemorySecretStore() });
    try {
      await expect(engine.startSandbox({})).rejects.toMatchObject({ code: 'NOT_SUPPORTED' });
      await expect(engine.startSandbox(null as never)).rejects.toMatchObject({ code: 'BAD_INPUT' });
      let starts = 0;
      engine.sandboxStarter = async () => {
        starts++;
        return 'sandbox';
      };
      const both = await Promise.all([engine.startSandbox({}), engine.startSandbox({})]);
      expect(both).toEqual([{ cluster: 'sandbox' }, { cluster: 'sandbox' }]);
      expect(starts).toBe(1);
    } finally {
      await engine.close();
      await rm(home, { recursive: true, force: true });
    }
  });
});
