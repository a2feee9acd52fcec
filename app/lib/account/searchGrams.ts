// Which rows of the search index (table user_search_gram, see the migration
// 20261125000002-create-user-search-gram.js, grams up to 4 characters since migration
// 20261125000003) a keyword looks up. The index holds every 1- to 4-character substring of each
// username ("anywhere" grams) and its first 1-4 characters ("prefix" grams). The database compares grams with the username's own collation, so the
// keyword's grams are taken as typed: no case folding here.

/** Longest gram the index stores. */
export const GRAM_LENGTH = 4;
/** `user.username` is VARCHAR(20): a longer keyword cannot be contained in any name. */
export const USERNAME_MAX_LENGTH = 20;
/** Gram lookups joined per query: enough to be selective, few enough to plan quickly. */
export const MAX_GRAMS = 4;

export interface GramLookup {
  /** The prefix gram every name starting with the keyword has. */
  prefix: string;
  /**
   * Grams every name containing the keyword has: the keyword itself up to GRAM_LENGTH
   * characters, else each of its distinct GRAM_LENGTH-character substrings, in order.
   */
  anywhere: string[];
}

/** Characters as MySQL counts them in utf8mb4 (code points, not UTF-16 units). */
export const characters = (text: string) => [ ...text ];

/** The `size`-character substrings of `text`, one per position. */
export function grams(text: string, size: number): string[] {
  const chars = characters(text);
  const result: string[] = [];
  for (let i = 0; i + size <= chars.length; i++) result.push(chars.slice(i, i + size).join(''));
  return result;
}

/**
 * The grams to look up for a keyword, or null when no username can contain it. Every name
 * containing the keyword has all of them; app/repository/search.ts picks the rarest.
 */
export function gramLookup(keyword: string): GramLookup | null {
  const chars = characters(keyword);
  if (chars.length === 0 || chars.length > USERNAME_MAX_LENGTH) return null;
  if (chars.length <= GRAM_LENGTH) return { prefix: keyword, anywhere: [ keyword ] };
  const all = grams(keyword, GRAM_LENGTH);
  return { prefix: all[0], anywhere: [ ...new Set(all) ] };
}
