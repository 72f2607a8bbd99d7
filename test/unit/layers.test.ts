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
      'electron/cli.ts',
      'electron/cli/x.ts',
      'electron/serve.ts',
      'electron/first-run.ts',
    ];
    for (const path of plainNode) {
      expect(
        await restrictedImportErrors(path, "import { app } from 'electron';\nexport const a = app;\n"),
        path,
      ).toEqual([expect.stringContaining('plain Node')]);
    }
  });

  it('lets the shell import electron, but raw ipcMain/ipcRenderer only in electron/ipc.ts and preload.ts', async () => {
    const importing = (names: string) => `import { ${names} } from 'electron';\nexport const x = [${names}];\n`;
    const rawIpc = [expect.stringContaining('touch raw IPC')];
    for (const path of ['electron/main.ts', 'electron/windows.ts', 'electron/ipc.ts', 'electron/preload.ts']) {
      expect(await restrictedImportErrors(path, importing('app, BrowserWindow')), path).toEqual([]);
    }
    expect(await restrictedImportErrors('electron/ipc.ts', importing('ipcMain'))).toEqual([]);
    expect(await restrictedImportErrors('electron/preload.ts', importing('contextBridge, ipcRenderer'))).toEqual([]);
    for (const path of ['electron/main.ts', 'electron/windows.ts', 'test/unit/x.test.ts', 'scripts/x.mjs']) {
      expect(await restrictedImportErrors(path, importing('ipcMain')), path).toEqual(rawIpc);
      expect(await restrictedImportErrors(path, importing('ipcRenderer')), path).toEqual(rawIpc);
    }
    // The detours: the namespace and the default export reach ipcMain just the same.
    const namespace = "import * as e from 'electron';\nexport const m = e.ipcMain;\n";
    const defaultExport = "import e from 'electron';\nexport const m = e.ipcMain;\n";
    expect(await restrictedImportErrors('electron/main.ts', namespace)).toEqual(rawIpc);
    expect(await restrictedImportErrors('electron/main.ts', defaultExport)).toEqual(rawIpc);
  });
});
