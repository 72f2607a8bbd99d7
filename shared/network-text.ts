/**
 * Text that came from a node (reason phrases, headers, bodies, certificate fields, key names, error
 * messages that quote any of these) shown as text, never as instructions to a terminal or markup.
 * Applied at the output edges (the CLI's printers and streams, report.md), never to the data itself:
 * the engine keeps what the node sent, the JSON keeps it exactly, only what is shown is escaped.
 *
 * Written by hand: no maintained library escapes exactly this set visibly (strip-ansi and friends
 * remove escape sequences, which hides that a node sent them; they leave C1 and bidi controls).
 */

/**
 * C0 controls (with TAB and LF), DEL, C1 controls, and the bidirectional embedding, override and
 * isolate controls (U+202A–U+202E, U+2066–U+2069) plus the marks U+200E, U+200F and U+061C, which
 * can reorder what a reader sees. Line and paragraph separators (U+2028, U+2029) break lines too.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const CONTROLS_KEEP_LINES =
  // eslint-disable-next-line no-control-regex -- the same set without TAB and LF, for multi-line output
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** `\u001b`: the JSON and JavaScript spelling, so the escaped text stays valid inside a JSON string. */
function visible(ch: string): string {
  return `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** True when `s` holds a character {@link terminalText} would escape. */
export function hasControlCharacters(s: string): boolean {
  CONTROLS.lastIndex = 0;
  return CONTROLS.test(s);
}

/** One line of text for a terminal: every control character (newlines too) shown as `\uXXXX`. */
export function terminalText(s: string): string {
  return s.replace(CONTROLS, visible);
}

/**
 * Several lines for a terminal (what a command prints as a whole): LF and TAB kept, every other
 * control character shown as `\uXXXX`. The CLI's output streams pass through this, so no node text
 * reaches the terminal as a control sequence even where a printer forgot {@link terminalText}.
 */
export function terminalLines(s: string): string {
  return s.replace(CONTROLS_KEEP_LINES, visible);
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
