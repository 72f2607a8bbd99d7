/**
 * `npm start` (scripts/start.mjs) with an "Electron" that crashes the way Chromium does when its
 * sandbox cannot start (a non-root user, no unprivileged user namespaces, a chrome-sandbox helper
 * that is not SUID root): killed by SIGTRAP. A crash is a failure with its reason, never exit 0.
 * The stand-in executable is a shell script that kills itself; nothing else of Electron is needed.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { childExitOutcome } from '../../scripts/child-exit.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'oslc-start-crash-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** An ELECTRON_OVERRIDE_DIST_PATH whose `electron` dies of `signal`, with a chrome-sandbox that is not SUID root. */
function crashingElectron(signal: string): string {
  const dir = mkdtempSync(join(work, 'dist-'));
  writeFileSync(join(dir, 'electron'), `#!/bin/sh\necho "stand-in Electron, crashing" >&2\nkill -${signal} $$\n`);
  chmodSync(join(dir, 'electron'), 0o755);
  writeFileSync(join(dir, 'chrome-sandbox'), 'not the real helper\n');
  chmodSync(join(dir, 'chrome-sandbox'), 0o755);
  return dir;
}

function npmStart(dist: string) {
  return spawnSync(process.execPath, [join(root, 'scripts/start.mjs')], {
    cwd: root,
    env: { ...process.env, ELECTRON_OVERRIDE_DIST_PATH: dist },
    encoding: 'utf8',
    timeout: 240_000,
  });
}

describe('npm start when Electron crashes', () => {
  it.skipIf(process.platform === 'win32')(
    'exits non-zero and names the signal and the sandbox helper to fix when Electron dies of SIGTRAP',
    () => {
      const dist = crashingElectron('TRAP');
      const r = npmStart(dist);
      expect(r.status, r.stderr).toBe(128 + constants.signals.SIGTRAP);
      expect(r.stderr).toContain('crashed: it was killed by SIGTRAP');
      // Run as root the helper is root-owned but not SUID; as a user it is not root-owned: both are named.
      expect(r.stderr).toContain(`${join(dist, 'chrome-sandbox')} is not owned by root with mode 4755`);
      expect(r.stderr).toContain('never start the app with --no-sandbox');
    },
    240_000,
  );

  it.skipIf(process.platform === 'win32')(
    'exits non-zero for any other crash (SIGSEGV), without the sandbox hint',
    () => {
      const r = npmStart(crashingElectron('SEGV'));
      expect(r.status, r.stderr).toBe(128 + constants.signals.SIGSEGV);
      expect(r.stderr).toContain('crashed: it was killed by SIGSEGV');
      expect(r.stderr).not.toContain('chrome-sandbox');
    },
    240_000,
  );
});

describe('childExitOutcome', () => {
  const none = new Set<string>();
  it('passes an ordinary exit code on, and treats a signal we forwarded (Ctrl-C) as a normal stop', () => {
    expect(childExitOutcome({ code: 0, signal: null, forwarded: none, what: 'x' })).toEqual({
      exitCode: 0,
      message: null,
    });
    expect(childExitOutcome({ code: 3, signal: null, forwarded: none, what: 'x' })).toEqual({
      exitCode: 3,
      message: null,
    });
    expect(childExitOutcome({ code: null, signal: 'SIGINT', forwarded: new Set(['SIGINT']), what: 'x' })).toEqual({
      exitCode: 0,
      message: null,
    });
  });

  it('calls a signal nobody sent a crash, even SIGINT when we did not forward it', () => {
    const r = childExitOutcome({ code: null, signal: 'SIGINT', forwarded: none, what: 'The app' });
    expect(r.exitCode).toBe(128 + constants.signals.SIGINT);
    expect(r.message).toBe(`The app crashed: it was killed by SIGINT (signal ${constants.signals.SIGINT}).`);
  });
});
