/** Awaits a promise that must reject with an AppError and returns that error for inspection. */
import { AppError } from '../shared/errors.ts';

export async function failure(p: Promise<unknown>): Promise<AppError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof AppError) return e;
    throw e;
  }
  throw new Error('expected the request to fail');
}
