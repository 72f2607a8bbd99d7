/**
 * The layer rules of ../shared/STYLE.md are enforced by lint: these tests feed ESLint imports that
 * break them, at the paths where they would break them, and expect an error naming the rule.
 */
import { ESLint } from 'eslint';
import { dirname, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function pathErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'import-x/no-restricted-paths').map((m) => m.message);
}

async function restrictedImportErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

// The first lint of a run loads the config and every plugin: seconds on a loaded 2-core machine.
describe('layer rules', { timeout: 30_000 }, () => {
  it('forbids Node, electron/ and renderer/ imports in shared/', async () => {
    const errors = await restrictedImportErrors(
      'shared/x.ts',
      "import { readFile } from 'node:fs';\nexport const f = readFile;\n",
    );
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) expect(e).toContain('shared/ is pure TypeScript');
    expect(
      await restrictedImportErrors(
        'shared/x.ts',
        "import { Engine } from '../electron/core/facade.ts';\nexport const e = Engine;\n",
      ),
    ).toHaveLength(1);
    expect(
      await restrictedImportErrors('shared/x.ts', "import { z } from 'zod';\nexport const s = z.string();\n"),
    ).toEqual([]);
  });

  it('forbids electron/ and Node imports in renderer/', async () => {
    expect(
      await restrictedImportErrors(
        'renderer/x.ts',
        "import { Engine } from '../electron/core/facade.ts';\nexport const e = Engine;\n",
      ),
    ).toEqual([expect.stringContaining('renderer/ talks only to the contract')]);
    expect(
      await restrictedImportErrors('renderer/x.ts', "import { readFile } from 'fs';\nexport const f = readFile;\n"),
    ).toHaveLength(1);
  });

  it('forbids the electron module in the engine, the sandbox, the CLI and browser mode', async () => {
    const plainNode = [
      'electron/core/x.ts',
      'electron/sandbox/x.ts',
      'electron/cli/main.ts',
      'electron/cli/x.ts',
      'electron/server/serve.ts',
      'electron/server/first-run.ts',
    ];
    for (const path of plainNode) {
      expect(
        await restrictedImportErrors(path, "import { app } from 'electron';\nexport const a = app;\n"),
        path,
      ).toEqual([expect.stringContaining('plain Node')]);
    }
  });

  it('lets the shell import electron, but raw ipcMain/ipcRenderer only in electron/desktop/ipc.ts and preload.ts', async () => {
    const importing = (names: string) => `import { ${names} } from 'electron';\nexport const x = [${names}];\n`;
    const rawIpc = [expect.stringContaining('touch raw IPC')];
    for (const path of [
      'electron/desktop/main.ts',
      'electron/desktop/windows.ts',
      'electron/desktop/ipc.ts',
      'electron/desktop/preload.ts',
    ]) {
      expect(await restrictedImportErrors(path, importing('app, BrowserWindow')), path).toEqual([]);
    }
    expect(await restrictedImportErrors('electron/desktop/ipc.ts', importing('ipcMain'))).toEqual([]);
    expect(
      await restrictedImportErrors('electron/desktop/preload.ts', importing('contextBridge, ipcRenderer')),
    ).toEqual([]);
    for (const path of [
      'electron/desktop/main.ts',
      'electron/desktop/windows.ts',
      'test/unit/x.test.ts',
      'scripts/x.mjs',
    ]) {
      expect(await restrictedImportErrors(path, importing('ipcMain')), path).toEqual(rawIpc);
      expect(await restrictedImportErrors(path, importing('ipcRenderer')), path).toEqual(rawIpc);
    }
    // The detours: the namespace and the default export reach ipcMain just the same.
    const namespace = "import * as e from 'electron';\nexport const m = e.ipcMain;\n";
    const defaultExport = "import e from 'electron';\nexport const m = e.ipcMain;\n";
    expect(await restrictedImportErrors('electron/desktop/main.ts', namespace)).toEqual(rawIpc);
    expect(await restrictedImportErrors('electron/desktop/main.ts', defaultExport)).toEqual(rawIpc);
  });

  it('refuses every import across folders that the README does not allow, from any depth', async () => {
    // The rule as the README states it ("Shape of the code"), written here independently of eslint.config.js.
    const allowed: Record<string, string[]> = {
      'electron/core': ['shared'],
      'electron/sandbox': ['shared'],
      'electron/server': ['electron/core', 'electron/sandbox', 'shared'],
      'electron/cli': ['electron/core', 'electron/sandbox', 'electron/server', 'shared'],
      'electron/desktop': ['electron/core', 'electron/server', 'shared'],
      renderer: ['shared'],
      shared: [],
    };
    // One real file in each folder (the rule resolves imports, so the target must exist).
    const fileIn: Record<string, string> = {
      'electron/core': 'electron/core/facade.ts',
      'electron/sandbox': 'electron/sandbox/index.ts',
      'electron/server': 'electron/server/serve.ts',
      'electron/cli': 'electron/cli/main.ts',
      'electron/desktop': 'electron/desktop/ipc.ts',
      renderer: 'renderer/lib/words.ts',
      shared: 'shared/errors.ts',
      test: 'test/_cli.ts',
      scripts: 'scripts/build.mjs',
    };
    const refused: string[] = [];
    const let_through: string[] = [];
    for (const [from, ok] of Object.entries(allowed)) {
      for (const depth of [`${from}/x.ts`, `${from}/deep/er/x.ts`]) {
        for (const [to, target] of Object.entries(fileIn)) {
          if (to === from) continue;
          const spec = relative(dirname(depth), target);
          const errors = await pathErrors(depth, `import { a } from '${spec}';\nexport const b = a;\n`);
          const expected = ok.includes(to) ? 0 : 1;
          if (errors.length !== expected) (expected ? let_through : refused).push(`${depth} -> ${spec}`);
          if (expected) expect(errors[0], `${depth} -> ${spec}`).toContain(`${from}/ may import only`);
        }
      }
    }
    expect(let_through, 'forbidden imports lint let through').toEqual([]);
    expect(refused, 'allowed imports lint refused').toEqual([]);
  });

  it('refuses the edges a review found allowed before the folders were split', async () => {
    const edges = [
      ['electron/core/x.ts', '../desktop/ipc.ts'],
      ['electron/core/x.ts', '../desktop/windows.ts'],
      ['electron/core/x.ts', '../sandbox/index.ts'],
      ['electron/core/x.ts', '../cli/main.ts'],
      ['electron/core/http/x.ts', '../../../renderer/lib/words.ts'],
      ['electron/sandbox/x.ts', '../core/facade.ts'],
      ['electron/server/x.ts', '../desktop/main.ts'],
      ['electron/desktop/x.ts', '../cli/main.ts'],
    ];
    for (const [file, spec] of edges) {
      expect(
        await pathErrors(file!, `import { a } from '${spec}';\nexport const b = a;\n`),
        `${file} -> ${spec}`,
      ).toHaveLength(1);
    }
    // The two helpers the sandbox shares with the engine, by name; nothing else of the engine.
    expect(
      await pathErrors('electron/sandbox/x.ts', "import { a } from '../core/oauth/rfc5849.ts';\nexport const b = a;\n"),
    ).toEqual([]);
    expect(
      await pathErrors(
        'electron/sandbox/x.ts',
        "import { a } from '../core/config/bounded-read.ts';\nexport const b = a;\n",
      ),
    ).toEqual([]);
  });
});
