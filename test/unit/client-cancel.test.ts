/**
 * A cancel is INTERRUPTED in every door: the console's client says so of an aborted call as the CLI
 * (exit on Ctrl+C) and the engine (sync's `interrupted`) do, never INTERNAL.
 */
import { describe, expect, it } from 'vitest';
import { errorInfoOf } from '../../renderer/lib/client.ts';

describe('the client on a cancelled call', () => {
  it('answers INTERRUPTED for an AbortError', () => {
    expect(errorInfoOf(new DOMException('Cancelled', 'AbortError'))).toEqual({
      code: 'INTERRUPTED',
      message: 'Cancelled',
    });
  });

  it('still answers INTERNAL for a plain failure', () => {
    expect(errorInfoOf(new Error('boom')).code).toBe('INTERNAL');
  });
});
