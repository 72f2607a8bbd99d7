// SHA256SUMS in the format `sha256sum -c` and PowerShell's Get-FileHash comparisons expect: one
// line per artifact, `<64 hex digits><two spaces><file name relative to the folder>`.
import { createHash } from 'node:crypto';
import { createReadStream, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

export const SUMS_FILE = 'SHA256SUMS';

export async function sha256File(file) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk);
  return hash.digest('hex');
}

/** Writes `<dir>/SHA256SUMS` for `files` (absolute, inside `dir`); returns its lines. */
export async function writeSha256Sums(dir, files) {
  const names = files.map((f) => {
    const rel = relative(dir, f);
    if (rel === '' || rel.startsWith('..')) throw new Error(`${f} is not inside ${dir}`);
    return rel.split(sep).join('/');
  });
  const unique = [...new Set(names)].filter((n) => n !== SUMS_FILE).sort();
  const lines = [];
  for (const name of unique) lines.push(`${await sha256File(join(dir, name))}  ${name}`);
  writeFileSync(join(dir, SUMS_FILE), lines.length ? `${lines.join('\n')}\n` : '');
  return lines;
}

/** Parses SHA256SUMS text into `{ name, sha256 }` rows; throws on a line in any other shape. */
export function parseSha256Sums(text) {
  return text
    .split('\n')
    .filter((l) => l !== '')
    .map((line) => {
      const m = /^([0-9a-f]{64}) [ *](.+)$/.exec(line);
      if (!m) throw new Error(`not a SHA256SUMS line: ${line}`);
      return { sha256: m[1], name: m[2] };
    });
}
