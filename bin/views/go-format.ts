// Go's text forms that `cilium bgp` prints, reproduced so the tables read the same:
// time.Duration(d).Round(time.Second).String() ("33m26s", "1h0m5s", "0s"), and text/tabwriter
// with cilium-cli's settings (minwidth 5, padding 3, spaces). Pure.

/** Go's Duration.Round(time.Second).String() for a non-negative duration in milliseconds. */
export function goDuration(ms: number): string {
  // Round half away from zero, as Go's Duration.Round does.
  const total = Math.max(0, Math.floor(ms / 1000 + 0.5));
  if (total === 0) return '0s';
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}

export interface TableStyle {
  readonly minWidth: number;
  readonly padding: number;
}

/** cilium-cli's tabwriter.NewWriter(out, 5, 0, 3, ' ', 0). */
export const CiliumTable: TableStyle = { minWidth: 5, padding: 3 };

/**
 * Aligns rows as Go's tabwriter does when every cell but a line's last is tab-terminated: a column
 * is as wide as its widest cell plus the padding, at least minWidth. The last cell of each row is
 * not padded; trailing blanks are trimmed.
 */
export function renderTable(rows: readonly (readonly string[])[], style: TableStyle = CiliumTable): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, i) => {
      if (i === row.length - 1) return;
      widths[i] = Math.max(widths[i] ?? style.minWidth, cell.length + style.padding);
    });
  }
  return rows
    .map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join('').trimEnd())
    .join('\n')
    .concat(rows.length ? '\n' : '');
}
