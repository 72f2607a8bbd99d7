/**
 * Issue 18, defect 12: an imported cluster has no admin login here (the file names a user, never
 * its password), and the file's pinned fingerprints are not trusted on its word: they come back for
 * review (`pinsToReview`) and are pinned only through trustCertificate — or kept with `trustPins`.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Engine } from '../../electron/core/facade.ts';
import { MemorySecretStore } from '../../electron/core/keychain.ts';
import { runMain } from '../_cli.ts';

const FP1 = 'AA:'.repeat(31) + '01';
const FP2 = 'BB:'.repeat(31) + '02';

function exportDoc(name = 'prod'): string {
  return JSON.stringify({
    format: 'oslc-cluster-admin/cluster',
    version: 1,
    cluster: {
      name,
      kind: 'lyo',
      balancerUrl: 'https://127.0.0.1:9',
      nodes: [{ id: 'n1', label: 'n1', url: 'https://127.0.0.1:10' }],
      repo: null,
      db: null,
      caPem: null,
      pinnedFingerprints: [FP1, FP2],
      timeouts: { connectMs: 5000, totalMs: 15000 },
      maxResponseBytes: 1048576,
      adminUser: 'admin',
      consumers: [{ key: 'k1', name: 'RTC' }],
    },
  });
}

describe('importCluster: no login comes with the file, and its pins wait for review', () => {
  let home: string;
  let engine: Engine;
  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'oslc-import-'));
    engine = new Engine({ home, secrets: new MemorySecretStore() });
  });
  afterEach(async () => {
    await engine.close();
    await rm(home, { recursive: true, force: true });
  });

  it('stores no admin user and no pin; answers the pins for review; trusting one pins only that one', async () => {
    const def = await engine.importCluster({ json: exportDoc() });
    expect(def.adminUser).toBeNull();
    expect(def.pinnedFingerprints).toEqual([]);
    expect(def.pinsToReview).toEqual([FP1, FP2]);
    const listed = (await engine.listClusters()).clusters.find((c) => c.name === 'prod');
    expect(listed?.adminUser).toBeNull();
    expect((await engine.getCluster({ cluster: 'prod' })).pinnedFingerprints).toEqual([]);
    await engine.trustCertificate({ cluster: 'prod', fingerprint256: FP2 });
    expect((await engine.getCluster({ cluster: 'prod' })).pinnedFingerprints).toEqual([FP2]);
  });

  it("keeps the file's pins with trustPins, and refuses a trustPins that is not a boolean", async () => {
    const def = await engine.importCluster({ json: exportDoc(), trustPins: true });
    expect(def.pinnedFingerprints).toEqual([FP1, FP2]);
    expect(def.pinsToReview).toEqual([]);
    await expect(
      engine.importCluster({ json: exportDoc('other'), trustPins: 'yes' as unknown as boolean }),
    ).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('the CLI says which pins were not trusted and how to trust each; --trust-pins keeps them', async () => {
    const file = join(home, 'prod.json');
    await writeFile(file, exportDoc());
    const env = { OSLC_ADMIN_HOME: join(home, 'cli') };
    let r = await runMain(['cluster', 'import', file], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('2 pinned certificate fingerprint(s) in the file were NOT trusted');
    expect(r.stdout).toContain(`oslc-admin trust prod --fingerprint ${FP1}`);
    r = await runMain(['cluster', 'import', file, '--rename', 'prod2', '--trust-pins'], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('NOT trusted');
    r = await runMain(['cluster', 'show', 'prod2', '--json'], { env });
    expect(JSON.parse(r.stdout).pinnedFingerprints).toEqual([FP1, FP2]);
  });
});
