/**
 * The WAI-ARIA tabs pattern's keys (https://www.w3.org/WAI/ARIA/apg/patterns/tabs/), with automatic
 * activation: ArrowRight/ArrowLeft move to the next/previous tab (wrapping), Home and End to the
 * first and last. Hand-written rather than bits-ui's Tabs: that component owns the panels too, and
 * the console's one tabpanel (which shows the selected view) would have to become five.
 */

/** The index a key moves to from `current` among `count` tabs, or null for a key the tabs ignore. */
export function tabIndexAfterKey(key: string, current: number, count: number): number | null {
  if (count === 0) return null;
  switch (key) {
    case 'ArrowRight':
      return (current + 1) % count;
    case 'ArrowLeft':
      return (current - 1 + count) % count;
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}

/**
 * A keydown handler for a `role="tablist"`: selects the tab the key moves to (through `select`, by
 * id) and focuses its button (`#tab-<id>`).
 */
export function tabListKeys<Id extends string>(
  ids: readonly Id[],
  current: () => Id,
  select: (id: Id) => void,
): (event: KeyboardEvent) => void {
  return (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const next = tabIndexAfterKey(event.key, ids.indexOf(current()), ids.length);
    if (next === null) return;
    event.preventDefault();
    const id = ids[next]!;
    select(id);
    document.getElementById(`tab-${id}`)?.focus();
  };
}
