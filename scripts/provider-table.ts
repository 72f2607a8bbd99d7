/**
 * Writes the README's provider table from electron/core/providers/facts.ts (`npm run docs:providers`),
 * or with `--check` exits 1 when the README differs (test/unit/provider-facts.test.ts checks the same).
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { withProviderTable } from '../electron/core/providers/facts.ts';

const readmePath = fileURLToPath(new URL('../README.md', import.meta.url));
const readme = await readFile(readmePath, 'utf8');
const next = withProviderTable(readme);
if (process.argv.includes('--check')) {
  if (next !== readme) {
    process.stderr.write(
      'README.md: the provider table differs from electron/core/providers/facts.ts; run npm run docs:providers\n',
    );
    process.exitCode = 1;
  }
} else if (next !== readme) {
  await writeFile(readmePath, next);
  process.stdout.write('README.md: provider table written\n');
} else process.stdout.write('README.md: provider table already up to date\n');
