/**
 * Text that came from a node or a file (reason phrases, headers, bodies, certificate fields, key and
 * consumer names, error messages that quote any of these) shown as text, never as instructions to a
 * terminal or markup, and never disguised by invisible or direction-changing characters.
 * Applied at the output edges (the CLI's printers and streams, report.md), never to the data itself:
 * the engine keeps what the node sent, the JSON keeps it exactly, only what is shown is escaped.
 *
 * Written by hand: no maintained library escapes exactly this set visibly (strip-ansi and friends
 * remove escape sequences, which hides that a node sent them; they leave C1 and bidi controls).
 */

/**
 * The one decision, for both doors, of what a reader must not be shown raw: every character of the
 * Unicode general categories Cc (C0 controls with TAB and LF, DEL, C1 controls), Cf (format
 * characters: the bidi embeddings, overrides, isolates and marks that reorder what is around them,
 * zero-width space and joiners, word joiner, the BOM, soft hyphen, tag characters…), Zl and Zp
 * (line and paragraph separators). A key named `bidi\u202egnp.exe\u202c` would otherwise read
 * "bidiexe.png", and `zero\u200bwidth\ufeff` would read "zerowidth".
 */
const HIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu;

/** How a hidden character is shown: the console's marked `⟨U+202E⟩`, or the terminal's `\u202e`. */
export type HiddenSpelling = 'console' | 'terminal';

/** `\u001b`: the JSON and JavaScript spelling (one escape per UTF-16 unit), so escaped text stays valid inside a JSON string. */
function escaped(ch: string): string {
  let out = '';
  for (let i = 0; i < ch.length; i++) out += `\\u${ch.charCodeAt(i).toString(16).padStart(4, '0')}`;
  return out;
}

/** `⟨U+202E⟩`: what the console shows in place of a hidden character. */
function marked(ch: string): string {
  return `⟨U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}⟩`;
}

/**
 * `s` with every hidden character (see {@link HIDDEN}) written visibly; `keep` lists characters
 * left as they are (the terminal keeps LF and TAB in multi-line output). The CLI and the console
 * both call this, so they agree on what is hidden.
 */
export function revealHidden(s: string, spelling: HiddenSpelling, keep = ''): string {
  if (!(keep === LINES_KEPT ? MAYBE_HIDDEN_IN_LINES : MAYBE_HIDDEN).test(s)) return s;
  const spell = spelling === 'console' ? marked : escaped;
  return s.replace(HIDDEN, (ch) => (keep.includes(ch) ? ch : spell(ch)));
}

/**
 * Every UTF-16 unit that may belong to a {@link HIDDEN} character, as a plain (non-/u) class: every
 * BMP character of Cc, Cf, Zl and Zp, and any high surrogate (the astral format characters). It finds
 * nothing in almost all text, and a plain class scans several times faster than the Unicode-property
 * one: --json at 64 nodes × 50,000 keys is 125 MB through the CLI's escaping streams (issue 27).
 * test/unit/network-text.test.ts checks it against HIDDEN for every BMP character.
 */
const MAYBE_HIDDEN =
  // eslint-disable-next-line no-control-regex -- looking for control characters is the point
  /[\0-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\ud800-\udbff]/;
/** {@link MAYBE_HIDDEN} for {@link terminalLines}, which keeps LF and TAB. */
const MAYBE_HIDDEN_IN_LINES =
  // eslint-disable-next-line no-control-regex -- looking for control characters is the point
  /[\0-\x08\x0b-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e\u200b-\u200f\u2028-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb\ud800-\udbff]/;
const LINES_KEPT = '\n\t';

/** For the test: whether the quick pre-check would look further at `s` (exported for that only). */
export function mayHoldHidden(s: string, keepLines = false): boolean {
  return (keepLines ? MAYBE_HIDDEN_IN_LINES : MAYBE_HIDDEN).test(s);
}

/** True when `s` holds a character {@link revealHidden} would write visibly. */
export function hasControlCharacters(s: string): boolean {
  HIDDEN.lastIndex = 0;
  return HIDDEN.test(s);
}

/** One line of text for a terminal: every hidden character (newlines too) shown as `\uXXXX`. */
export function terminalText(s: string): string {
  return revealHidden(s, 'terminal');
}

/**
 * Several lines for a terminal (what a command prints as a whole): LF and TAB kept, every other
 * hidden character shown as `\uXXXX`. The CLI's output streams pass through this, so no node text
 * reaches the terminal as a control sequence or disguised by a format character, even where a
 * printer forgot {@link terminalText}; a suggested command (`approve --key …`) included.
 */
export function terminalLines(s: string): string {
  return revealHidden(s, 'terminal', LINES_KEPT);
}

/** Characters with a meaning in CommonMark/GFM inline text and table cells. */
const MARKDOWN_META = /[\\`*_[\]{}()<>#+!|~&]/g;

/**
 * Text for inline Markdown (a table cell, a list item): controls escaped as in
 * {@link terminalText}, Markdown metacharacters backslash-escaped, so a node's text neither breaks
 * the table nor becomes a link, an image, emphasis or HTML.
 */
export function markdownText(s: string): string {
  return terminalText(s).replace(MARKDOWN_META, (c) => `\\${c}`);
}

/**
 * Text for a Markdown code span: controls escaped, backticks cannot close the span (the fence is
 * longer than any run of backticks inside), and the span is padded where the text starts or ends
 * with a backtick.
 */
export function markdownCode(s: string): string {
  const text = terminalText(s);
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}
