/**
 * The layer rules of ../shared/STYLE.md are enforced by lint: these tests feed ESLint imports that
 * break them, at the paths where they would break them, and expect an error naming the rule.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function restrictedImportErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('layer rules', () => {
  it('forbids Node, electron/ and renderer/ imports in shared/', async () => {
    const errors = await restrictedImportErrors('shared/x.ts', "import { readFile } from 'node:fs';\nexport const f = readFile;\n");
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) expect(e).toContain('shared/ is pure TypeScript');
    expect(await restrictedImportErrors('shared/x.ts', "import { Engine } from '../electron/core/facade.ts';\nexport const e = Engine;\n")).toHaveLength(1);
    expect(await restrictedImportErrors('shared/x.ts', "import { z } from 'zod';\nexport const s = z.string();\n")).toEqual([]);
  });

  it('forbids electron/ and Node imports in renderer/', async () => {
    expect(await restrictedImportErrors('renderer/x.ts', "import { Engine } from '../electron/core/facade.ts';\nexport const e = Engine;\n")).toEqual([expect.stringContaining('renderer/ talks only to the contract')]);
    expect(await restrictedImportErrors('renderer/x.ts', "import { readFile } from 'fs';\nexport const f = readFile;\n")).toHaveLength(1);
  });

  it('forbids the electron module in the engine, the sandbox and the CLI', async () => {
    for (const path of ['electron/core/x.ts', 'electron/sandbox/x.ts', 'electron/cli.ts']) {
      expect(await restrictedImportErrors(path, "import { app } from 'electron';\nexport const a = app;\n"), path).toEqual([expect.stringContaining('plain Node')]);
    }
  });
});
