/** The README's list of CLI commands is the command list's, so the two cannot drift apart. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { synopsisBlock } from '../../electron/cli/commands.ts';

describe('the README and the CLI command list', () => {
  it('shows every command exactly as the one command list writes it', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const block = /## The CLI\n[\s\S]*?```\n([\s\S]*?)```\n/.exec(readme)?.[1];
    expect(block?.trimEnd()).toBe(synopsisBlock());
  });
});
