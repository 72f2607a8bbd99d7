/** The measure behind "no function in electron/core over ~80 lines": scripts/long-functions.ts. */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { longFunctions } from '../../scripts/long-functions.ts';

describe('long-functions', () => {
  let dir: string;
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('lists a function over the limit, by name and length, and not one at the limit', async () => {
    dir = await mkdtemp(join(tmpdir(), 'oslc-long-'));
    const body = (n: number) => Array.from({ length: n - 2 }, (_, i) => `  const v${i} = ${i};`).join('\n');
    await writeFile(
      join(dir, 'a.ts'),
      `export function short() {\n${body(80)}\n}\nexport const long = () => {\n${body(81)}\n};\n`,
    );
    const found = longFunctions([dir], 80, dir);
    expect(found).toEqual([{ file: 'a.ts', name: 'long', line: 81, lines: 81 }]);
  });

  it('finds no function in electron/core over 80 lines: a longer one is split into named steps', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    expect(longFunctions([join(root, 'electron/core')], 80, root)).toEqual([]);
  });
});
