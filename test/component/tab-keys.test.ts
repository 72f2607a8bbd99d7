import { describe, expect, it } from 'vitest';
import { tabIndexAfterKey } from '../../renderer/lib/tab-keys.ts';

describe('tabIndexAfterKey (WAI-ARIA tabs pattern)', () => {
  it('moves right and left, wrapping at both ends', () => {
    expect(tabIndexAfterKey('ArrowRight', 0, 5)).toBe(1);
    expect(tabIndexAfterKey('ArrowRight', 4, 5)).toBe(0);
    expect(tabIndexAfterKey('ArrowLeft', 0, 5)).toBe(4);
    expect(tabIndexAfterKey('ArrowLeft', 3, 5)).toBe(2);
  });
  it('goes to the first and the last with Home and End', () => {
    expect(tabIndexAfterKey('Home', 3, 5)).toBe(0);
    expect(tabIndexAfterKey('End', 1, 5)).toBe(4);
  });
  it('ignores every other key, and an empty tab list', () => {
    for (const key of ['Enter', ' ', 'ArrowUp', 'ArrowDown', 'a', 'Tab'])
      expect(tabIndexAfterKey(key, 2, 5)).toBeNull();
    expect(tabIndexAfterKey('ArrowRight', 0, 0)).toBeNull();
  });
});
