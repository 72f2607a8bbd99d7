/** An error's structured fix in the console: a button where the screen can run it, else a sentence; never a command. */
import { describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import ErrorLine from '../../renderer/components/error-line.svelte';
import type { ErrorInfo } from '../../shared/errors.ts';

const MISSING: ErrorInfo = {
  code: 'CREDENTIALS_MISSING',
  message: 'sync needs the admin login of prod, and none is stored or given.',
  fix: { action: 'login', cluster: 'prod' },
};

describe('ErrorLine with a fix', () => {
  it('is a button that runs the fix where the screen can run it', async () => {
    const login = vi.fn();
    render(ErrorLine, { error: MISSING, actions: { login } });
    const alert = screen.getByRole('alert');
    await fireEvent.click(screen.getByRole('button', { name: 'Log in…' }));
    expect(login).toHaveBeenCalledWith(MISSING.fix);
    expect(alert.textContent).not.toMatch(/oslc-admin|--[a-z]/);
  });

  it('is a sentence where it cannot, naming what to do in the console', () => {
    render(ErrorLine, {
      error: {
        code: 'PROVISIONAL_KEY_NOT_FOUND',
        message: 'No node of prod holds k1 as a provisional key.',
        fix: { action: 'register', cluster: 'prod', key: 'k1' },
      },
    });
    expect(screen.queryByRole('button')).toBeNull();
    expect(screen.getByRole('alert').textContent).toContain(
      'Register the consumer by hand with its key k1 and its secret (Register consumer), then sync.',
    );
  });

  it('says nothing more for an error without a fix', () => {
    render(ErrorLine, { error: { code: 'NODE_TIMEOUT', message: 'no answer', node: 'node2' } });
    expect(screen.getByRole('alert').textContent?.replace(/\s+/g, ' ').trim()).toBe('node2: NODE_TIMEOUT no answer');
  });
});
