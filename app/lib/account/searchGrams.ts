// Which rows of the search index (table user_search_gram, see the migration
// 20261125000002-create-user-search-gram.js, grams up to 4 characters since migration
// 20261125000003) a keyword looks up. The index holds every 1- to 4-character substring of each
// username ("anywhere" grams) and its first 1-4 characters ("prefix" grams). The database compares grams with the username's own collation, so the
// keyword's grams are taken as typed: no case folding here.

/** Longest gram the index stores. */
export const GRAM_LENGTH = 4;
/** `user.username` is VARCHAR(20): a longer keyword cannot be contained in any name. */
export const USERNAME_MAX_LENGTH = 20;
/** Lookups joined per query: enough to be selective, few enough to plan quickly. */
export const MAX_GRAMS = 4;

export interface GramLookup {
  /** The prefix gram every name starting with the keyword has. */
  prefix: string;
  /** Grams every name containing the keyword has; the first drives the lookup. */
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
 * The grams to look up for a keyword, or null when no username can contain it.
 * Up to GRAM_LENGTH characters the keyword is one gram itself. Longer keywords use the grams
 * at every GRAM_LENGTH-th position plus the last one (together they cover the keyword), at most MAX_GRAMS; the
 * candidates they find are verified with LIKE, so any subset would be correct, a larger
 * one is just more selective.
 */
export function gramLookup(keyword: string): GramLookup | null {
  const chars = characters(keyword);
  if (chars.length === 0 || chars.length > USERNAME_MAX_LENGTH) return null;
  if (chars.length <= GRAM_LENGTH) return { prefix: keyword, anywhere: [ keyword ] };
  const all = grams(keyword, GRAM_LENGTH);
  const picked = all.filter((_, i) => i % GRAM_LENGTH === 0);
  const last = all[all.length - 1];
  const anywhere = [ ...new Set([ ...picked.slice(0, MAX_GRAMS - 1), last ]) ];
  return { prefix: all[0], anywhere };
}
