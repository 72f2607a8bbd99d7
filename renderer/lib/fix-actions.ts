/**
 * The fixes (shared/fix.ts) the console can run, given once by the app to every error line below it
 * (Svelte context), so an error's fix is a button wherever it is shown, not a command to type.
 */
import { getContext, setContext } from 'svelte';
import type { Fix, FixAction } from '../../shared/fix.ts';

export type FixRunner = (fix: Fix) => void;
export type FixActions = Partial<Record<FixAction, FixRunner>>;

const KEY = Symbol('fix-actions');

export function setFixActions(actions: FixActions): void {
  setContext(KEY, actions);
}

export function getFixActions(): FixActions {
  return getContext<FixActions | undefined>(KEY) ?? {};
}
