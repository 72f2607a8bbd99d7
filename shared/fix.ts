/**
 * What the admin can do about an error, as data: each door says it its own way. The console renders
 * a fix as a button (when the screen can run it) or a sentence ({@link fixWords}); the CLI as a
 * command line ({@link fixCommand}). So no engine message carries CLI syntax, and no console screen
 * tells the admin to type a command next to the button that does it.
 */

export type Fix =
  /** Store the cluster's admin login (the console's Log in; `oslc-admin login`). */
  | { action: 'login'; cluster: string }
  /** Store it without trying it on a node (no node answered the check). */
  | { action: 'login-unchecked'; cluster: string }
  /** Give the admin login for this one operation only (no keychain needed). */
  | { action: 'login-once'; cluster: string }
  /** A field of the cluster's definition is missing or wrong. */
  | { action: 'edit-cluster'; cluster: string; field: 'repo' | 'db' | 'nodes' | 'ca' }
  /** Register the consumer by hand with its key and secret, then sync. */
  | { action: 'register'; cluster: string; key: string }
  /** Give the consumer's secret (track it with its secret). */
  | { action: 'give-secret'; cluster: string; key: string }
  /** Track a consumer. */
  | { action: 'track'; cluster: string }
  /** Approve on the node that holds the key (let the tool find it). */
  | { action: 'approve'; cluster: string; key: string; node?: string }
  /** Keep the configuration in another directory. */
  | { action: 'other-home' }
  /** Make the OS keychain available, or give secrets for one call. */
  | { action: 'keychain'; platform: string };

export type FixAction = Fix['action'];

/** The fix as the CLI prints it: a command line (or, where no one command does it, words with the option). */
export function fixCommand(fix: Fix): string {
  switch (fix.action) {
    case 'login':
      return `oslc-admin login ${fix.cluster} --user <admin>`;
    case 'login-unchecked':
      return `oslc-admin login ${fix.cluster} --user <admin> --no-verify`;
    case 'login-once':
      return `pass the login for this call: --user <admin> --password-stdin (nothing is stored)`;
    case 'edit-cluster':
      return `oslc-admin cluster add ${fix.cluster} … --${fix.field} <${fix.field}> (or edit it in the console)`;
    case 'register':
      return `oslc-admin register ${fix.cluster} --name N --key ${fix.key} --secret-stdin, then oslc-admin sync ${fix.cluster}`;
    case 'give-secret':
      return `give the secret with --secret-stdin, or oslc-admin consumer track ${fix.cluster} --key ${fix.key} --secret-stdin`;
    case 'track':
      return `oslc-admin consumer track ${fix.cluster} --key K --secret-stdin`;
    case 'approve':
      return `oslc-admin approve ${fix.cluster} --key ${fix.key}${fix.node ? ` --node ${fix.node}` : ''}`;
    case 'other-home':
      return 'use --home DIR (or OSLC_ADMIN_HOME) to choose another directory';
    case 'keychain':
      // Not "use --password-stdin": `login --password-stdin` is what stores. Without a keychain each
      // command takes the login (and a consumer's secret) for that call instead.
      return `${keychainWords(fix.platform)}; or work without a keychain, giving the login to each command: oslc-admin status <cluster> --user <admin> --password-stdin (likewise sync; a consumer's secret: --secret-stdin)`;
  }
}

/** The fix as the console says it, for a screen that has no button for it: plain words, no command. */
export function fixWords(fix: Fix): string {
  switch (fix.action) {
    case 'login':
      return `Log in to ${fix.cluster} (the admin login, in the cluster's header).`;
    case 'login-unchecked':
      return 'Store the login without checking it (Log in, then "Store without checking").';
    case 'login-once':
      return `Log in to ${fix.cluster} (the admin login, in the cluster's header).`;
    case 'edit-cluster':
      return `Edit the cluster and fill in its ${FIELD_WORDS[fix.field]}.`;
    case 'register':
      return `Register the consumer by hand with its key ${fix.key} and its secret (Register consumer), then sync.`;
    case 'give-secret':
      return `Give the consumer's secret for ${fix.key} (track it with its secret).`;
    case 'track':
      return 'Track a consumer (Register consumer, or its key and secret).';
    case 'approve':
      return `Approve ${fix.key} on the node that holds it${fix.node ? ` (${fix.node})` : ''}.`;
    case 'other-home':
      return 'Start the console with another config directory (OSLC_ADMIN_HOME).';
    case 'keychain':
      return `${capitalize(keychainWords(fix.platform))}.`;
  }
}

/** A console button's label for a fix the screen can run. */
export function fixLabel(fix: Fix): string {
  switch (fix.action) {
    case 'login':
    case 'login-once':
      return 'Log in…';
    case 'login-unchecked':
      return 'Store without checking';
    case 'edit-cluster':
      return 'Edit cluster…';
    case 'register':
      return 'Register consumer…';
    case 'give-secret':
      return 'Give the secret…';
    case 'track':
      return 'Track a consumer…';
    case 'approve':
      return `Approve ${fix.key}`;
    case 'other-home':
    case 'keychain':
      return fixWords(fix);
  }
}

const FIELD_WORDS: Record<'repo' | 'db' | 'nodes' | 'ca', string> = {
  repo: 'repository and database names',
  db: 'repository and database names',
  nodes: 'nodes',
  ca: 'CA certificate',
};

function keychainWords(platform: string): string {
  switch (platform) {
    case 'darwin':
      return 'unlock your login keychain (Keychain Access) and allow OSLC Cluster Admin to use it when asked';
    case 'win32':
      return 'make sure the Windows Credential Manager service is running and your user profile is loaded';
    default:
      return 'start a Secret Service such as gnome-keyring-daemon and unlock it';
  }
}

function capitalize(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
