/**
 * What a failed balancer did, in words that tell the truth, by its coded error: one source for the
 * CLI, the engine's notices and the console. A login page is an answer (a proxy or single sign-on in
 * front of the provider, or the wrong URL), not silence; a refused certificate is not "unreachable".
 */
import { ErrorCode } from './errors.ts';
import type { ErrorInfo } from './errors.ts';

/** What a balancer that failed did, by its coded error: a login page is an answer, not silence. */
export function balancerFailureWords(error: ErrorInfo | null): { headline: string; words: string } {
  switch (error?.code) {
    case undefined:
    case ErrorCode.NODE_UNREACHABLE:
    case ErrorCode.NODE_TIMEOUT:
      return { headline: 'NOT ANSWERING', words: 'did not answer' };
    case ErrorCode.LOGIN_PAGE:
      return {
        headline: 'ANSWERED WITH A LOGIN PAGE',
        words:
          'answered with a login page instead of the provider (a proxy or single sign-on sits in front of it, or the balancer URL is wrong)',
      };
    case ErrorCode.TLS_UNTRUSTED:
      return { headline: 'CERTIFICATE NOT TRUSTED', words: 'presented a certificate this tool does not trust' };
    default:
      return { headline: 'NOT ANSWERING AS THE PROVIDER', words: 'answered, but not as the provider' };
  }
}
