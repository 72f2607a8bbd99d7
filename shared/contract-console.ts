/**
 * Operations the console needs beyond the CLI's (issue "The desktop app…"): the embedded sandbox's
 * controls, so the seed story and every fault can be shown and taught from the UI, and opening a
 * node's own admin page in a node-pinned window (desktop) or a tab (browser mode); and what the whole
 * console needs beyond that (issue "The whole console…"): cluster edit, the report preview, settings.
 */
import type { ReportEvent } from './diagnose.ts';
import type { ClusterDefinition } from './model.ts';
import type { ClusterInput } from './schema.ts';

/** One node of the embedded sandbox, as its control surface shows it. Keys only, never secrets. */
export interface SandboxNodeView {
  id: string;
  url: string;
  up: boolean;
  latencyMs: number;
  clockOffsetSeconds: number;
  /** The product version the node's `Server` header names (the control server's version switch). */
  version?: string;
  /** Consumer keys in this node's in-memory registry (its copy of the repository). */
  registry: string[];
  /** Provisional consumer keys in this node's memory. */
  provisional: string[];
}

/** The embedded sandbox behind one cluster: its balancer, nodes and repository, and its throwaway admin login. */
export interface SandboxView {
  cluster: string;
  balancer: string;
  sticky: boolean;
  tls: boolean;
  nodes: SandboxNodeView[];
  repository: { consumers: { key: string; name: string; trusted: boolean }[] };
  /**
   * The embedded sandbox's own admin login, so its authorize and admin pages can be used from the
   * console (issue 18, defect 6). Not a real secret: the sandbox makes a new random password at every
   * start, on loopback, and only a sandbox this process runs is ever asked (NOT_SUPPORTED otherwise).
   * The one exception to "no secret reaches the renderer"; never written to disk, a log or a report.
   */
  adminLogin?: { user: string; password: string };
}

export const SANDBOX_NODE_ACTIONS = ['kill', 'restart', 'latency', 'clock'] as const;
export type SandboxNodeAction = (typeof SANDBOX_NODE_ACTIONS)[number];

export interface SandboxNodeArg {
  cluster: string;
  node: string;
  action: SandboxNodeAction;
  /** `latency`: milliseconds (0…600000); `clock`: seconds the node's clock is shifted by. */
  value?: number;
}

export interface AdminPageResult {
  cluster: string;
  node: string;
  /** The node's own admin page, on the node's origin (never through the balancer). */
  url: string;
  /** The pinned window's title: the node id and its URL, so the admin sees which node they act on. */
  title: string;
  /**
   * How the door opened it: a node-pinned window (desktop; the call resolves when it is closed),
   * a browser tab (browser mode), or not at all (the CLI prints the URL).
   */
  opened: 'pinned-window' | 'tab' | 'none';
}

/** What the Settings screen shows: where things are kept and what the network goes through. */
export interface SettingsView {
  /** The config directory in use (clusters.json, audit.jsonl). */
  configDir: string;
  keychain: {
    /** E.g. "the Secret Service", "the macOS Keychain". */
    backend: string;
    /** False when a probe entry could not be stored, read back and deleted; `problem` says why. */
    available: boolean;
    problem: string | null;
  };
  /**
   * From the environment; shown as scheme://host:port only, never with credentials. `source`: where
   * each node's proxy is decided — the environment (CLI, browser mode) or the OS settings / PAC file
   * (the desktop, through Chromium). Loopback is always direct.
   */
  proxy: { https: string | null; http: string | null; noProxy: string | null; source?: 'environment' | 'system' };
  /** Which OS trust store the engine trusts beside each cluster's CA bundle and pins. */
  trustStore?: string;
  version: string;
  platform: string;
}

/** A report rendered but not written: the console previews it, then saves or downloads it. */
export interface ReportPreview {
  cluster: string;
  generatedAt: string;
  consumers: number;
  files: { name: 'report.md' | 'report.json' | 'report-mapping.json'; text: string }[];
}

export interface ConsoleContract {
  /** The embedded sandbox behind `cluster`; NOT_SUPPORTED when this process runs none for it. */
  sandboxState: { arg: { cluster: string }; result: SandboxView; progress: never };
  /**
   * Plays a consumer (RTC) making a friendship through the balancer: the provider creates a
   * provisional key in the memory of the one node that answered. The key is then tracked with its
   * secret (in the OS keychain), so status can probe it.
   */
  sandboxFriend: {
    arg: { cluster: string; name: string; secret: string };
    result: { key: string; node: string; name: string };
    progress: never;
  };
  /** Kills or restarts a sandbox node, or sets its latency or clock offset. */
  sandboxNode: { arg: SandboxNodeArg; result: SandboxView; progress: never };
  /**
   * Checks that `url` (default: the node's own admin page) is on that node's origin, then the door
   * opens it pinned to that node. Desktop: resolves when the admin closes the window.
   */
  openAdminPage: { arg: { cluster: string; node: string; url?: string }; result: AdminPageResult; progress: never };
  /**
   * Replaces a cluster's definition from the edit form (validated like addCluster). Tracked consumers,
   * the stored login and pinned fingerprints are kept; renaming is not offered (secrets are keyed by name).
   */
  updateCluster: { arg: ClusterInput; result: ClusterDefinition; progress: never };
  /** The support report's two files, redacted, without writing them (preview, download). */
  reportPreview: {
    arg: { cluster: string; errorText?: string; anonymize?: boolean };
    result: ReportPreview;
    progress: ReportEvent;
  };
  /** Where the config lives, which keychain is in use and whether it works, the proxy in use. */
  settings: { arg: Record<string, never>; result: SettingsView; progress: never };
  /**
   * Starts the embedded sandbox and adds it as the cluster `sandbox` (the empty console's "Start the
   * sandbox"); answers the one already running when there is one. Only a door that can run one
   * (desktop, browser mode) offers it; elsewhere NOT_SUPPORTED. The argument must be `{}`.
   */
  startSandbox: { arg: Record<string, never>; result: { cluster: string }; progress: never };
}

export const CONSOLE_OPERATIONS = [
  'sandboxState',
  'sandboxFriend',
  'sandboxNode',
  'openAdminPage',
  'updateCluster',
  'reportPreview',
  'settings',
  'startSandbox',
] as const;
