// What `npm start` (scripts/start.mjs) makes of its child's end: the exit code to pass on, and the
// sentence to print when the child did not end by itself. A child killed by a signal we did not
// forward (SIGTRAP or SIGABRT from Chromium's sandbox check, SIGSEGV, SIGKILL from the OOM killer)
// crashed: that is a failure, with its reason, never exit 0.
import { constants } from 'node:os';
import { statSync } from 'node:fs';

/** The SUID helper's state, in words, when it is the likely reason for a crash at start; else null. */
export function sandboxHelperProblem(helper) {
  let st;
  try {
    st = statSync(helper);
  } catch {
    return null;
  }
  const suidRoot = st.uid === 0 && (st.mode & 0o4000) !== 0;
  if (suidRoot) return null;
  return (
    `Chromium's sandbox helper ${helper} is not owned by root with mode 4755, and this host does not ` +
    'allow unprivileged user namespaces, so Electron cannot start its sandbox. Fix it once with ' +
    `\`sudo chown root:root ${helper} && sudo chmod 4755 ${helper}\` (never start the app with --no-sandbox).`
  );
}

/**
 * @param {{ code: number | null, signal: NodeJS.Signals | null, forwarded: ReadonlySet<string>, what: string, helper?: string | null }} ended
 * @returns {{ exitCode: number, message: string | null }}
 */
export function childExitOutcome({ code, signal, forwarded, what, helper = null }) {
  if (signal === null) return { exitCode: code ?? 0, message: null };
  // The admin pressed Ctrl-C (or a service manager sent SIGTERM) and we passed it on: a normal stop.
  if (forwarded.has(signal)) return { exitCode: 0, message: null };
  const number = constants.signals[signal];
  let message = `${what} crashed: it was killed by ${signal}${number ? ` (signal ${number})` : ''}.`;
  if (signal === 'SIGTRAP' || signal === 'SIGABRT') {
    const hint = process.platform === 'linux' && helper ? sandboxHelperProblem(helper) : null;
    if (hint) message += ` ${hint}`;
  }
  return { exitCode: number ? 128 + number : 1, message };
}
