import fsp from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { appendLineDurable, isAtomicTempFile, nodeAtomicFs, writeFileAtomic } from '../../electron/core/atomic-file.ts';
import type { AtomicFs } from '../../electron/core/atomic-file.ts';
import { useTempHomes } from '../_home.ts';

const newDir = useTempHomes('oslc-atomic-');
const posix = process.platform !== 'win32';

function errno(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: simulated`), { code });
}

describe('writeFileAtomic', () => {
  it('creates a file readable and writable by its owner only, leaving no temporary file', async () => {
    const d = await newDir();
    await writeFileAtomic(d.path('a.json'), '{"a":1}\n');
    expect(await fsp.readFile(d.path('a.json'), 'utf8')).toBe('{"a":1}\n');
    if (posix) expect((await fsp.stat(d.path('a.json'))).mode & 0o777).toBe(0o600);
    expect(await d.list()).toEqual(['a.json']);
  });

  it('replaces an existing file entirely and applies the requested mode', async () => {
    const d = await newDir();
    await fsp.writeFile(d.path('a.txt'), 'old content that is longer than the new one', { mode: 0o644 });
    await writeFileAtomic(d.path('a.txt'), new TextEncoder().encode('new'), { mode: 0o640 });
    expect(await fsp.readFile(d.path('a.txt'), 'utf8')).toBe('new');
    if (posix) expect((await fsp.stat(d.path('a.txt'))).mode & 0o777).toBe(0o640);
  });

  it('keeps the old file and removes its temporary file when the rename fails', async () => {
    const d = await newDir();
    await fsp.writeFile(d.path('a.txt'), 'old');
    const fs: AtomicFs = { ...nodeAtomicFs, rename: async () => Promise.reject(errno('EXDEV')) };
    await expect(writeFileAtomic(d.path('a.txt'), 'new', { fs })).rejects.toMatchObject({ code: 'EXDEV' });
    expect(await fsp.readFile(d.path('a.txt'), 'utf8')).toBe('old');
    expect((await d.list()).filter(isAtomicTempFile)).toEqual([]);
    expect(await d.list()).toEqual(['a.txt']);
  });

  it('keeps the old file and removes its temporary file when flushing to disk fails', async () => {
    const d = await newDir();
    await fsp.writeFile(d.path('a.txt'), 'old');
    const fs: AtomicFs = {
      ...nodeAtomicFs,
      open: async (path, flags, mode) => {
        const handle = await fsp.open(path, flags, mode);
        return String(path).endsWith('.atomic-tmp')
          ? Object.assign(handle, { sync: async () => Promise.reject(errno('EIO')) })
          : handle;
      },
    };
    await expect(writeFileAtomic(d.path('a.txt'), 'new', { fs })).rejects.toMatchObject({ code: 'EIO' });
    expect(await fsp.readFile(d.path('a.txt'), 'utf8')).toBe('old');
    expect(await d.list()).toEqual(['a.txt']);
  });

  it('fails without touching anything when the directory does not exist', async () => {
    const d = await newDir();
    await expect(writeFileAtomic(d.path('missing', 'a.txt'), 'x')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await d.list()).toEqual([]);
  });

  it('leaves one complete version when many writers race', async () => {
    const d = await newDir();
    const versions = Array.from({ length: 20 }, (_, i) => JSON.stringify({ i, pad: 'x'.repeat(10_000) }));
    await Promise.all(versions.map((v) => writeFileAtomic(d.path('a.json'), v)));
    expect(versions).toContain(await fsp.readFile(d.path('a.json'), 'utf8'));
    expect(await d.list()).toEqual(['a.json']);
  });
});

describe('appendLineDurable', () => {
  it('creates the log owner-only and appends one line per call', async () => {
    const d = await newDir();
    await appendLineDurable(d.path('audit.log'), '{"n":1}');
    await appendLineDurable(d.path('audit.log'), '{"n":2}');
    expect(await fsp.readFile(d.path('audit.log'), 'utf8')).toBe('{"n":1}\n{"n":2}\n');
    if (posix) expect((await fsp.stat(d.path('audit.log'))).mode & 0o777).toBe(0o600);
  });

  it('never interleaves lines written at the same time', async () => {
    const d = await newDir();
    const lines = Array.from({ length: 50 }, (_, i) => `${i}:${String(i).repeat(2000)}`);
    await Promise.all(lines.map((l) => appendLineDurable(d.path('audit.log'), l)));
    const written = (await fsp.readFile(d.path('audit.log'), 'utf8')).split('\n');
    expect(written.pop()).toBe('');
    expect([...written].sort()).toEqual([...lines].sort());
  });

  it('refuses a line containing a line break, so one call is always one log line', async () => {
    const d = await newDir();
    await expect(appendLineDurable(d.path('audit.log'), 'a\nb')).rejects.toMatchObject({ code: 'INTERNAL' });
    await expect(appendLineDurable(d.path('audit.log'), 'a\rb')).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(await d.list()).toEqual([]);
  });
});
