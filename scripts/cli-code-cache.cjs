// `node scripts/cli-code-cache.cjs BUNDLE OUT`: writes the V8 code cache of the CLI bundle that
// bin/oslc-admin.cjs loads it with (issue 27), and prints {"trainedOn":[…]} on stdout. Run in a
// process of its own, by the same Node the bin will run on, so that V8's version and flags match
// (V8 rejects a cache made under others); it uses the bin's own wrapper and flags.
//
// The cache is "trained": before V8 is asked for it, this process runs the commands whose start-up
// is measured (issue 27: `status` and `sync`, as the admin runs them) against a 3-node sandbox of
// the same bundle on 127.0.0.1, so every function they call is compiled and cached, not only the
// bundle's top level. A function V8 finds in the cache is not parsed and compiled again when first
// called; on this machine that is ~25 ms of a fresh 64-node sync. Functions of other commands
// compile lazily as before. The sandbox and the `cluster add` run in processes of their own
// (`--run BUNDLE -- ARGS…`), so their code does not swell the cache every command reads.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const { tmpdir } = require('node:os');
const path = require('node:path');
const { PassThrough, Writable } = require('node:stream');
const loader = require('../bin/oslc-admin.cjs');

/** The commands run before the cache is taken (the cluster is "train", its password in a file). */
const TRAINED_ON = [
  ['status', 'train'],
  ['status', 'train', '--json'],
  ['sync', 'train'],
];
/** However the training goes, the build does not wait longer than this for it. */
const TRAINING_TIMEOUT_MS = 60_000;

/** A stream that takes everything and keeps nothing: the training's output is not the point. */
const sink = () =>
  new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });

/** `--run BUNDLE -- ARGS…`: runs one command of the bundle in this process, as the bin would. */
async function runOne(bundle, args) {
  const { main } = loader.runBundle(loader.compileBundle(undefined, bundle), bundle);
  process.exitCode = await main(args, undefined, { processExits: true });
}

/** Starts the bundle's own sandbox (3 nodes) in a child process; its --json line, parsed, and the child. */
function startSandbox(bundle) {
  const child = spawn(process.execPath, [__filename, '--run', bundle, '--', 'sandbox', '--json', '--nodes', '3'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
      const nl = out.indexOf('\n');
      if (nl >= 0) resolve({ child, info: JSON.parse(out.slice(0, nl)) });
    });
    child.stderr.on('data', (d) => (err += d));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`the training sandbox exited (${code}) before it listened: ${err}`)));
  });
}

/** Adds a friend on the sandbox (a provisional key on one node), so the listings the training reads have keys. */
async function befriend(info, name) {
  const res = await fetch(`${info.control}/consumer/friend`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, secret: `${name}-secret` }),
  });
  if (!res.ok) throw new Error(`the training sandbox refused a friend: HTTP ${res.status}`);
}

/** Runs a command of the loaded bundle in this process, its output discarded; throws unless it succeeds. */
async function train(main, args) {
  const stdin = new PassThrough();
  stdin.end();
  const code = await main(args, { stdin, stdout: sink(), stderr: sink(), env: process.env }, {});
  if (code !== 0) throw new Error(`training: \`oslc-admin ${args.join(' ')}\` exited ${code}`);
}

async function makeCache(bundle, out) {
  const home = mkdtempSync(path.join(tmpdir(), 'oslc-cli-cache-'));
  let sandbox;
  const timer = setTimeout(() => {
    sandbox?.child.kill('SIGKILL');
    process.stderr.write(`the CLI's code cache: training took longer than ${TRAINING_TIMEOUT_MS / 1000} s\n`);
    process.exit(1);
  }, TRAINING_TIMEOUT_MS);
  try {
    sandbox = await startSandbox(bundle);
    const { info } = sandbox;
    await befriend(info, 'training-a');
    await befriend(info, 'training-b');
    const added = spawnSync(
      process.execPath,
      [
        __filename,
        '--run',
        bundle,
        '--',
        'cluster',
        'add',
        'train',
        '--kind',
        'sandbox',
        '--balancer',
        info.balancer,
        ...info.nodes.flatMap((n) => ['--node', n.url]),
        '--repo',
        info.repo,
        '--db',
        info.db,
        '--home',
        home,
      ],
      { encoding: 'utf8' },
    );
    if (added.status !== 0) throw new Error(`training: cluster add failed: ${added.stderr || added.stdout}`);
    const passwordFile = path.join(home, 'training-password');
    writeFileSync(passwordFile, info.admin.password, { mode: 0o600 });
    const login = ['--user', info.admin.user, '--password-file', passwordFile, '--home', home];

    loader.setShortCommandFlags();
    const script = loader.compileBundle(undefined, bundle);
    const { main } = loader.runBundle(script, bundle);
    for (const args of TRAINED_ON) await train(main, [...args, ...login]);
    writeFileSync(out, script.createCachedData());
    process.stdout.write(`${JSON.stringify({ trainedOn: TRAINED_ON.map((a) => a.join(' ')) })}\n`);
  } finally {
    clearTimeout(timer);
    sandbox?.child.kill('SIGTERM');
    rmSync(home, { recursive: true, force: true });
  }
}

const argv = process.argv.slice(2);
const done = (e) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
};
if (argv[0] === '--run' && argv[2] === '--') {
  runOne(argv[1], argv.slice(3)).catch(done);
} else if (argv.length === 2) {
  // The training leaves keep-alive connections to the sandbox open: the process ends when it is done.
  makeCache(argv[0], argv[1]).then(() => process.exit(0), done);
} else {
  process.stderr.write('usage: node scripts/cli-code-cache.cjs BUNDLE OUT\n');
  process.exit(2);
}
