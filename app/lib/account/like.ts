/** Escapes LIKE's wildcards so %, _ and \ in a keyword match themselves (escape char: \). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, ch => `\\${ch}`);
}
