import { execFile } from 'node:child_process';
import fsp from 'node:fs/promises';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigStore } from '../../electron/core/config/store.ts';
import type { ConfigFs } from '../../electron/core/config/store.ts';
import { isAtomicTempFile } from '../../electron/core/atomic-file.ts';
import { AppError, ErrorCode } from '../../shared/errors.ts';
import type { ErrorCodeName } from '../../shared/errors.ts';
import { clusterFromInput } from '../../shared/schema.ts';
import type { ClusterDefinition } from '../../shared/model.ts';
import { useTempHomes } from '../_home.ts';

const newHome = useTempHomes();
const posix = process.platform !== 'win32';
const fixedNow = () => new Date('2025-03-04T05:06:07.089Z');
const STAMP = '2025-03-04T05-06-07-089Z';

function cluster(name: string, extra: Record<string, unknown> = {}): ClusterDefinition {
  return clusterFromInput({
    name,
    kind: 'clearquest',
    balancerUrl: 'https://lb.example.test/cqweb',
    nodes: [{ url: 'https://lbcq_1.example.test:9443/cqweb' }, { url: 'https://lbcq_3.example.test:12443/cqweb' }],
    repo: 'cqschema',
    db: 'SAMPL',
    ...extra,
  });
}

async function rejection(p: Promise<unknown>): Promise<AppError> {
  const e = await p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(AppError);
  return e as AppError;
}

async function expectCode(p: Promise<unknown>, code: ErrorCodeName): Promise<AppError> {
  const e = await rejection(p);
  expect(e.code).toBe(code);
  return e;
}

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

