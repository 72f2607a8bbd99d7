import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { REPOSITORY_FILE, Repository, writeFileAtomic } from '../../electron/sandbox/repository.ts';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'sandbox-repo-test-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

const consumer = { key: 'k1', name: 'RTC', secret: 's1', trusted: true };

describe('the sandbox repository file', () => {
  it('starts empty in a new state dir and persists approved consumers for the next opening', async () => {
    const repo = await Repository.open(dir, 'cqschema', 'SAMPL');
    expect(repo.consumers()).toEqual([]);
    await repo.put(consumer);
    await repo.put({ ...consumer, key: 'k2' });
    await repo.remove('k2');
    const again = await Repository.open(dir, 'cqschema', 'SAMPL');
    expect(again.consumers()).toEqual([consumer]);
  });

  it('leaves no temporary files behind and is readable only by its owner', async () => {
    const repo = await Repository.open(dir, 'cqschema', 'SAMPL');
    await Promise.all([1, 2, 3, 4, 5].map((i) => repo.put({ ...consumer, key: `k${i}` })));
    expect(await fs.readdir(dir)).toEqual([REPOSITORY_FILE]);
    expect(
      repo
        .consumers()
        .map((c) => c.key)
        .sort(),
    ).toEqual(['k1', 'k2', 'k3', 'k4', 'k5']);
    if (process.platform !== 'win32') expect((await fs.stat(repo.file)).mode & 0o777).toBe(0o600);
  });

  it('sees a change made by another writer only on reload, as a node sees the repository only on refresh', async () => {
    const a = await Repository.open(dir, 'cqschema', 'SAMPL');
    const b = await Repository.open(dir, 'cqschema', 'SAMPL');
    await a.put(consumer);
    expect(b.consumers()).toEqual([]);
    expect(await b.reload()).toEqual([consumer]);
  });

  it('does not parse an unchanged file again on reload, and does when anyone changed it (issue 27)', async () => {
    const a = await Repository.open(dir, 'cqschema', 'SAMPL');
    await a.put(consumer);
    const first = await a.reload();
    // Unchanged since our own write: the very same frozen snapshot, not a new parse.
    expect(await a.reload()).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first[0])).toBe(true);
    // Another writer, even with a file of the same size: the change shows on the next reload.
    const text = await fs.readFile(a.file, 'utf8');
    await fs.writeFile(a.file, text.replace('"RTC"', '"CQW"'), 'utf8');
    const again = await a.reload();
    expect(again).not.toBe(first);
    expect(again).toEqual([{ ...consumer, name: 'CQW' }]);
    await fs.rm(a.file);
    expect(await a.reload()).toEqual([]);
  });

  it('lets refreshes that ask together share one reading, each begun after it asked (issue 27)', async () => {
    const a = await Repository.open(dir, 'cqschema', 'SAMPL');
    const b = await Repository.open(dir, 'cqschema', 'SAMPL');
    // 64 nodes refreshing at once: one reading answers them all.
    const together = Array.from({ length: 64 }, () => b.reload());
    expect(new Set(together).size).toBe(1);
    expect(await together[0]).toEqual([]);
    // A refresh asked once that reading has begun gets a reading of its own, which sees a later write.
    const first = b.reload();
    await Promise.resolve();
    await a.put(consumer);
    const later = b.reload();
    expect(later).not.toBe(first);
    expect(await later).toEqual([consumer]);
  });

  it('adds many consumers in one write, replacing those with the same key, and keeps callers from changing them', async () => {
    const repo = await Repository.open(dir, 'cqschema', 'SAMPL');
    await repo.put(consumer);
    const many = Array.from({ length: 1000 }, (_, i) => ({
      key: `m${i}`,
      name: `n${i}`,
      secret: `s${i}`,
      trusted: false,
    }));
    await repo.putMany([...many, { ...consumer, name: 'again' }]);
    const snap = repo.snapshot();
    expect(snap).toHaveLength(1001);
    expect(snap.at(-1)).toEqual({ ...consumer, name: 'again' });
    expect(repo.has('m999') && !repo.has('m1000')).toBe(true);
    many[0]!.name = 'changed by the caller';
    expect(repo.snapshot()[0]!.name).toBe('n0');
    expect((await Repository.open(dir, 'cqschema', 'SAMPL')).consumers()).toEqual(repo.consumers());
  });

  it('keeps a corrupt file aside instead of overwriting it, and goes on with an empty repository', async () => {
    await fs.writeFile(path.join(dir, REPOSITORY_FILE), '{"version":1,"consumers":[{"key":', 'utf8');
    const repo = await Repository.open(dir, 'cqschema', 'SAMPL');
    expect(repo.consumers()).toEqual([]);
    expect(repo.corruptFilesKeptAside).toHaveLength(1);
    const aside = repo.corruptFilesKeptAside[0] ?? '';
    expect(await fs.readFile(aside, 'utf8')).toBe('{"version":1,"consumers":[{"key":');
    expect(JSON.parse(await fs.readFile(repo.file, 'utf8'))).toMatchObject({ version: 1, consumers: [] });
  });

  it('replaces a file atomically: readers see the old or the new content, never a mix', async () => {
    const file = path.join(dir, 'x.json');
    await writeFileAtomic(file, 'old');
    await writeFileAtomic(file, 'new');
    expect(await fs.readFile(file, 'utf8')).toBe('new');
    expect(await fs.readdir(dir)).toEqual(['x.json']);
  });
});
