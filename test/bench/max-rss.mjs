// Preloaded (`node --import`) by the bench only, into the CLI processes it measures (processes.ts,
// measureCli): on exit, writes the process's peak resident set size in KiB to OSLC_BENCH_MAX_RSS_FILE.
import { writeFileSync } from 'node:fs';

const file = process.env.OSLC_BENCH_MAX_RSS_FILE;
if (file) process.once('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