describe('ConfigStore basics', () => {
  it('loads an empty list without creating anything when the home does not exist yet', async () => {
    const h = await newHome();
    const store = new ConfigStore(h.path('not-yet'));
    expect(await store.load()).toEqual({ clusters: [], notices: [] });
    await expect(fsp.stat(h.path('not-yet'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('creates the home (0700) and a version 1 clusters.json (0600) on the first add', async () => {
    const h = await newHome();
    const home = h.path('nested', 'home');
    const store = new ConfigStore(home);
    await store.add(cluster('prod'));
    const doc = JSON.parse(await fsp.readFile(store.file, 'utf8'));
    expect(doc.version).toBe(1);
    expect(doc.clusters.map((c: ClusterDefinition) => c.name)).toEqual(['prod']);
    if (posix) {
      expect((await fsp.stat(home)).mode & 0o777).toBe(0o700);
      expect((await fsp.stat(store.file)).mode & 0o777).toBe(0o600);
    }
  });

  it('gets, lists, updates and removes definitions, and another store on the same home sees every change', async () => {
    const h = await newHome();
    const a = new ConfigStore(h.dir);
    const b = new ConfigStore(h.dir);
    await a.add(cluster('prod'));
    await b.add(cluster('test'));
    expect((await a.list()).map((c) => c.name)).toEqual(['prod', 'test']);
    expect(await b.get('prod')).toEqual(cluster('prod'));

    const updated = await b.update('prod', (c) => ({ ...c, adminUser: 'admin' }));
    expect(updated.adminUser).toBe('admin');
    expect((await a.get('prod')).adminUser).toBe('admin');

    expect((await a.remove('test')).name).toBe('test');
    expect((await b.list()).map((c) => c.name)).toEqual(['prod']);
  });

  it('finds a cluster whatever the letter case of the name asked for', async () => {
    const h = await newHome();
    const store = new ConfigStore(h.dir);
    await store.add(cluster('Prod'));
    expect((await store.get('prod')).name).toBe('Prod');
  });

  it('removes the temp files a killed write left, on the next write, and leaves a write in progress alone', async () => {
    const h = await newHome();
    const store = new ConfigStore(h.dir);
    await store.add(cluster('prod'));
    // A writer killed between open and rename: a real process that made its temp file and was SIGKILLed.
    const child = execFile(process.execPath, [
      '-e',
      `require('fs').writeFileSync(require('path').join(${JSON.stringify(h.dir)}, '.clusters.json.' + process.pid + '.0badc0ffee00.atomic-tmp'), '{"version":1,"clu'); setInterval(() => {}, 1000);`,
    ]);
    const leftover = `.clusters.json.${child.pid}.0badc0ffee00.atomic-tmp`;
    await expect.poll(() => fsp.readdir(h.dir)).toContain(leftover);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    // One "in progress" (this process is alive, the file fresh), one of a live pid but hours old.
    const inProgress = `.clusters.json.${process.pid}.000000000001.atomic-tmp`;
    const old = `.clusters.json.${process.pid}.000000000002.atomic-tmp`;
    await fsp.writeFile(h.path(inProgress), 'x');
    await fsp.writeFile(h.path(old), 'x');
    const twoHoursAgo = new Date(Date.now() - 2 * 60 * 60 * 1000);
    await fsp.utimes(h.path(old), twoHoursAgo, twoHoursAgo);
    // Another file's temp (home.json's) is not this write's to remove.
    const other = `.home.json.999999999.000000000003.atomic-tmp`;
    await fsp.writeFile(h.path(other), 'x');

    await store.add(cluster('test'));
    const names = await fsp.readdir(h.dir);
    expect(names).not.toContain(leftover);
    expect(names).not.toContain(old);
    expect(names).toContain(inProgress);
    expect(names).toContain(other);
    expect((await store.list()).map((c) => c.name)).toEqual(['prod', 'test']);
  });

  it('throws CLUSTER_NOT_FOUND naming the known clusters', async () => {
    const h = await newHome();
    const store = new ConfigStore(h.dir);
    await expectCode(store.get('nope'), ErrorCode.CLUSTER_NOT_FOUND);
    await store.add(cluster('prod'));
    await store.add(cluster('test'));
    const e = await expectCode(store.get('nope'), ErrorCode.CLUSTER_NOT_FOUND);
    expect(e.message).toContain('prod, test');
    await expectCode(store.remove('nope'), ErrorCode.CLUSTER_NOT_FOUND);
    await expectCode(
      store.update('nope', (c) => c),
      ErrorCode.CLUSTER_NOT_FOUND,
    );
  });

  it('cuts a long name it repeats in CLUSTER_NOT_FOUND to a readable length, saying how long it was', async () => {
    const h = await newHome();
    const store = new ConfigStore(h.dir);
    await store.add(cluster('prod'));
    const e = await expectCode(store.get('n'.repeat(100_000)), 'CLUSTER_NOT_FOUND');
    expect(e.message.length).toBeLessThan(200);
    expect(e.message).toContain(`"${'n'.repeat(80)}… (100,000 characters)"`);
    expect(e.message).toContain('Known clusters: prod.');
    expect(JSON.stringify(e.toJSON()).length).toBeLessThan(400);
  });

  it('refuses a name that exists, in any letter case, with CLUSTER_EXISTS and leaves the file byte for byte', async () => {
    const h = await newHome();
    const store = new ConfigStore(h.dir);
    await store.add(cluster('prod'));
    await store.add(cluster('test'));
    const before = await h.snapshot();
    await expectCode(store.add(cluster('prod')), ErrorCode.CLUSTER_EXISTS);
    const e = await expectCode(store.add(cluster('PROD')), ErrorCode.CLUSTER_EXISTS);
    expect(e.message).toContain('"prod"');
    await expectCode(
      store.update('test', (c) => ({ ...c, name: 'Prod' })),
      ErrorCode.CLUSTER_EXISTS,
    );
    expect(await h.snapshot()).toEqual(before);
  });

  it('rejects an invalid definition or update with BAD_INPUT naming the field, leaving the file byte for byte', async () => {
    const h = await newHome();
    const store = new ConfigStore(h.dir);
    await store.add(cluster('prod'));
    const before = await h.snapshot();

    const bad = { ...cluster('other'), balancerUrl: 'ftp://lb' };
    const e1 = await expectCode(store.add(bad), ErrorCode.BAD_INPUT);
    expect(e1.details?.field).toBe('balancerUrl');

    const e2 = await expectCode(
      store.update('prod', (c) => ({ ...c, nodes: [{ id: 'n1', label: 'x'.repeat(10_000), url: 'https://n1' }] })),
      ErrorCode.BAD_INPUT,
    );
    expect(e2.details?.field).toBe('nodes.0.label');

    await expect(
      store.update('prod', () => {
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    expect(await h.snapshot()).toEqual(before);
  });

  it('gives update a copy, so a change function that mutates and then throws changes nothing', async () => {
    const h = await newHome();
    const store = new ConfigStore(h.dir);
    await store.add(cluster('prod'));
    const before = await h.snapshot();
    await expect(
      store.update('prod', (c) => {
        c.nodes.pop();
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect((await store.get('prod')).nodes).toHaveLength(2);
    expect(await h.snapshot()).toEqual(before);
  });

  it('keeps every change when two stores add clusters at the same time', async () => {
    const h = await newHome();
    const a = new ConfigStore(h.dir);
    const b = new ConfigStore(h.dir);
    const names = Array.from({ length: 12 }, (_, i) => `c${i}`);
    await Promise.all(names.map((n, i) => (i % 2 ? a : b).add(cluster(n))));
    expect((await a.list()).map((c) => c.name).sort()).toEqual([...names].sort());
    expect((await h.list()).filter((n) => n !== 'clusters.json')).toEqual([]);
  });
});

describe('ConfigStore shared between processes', () => {
  const storeModule = fileURLToPath(new URL('../../electron/core/config/store.ts', import.meta.url));
  const schemaModule = fileURLToPath(new URL('../../shared/schema.ts', import.meta.url));

  /** Another process (think: the CLI while the app runs) adding `count` clusters named `<prefix><n>`. */
  function addFromAnotherProcess(home: string, prefix: string, count: number) {
    const script = `
      import { ConfigStore } from ${JSON.stringify(storeModule)};
      import { clusterFromInput } from ${JSON.stringify(schemaModule)};
      const [home, prefix, count] = process.argv.slice(1);
      const store = new ConfigStore(home);
      for (let i = 0; i < Number(count); i++) {
        await store.add(clusterFromInput({ name: prefix + i, kind: 'lyo', balancerUrl: 'http://lb.test', nodes: [{ url: 'http://n1.test' }] }));
      }`;
    return promisify(execFile)(process.execPath, [
      '--import',
      'tsx',
      '--input-type=module',
      '-e',
      script,
      home,
      prefix,
      String(count),
    ]);
  }

  it('loses no change when two processes and this one add clusters at the same time', async () => {
    const h = await newHome();
    const store = new ConfigStore(h.dir);
    const local = (async () => {
      for (let i = 0; i < 8; i++) await store.add(cluster(`local${i}`));
    })();
    await Promise.all([addFromAnotherProcess(h.dir, 'cli', 8), addFromAnotherProcess(h.dir, 'app', 8), local]);
    const names = (await store.list()).map((c) => c.name);
    expect(names).toHaveLength(24);
    expect(new Set(names).size).toBe(24);
    expect(await h.list()).toEqual(['clusters.json']);
  }, 30_000);
});

describe('ConfigStore with a damaged clusters.json', () => {
  async function withFile(content: string | Buffer) {
    const h = await newHome();
    const store = new ConfigStore(h.dir, { now: fixedNow });
    await fsp.writeFile(store.file, content);
    return { h, store };
  }

  it.each([
    ['not JSON', Buffer.from('{"version":1,"clusters":[', 'utf8'), 'not valid JSON'],
    ['empty', Buffer.alloc(0), 'not valid JSON'],
    [
      'failing validation',
      Buffer.from(JSON.stringify({ version: 1, clusters: [{ name: 'x', kind: 'mainframe' }] })),
      'failed validation',
    ],
    ['not UTF-8', Buffer.from([0x7b, 0x22, 0x76, 0xff, 0xfe, 0x22, 0x7d]), 'not valid UTF-8'],
    ['a JSON array', Buffer.from('[]'), 'whole-number "version"'],
  ])(
    'moves a file that is %s aside with its exact bytes, reports it, and continues with an empty list',
    async (_what, bytes, reason) => {
      const { h, store } = await withFile(bytes);
      const { clusters, notices } = await store.load();
      expect(clusters).toEqual([]);
      expect(notices).toHaveLength(1);
      const aside = h.path(`clusters.json.corrupt-${STAMP}`);
      expect(notices[0]).toMatchObject({ code: ErrorCode.CONFIG_CORRUPT, details: { movedTo: aside } });
      expect(notices[0]!.message).toContain(`moved aside to ${aside}`);
      expect(notices[0]!.message).toContain(reason);
      expect(await fsp.readFile(aside)).toEqual(bytes);
      expect(await h.list()).toEqual([`clusters.json.corrupt-${STAMP}`]);
      // Reported once; the store now works normally.
      expect(await store.load()).toEqual({ clusters: [], notices: [] });
      await store.add(cluster('prod'));
      expect((await store.list()).map((c) => c.name)).toEqual(['prod']);
    },
  );

  it('names the invalid field when a file fails validation', async () => {
    const good = cluster('prod');
    const { store } = await withFile(
      JSON.stringify({ version: 1, clusters: [{ ...good, nodes: [{ ...good.nodes[0], url: 'not a url' }] }] }),
    );
    const { notices } = await store.load();
    expect(notices[0]!.message).toContain('clusters.0.nodes.0.url');
  });

  it('treats two clusters whose names differ only in letter case as a corrupt file', async () => {
    const { store } = await withFile(JSON.stringify({ version: 1, clusters: [cluster('prod'), cluster('PROD')] }));
    const { notices } = await store.load();
    expect(notices[0]?.code).toBe(ErrorCode.CONFIG_CORRUPT);
  });

  it('never overwrites an earlier corrupt copy that has the same timestamp', async () => {
    const { h, store } = await withFile('first broken');
    await store.load();
    await fsp.writeFile(store.file, 'second broken');
    const { notices } = await store.load();
    expect(notices[0]!.details?.movedTo).toBe(h.path(`clusters.json.corrupt-${STAMP}-1`));
    expect(await fsp.readFile(h.path(`clusters.json.corrupt-${STAMP}`), 'utf8')).toBe('first broken');
    expect(await fsp.readFile(h.path(`clusters.json.corrupt-${STAMP}-1`), 'utf8')).toBe('second broken');
  });

  it('keeps the notice found by list() for the next load()', async () => {
    const { store } = await withFile('garbage');
    expect(await store.list()).toEqual([]);
    const { notices } = await store.load();
    expect(notices.map((n) => n.code)).toEqual([ErrorCode.CONFIG_CORRUPT]);
    expect((await store.load()).notices).toEqual([]);
  });

  it('refuses a change over a corrupt file with CONFIG_CORRUPT after moving it aside, and accepts the change when asked again', async () => {
    const { h, store } = await withFile('garbage');
    const e = await expectCode(store.add(cluster('prod')), ErrorCode.CONFIG_CORRUPT);
    expect(e.message).toContain('Nothing was changed');
    expect(await h.list()).toEqual([`clusters.json.corrupt-${STAMP}`]);
    await store.add(cluster('prod'));
    expect((await store.list()).map((c) => c.name)).toEqual(['prod']);
  });

  it('leaves a file from a newer version untouched and throws CONFIG_TOO_NEW, also on a change', async () => {
    const { h, store } = await withFile(JSON.stringify({ version: 2, clusters: [], futureField: true }));
    const before = await h.snapshot();
    const e = await expectCode(store.load(), ErrorCode.CONFIG_TOO_NEW);
    expect(e.message).toContain('config version 2');
    await expectCode(store.add(cluster('prod')), ErrorCode.CONFIG_TOO_NEW);
    await expectCode(store.list(), ErrorCode.CONFIG_TOO_NEW);
    expect(await h.snapshot()).toEqual(before);
  });

  it('throws CONFIG_UNREADABLE and leaves the file untouched when it may not be read', async () => {
    const h = await newHome();
    const good = new ConfigStore(h.dir);
    await good.add(cluster('prod'));
    const before = await h.snapshot();
    // Tests may run as root, which chmod 000 does not stop; the EACCES comes from the file system step.
    const store = new ConfigStore(h.dir, { fs: { readFile: async () => Promise.reject(errno('EACCES')) } });
    const e = await expectCode(store.load(), ErrorCode.CONFIG_UNREADABLE);
    expect(e.message).toContain('EACCES');
    expect(e.message).toContain(store.file);
    await expectCode(store.add(cluster('test')), ErrorCode.CONFIG_UNREADABLE);
    expect(await h.snapshot()).toEqual(before);
  });

  it('throws CONFIG_UNREADABLE when clusters.json is a directory, and leaves it there', async () => {
    const h = await newHome();
    const store = new ConfigStore(h.dir);
    await fsp.mkdir(store.file);
    await expectCode(store.load(), ErrorCode.CONFIG_UNREADABLE);
    expect((await fsp.stat(store.file)).isDirectory()).toBe(true);
  });
});

describe('ConfigStore migration', () => {
  const caPem = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
  const v0 = {
    clusters: {
      prod: {
        kind: 'clearquest',
        balancerUrl: 'https://lb.example.test/cqweb',
        nodes: [{ id: 'lbcq_1', label: 'Node 1', url: 'https://lbcq_1.example.test:9443/cqweb' }],
        repo: 'cqschema',
        db: 'SAMPL',
        ca: caPem,
        adminUser: 'admin',
      },
      lab: {
        kind: 'lyo',
        balancerUrl: 'http://127.0.0.1:8080',
        nodes: [{ id: 'n1', label: 'n1', url: 'http://127.0.0.2:8080' }],
      },
    },
  };

  it('migrates a version 0 file to version 1 on load, keeping the original as a .bak with its exact bytes', async () => {
    const h = await newHome();
    const store = new ConfigStore(h.dir, { now: fixedNow });
    const original = Buffer.from(JSON.stringify(v0, null, 4));
    await fsp.writeFile(store.file, original);

    const { clusters, notices } = await store.load();
    expect(notices).toEqual([]);
    expect(clusters.map((c) => c.name)).toEqual(['prod', 'lab']);
    expect(clusters[0]).toMatchObject({
      caPem,
      adminUser: 'admin',
      repo: 'cqschema',
      consumers: [],
      pinnedFingerprints: [],
    });
    expect(clusters[0]).not.toHaveProperty('ca');
    expect(clusters[1]).toMatchObject({
      kind: 'lyo',
      repo: null,
      caPem: null,
      timeouts: { connectMs: 5000, totalMs: 15000 },
    });

    const migrated = JSON.parse(await fsp.readFile(store.file, 'utf8'));
    expect(migrated.version).toBe(1);
    expect(migrated.clusters).toEqual(clusters);
    expect(await fsp.readFile(h.path(`clusters.json.v0-${STAMP}.bak`))).toEqual(original);
    expect(await h.list()).toEqual(['clusters.json', `clusters.json.v0-${STAMP}.bak`]);
    if (posix) expect((await fsp.stat(store.file)).mode & 0o777).toBe(0o600);

    // Migrated once: a second load changes nothing.
    const after = await h.snapshot();
    await store.load();
    expect(await h.snapshot()).toEqual(after);
  });

  it('migrates a version 0 file before applying a change', async () => {
    const h = await newHome();
    const store = new ConfigStore(h.dir, { now: fixedNow });
    await fsp.writeFile(store.file, JSON.stringify(v0));
    await store.add(cluster('new'));
    expect((await store.list()).map((c) => c.name)).toEqual(['prod', 'lab', 'new']);
    expect(await h.list()).toContain(`clusters.json.v0-${STAMP}.bak`);
  });

  it('moves a version 0 file that is invalid after migration aside as corrupt', async () => {
    const h = await newHome();
    const store = new ConfigStore(h.dir, { now: fixedNow });
    await fsp.writeFile(store.file, JSON.stringify({ clusters: { prod: { kind: 'nope' } } }));
    const { notices } = await store.load();
    expect(notices[0]?.code).toBe(ErrorCode.CONFIG_CORRUPT);
    expect(await h.list()).toEqual([`clusters.json.corrupt-${STAMP}`]);
  });
});

describe('ConfigStore writes', () => {
  it('leaves the old file intact and no temporary file behind when the rename step fails', async () => {
    const h = await newHome();
    await new ConfigStore(h.dir).add(cluster('prod'));
    const before = await h.snapshot();
    const store = new ConfigStore(h.dir, { fs: { rename: async () => Promise.reject(errno('EIO')) } });
    const e = await expectCode(store.add(cluster('test')), ErrorCode.CONFIG_UNWRITABLE);
    expect(e.message).toContain('EIO');
    expect(await h.snapshot()).toEqual(before);
    expect((await h.list()).filter(isAtomicTempFile)).toEqual([]);
  });

  it('leaves the old file intact and no temporary file behind when writing the data fails (disk full)', async () => {
    const h = await newHome();
    await new ConfigStore(h.dir).add(cluster('prod'));
    const before = await h.snapshot();
    const failingOpen: ConfigFs['open'] = async (path, flags, mode) => {
      const handle = await fsp.open(path, flags, mode);
      if (String(path).endsWith('.atomic-tmp')) {
        Object.assign(handle, { writeFile: async () => Promise.reject(errno('ENOSPC')) });
      }
      return handle;
    };
    const store = new ConfigStore(h.dir, { fs: { open: failingOpen } });
    await expectCode(
      store.update('prod', (c) => ({ ...c, adminUser: 'someone' })),
      ErrorCode.CONFIG_UNWRITABLE,
    );
    expect(await h.snapshot()).toEqual(before);
  });

  it('waits for a lock held by a live process and gives up with CONFIG_LOCKED, file untouched', async () => {
    const h = await newHome();
    const store = new ConfigStore(h.dir, { lockTimeoutMs: 150 });
    await store.add(cluster('prod'));
    // The parent process (the test runner) is alive on this host.
    await fsp.writeFile(
      `${store.file}.lock`,
      JSON.stringify({ pid: process.ppid, host: os.hostname(), at: new Date().toISOString() }),
    );
    const before = await h.snapshot();
    const e = await expectCode(store.add(cluster('test')), ErrorCode.CONFIG_LOCKED);
    expect(e.message).toContain(`process ${process.ppid}`);
    expect(await h.snapshot()).toEqual(before);
  });

  it('breaks a lock left behind by a process that no longer exists', async () => {
    const h = await newHome();
    const store = new ConfigStore(h.dir, { lockTimeoutMs: 150 });
    await fsp.writeFile(
      `${store.file}.lock`,
      JSON.stringify({ pid: 2 ** 22 + 12345, host: os.hostname(), at: new Date().toISOString() }),
    );
    await store.add(cluster('prod'));
    expect(await h.list()).toEqual(['clusters.json']);
  });
});
