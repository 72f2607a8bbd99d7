/**
 * Issue 27: a short CLI command keeps undici's WebAssembly HTTP parser on V8's baseline tier, so the
 * process's exit does not wait for the optimizing compiler (the bench measures the time saved);
 * long-running commands keep the optimizing tier. node:v8 is mocked: this checks the decision only.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';

const setFlagsFromString = vi.fn();
vi.mock('node:v8', () => ({ setFlagsFromString, default: { setFlagsFromString } }));
const { baselineWasmUnlessLongRunning } = await import('../../electron/cli/main.ts');

describe('the WebAssembly tier of a CLI command', () => {
  beforeEach(() => setFlagsFromString.mockClear());

  it.each(['status', 'sync', 'approve', 'check', 'diagnose', 'report'])('%s ends soon: baseline only', (name) => {
    baselineWasmUnlessLongRunning(name);
    expect(setFlagsFromString).toHaveBeenCalledWith('--liftoff-only');
  });

  it.each(['watch', 'serve', 'sandbox'])('%s keeps running: the optimizing tier stays', (name) => {
    baselineWasmUnlessLongRunning(name);
    expect(setFlagsFromString).not.toHaveBeenCalled();
  });

  it('an engine that refuses the flag changes nothing', () => {
    setFlagsFromString.mockImplementationOnce(() => {
      throw new Error('unrecognized flag');
    });
    expect(() => baselineWasmUnlessLongRunning('status')).not.toThrow();
  });
});
