/**
 * Reading a file without trusting its size: a device (/dev/zero), a FIFO or a file that grows while
 * it is read reports a stat size of 0 or less than it holds, so `readFile` would read it to the end
 * whatever that costs. This reads by blocks and stops one block past `limit`. Hand-written: Node's
 * readFile has no limit option, and no library bounds a FileHandle read.
 */
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';

/** The file holds more than `limit` bytes; reading stopped at the limit. */
export class FileTooLarge extends Error {
  constructor(
    readonly path: string,
    readonly limit: number,
  ) {
    super(`${path} is larger than ${limit} bytes`);
    this.name = 'FileTooLarge';
  }
}

/** The file is a directory (EISDIR is raised by a read on Linux, by open elsewhere: made the same here). */
export class IsADirectory extends Error {
  readonly code = 'EISDIR';
  constructor(readonly path: string) {
    super(`${path} is a directory`);
    this.name = 'IsADirectory';
  }
}

/**
 * The bytes of `path`, at most `limit` of them. Throws FileTooLarge past the limit (memory used: at
 * most `limit` plus one 64 KiB block), IsADirectory, or the errno error of open/read as it is.
 */
export async function readFileBounded(path: string, limit: number): Promise<Buffer> {
  const handle: FileHandle = await open(path, 'r');
  try {
    const st = await handle.stat();
    if (st.isDirectory()) throw new IsADirectory(path);
    if (st.isFile() && st.size > limit) throw new FileTooLarge(path, limit);
    const chunks: Buffer[] = [];
    let size = 0;
    const block = Buffer.allocUnsafe(Math.min(64 * 1024, limit + 1));
    for (;;) {
      const { bytesRead } = await handle.read(block, 0, block.length, null);
      if (bytesRead === 0) break;
      size += bytesRead;
      if (size > limit) throw new FileTooLarge(path, limit);
      chunks.push(Buffer.from(block.subarray(0, bytesRead)));
    }
    return Buffer.concat(chunks, size);
  } finally {
    await handle.close().catch(() => undefined);
  }
}
