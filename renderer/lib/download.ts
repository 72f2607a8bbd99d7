/// <reference lib="dom" />
/**
 * Saving a file from the renderer without the door: a Blob behind a temporary `<a download>`. Works
 * in browser mode and on the desktop alike (Electron saves it to the downloads folder or asks).
 */

/** Offers `text` as a file called `name`. */
export function downloadText(name: string, text: string, type = 'text/plain;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  a.hidden = true;
  document.body.append(a);
  try {
    a.click();
  } finally {
    a.remove();
    // The click has handed the Blob over; revoke later so slow browsers still read it.
    setTimeout(() => URL.revokeObjectURL(url), 30_000);
  }
}
