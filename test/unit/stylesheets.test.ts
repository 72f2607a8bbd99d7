/** The console's stylesheet is one file per area under renderer/styles/, each imported once, none left out. */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../renderer/', import.meta.url);

describe('renderer stylesheets', () => {
  it('styles.css imports every file of styles/ once, and nothing else', () => {
    const index = readFileSync(new URL('styles.css', root), 'utf8');
    const imported = [...index.matchAll(/@import '\.\/styles\/([^']+)';/g)].map((m) => m[1]);
    const files = readdirSync(new URL('styles/', root)).filter((f) => f.endsWith('.css'));
    expect([...imported].sort()).toEqual([...files].sort());
    expect(new Set(imported).size).toBe(imported.length);
    // Only imports and comments: a rule written here would land after every area's rules.
    expect(
      index
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/@import '[^']+';/g, '')
        .trim(),
    ).toBe('');
  });

  it('keeps each area file under 400 lines', () => {
    for (const f of readdirSync(new URL('styles/', root))) {
      const lines = readFileSync(new URL(`styles/${f}`, root), 'utf8').split('\n').length;
      expect(lines, f).toBeLessThan(400);
    }
  });
});
