/** POSIX shell quoting for values placed in pipeline scripts and README commands. */
export function shQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}
