/** Browser mode for the e2e specs: the real `oslc-admin serve --sandbox` process, a fresh one (and a fresh config home) per test. */
import { test as base } from '@playwright/test';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServe } from '../_serve.ts';
import type { ServeProcess } from '../_serve.ts';

/** A test whose `served` fixture runs `serve --sandbox <extra…>` (e.g. `--tls`, `--dialect clearquest`). */
export function servedWith(extra: string[]) {
  return base.extend<{ served: ServeProcess }>({
    served: [
      // Playwright reads a fixture's dependencies from its first parameter's pattern: none here.
      // eslint-disable-next-line no-empty-pattern
      async ({}, use) => {
        const home = await mkdtemp(join(tmpdir(), 'oslc-e2e-'));
        const server = await startServe(['--sandbox', ...extra, '--home', home]);
        try {
          await use(server);
        } finally {
          await server.stop();
          await rm(home, { recursive: true, force: true });
        }
      },
      { scope: 'test' },
    ],
  });
}

export const test = servedWith([]);

export { expect } from '@playwright/test';
