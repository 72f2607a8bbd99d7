/** The one place arguments are checked: the contract's field schemas, applied by parseArgFields. */
import { describe, expect, it } from 'vitest';
import { ARG_FIELDS } from '../../shared/contract-args.ts';
import { OPERATIONS } from '../../shared/contract.ts';
import { isAppError } from '../../shared/errors.ts';
import { parseArgFields } from '../../shared/schema.ts';

function refusal(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (isAppError(e)) return `${e.code} ${e.message}`;
    throw e;
  }
  return 'accepted';
}

describe('ARG_FIELDS and parseArgFields', () => {
  it('names only operations of the contract', () => {
    for (const name of Object.keys(ARG_FIELDS)) expect(OPERATIONS).toContain(name);
  });

  it('refuses the first bad field by its name, and a non-object argument as "arg"', () => {
    const fields = ARG_FIELDS.storeCredentials!;
    expect(refusal(() => parseArgFields(fields, { cluster: 'c', user: 'u\u202e', password: 'p' }))).toMatch(
      /^BAD_INPUT user: /,
    );
    expect(refusal(() => parseArgFields(fields, { cluster: 'c', user: 'u', password: 'x'.repeat(5000) }))).toMatch(
      /^BAD_INPUT password: /,
    );
    expect(refusal(() => parseArgFields(fields, null as never))).toBe('BAD_INPUT arg: must be an object');
  });

  it('leaves an absent optional field absent and keeps the fields it does not check', () => {
    const out = parseArgFields(ARG_FIELDS.trackConsumer!, { cluster: 'c', key: 'k1' });
    expect(out).toEqual({ cluster: 'c', key: 'k1' });
    expect('secret' in out).toBe(false);
  });
});
