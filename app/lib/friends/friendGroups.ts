// goodfriendlist's grouping (README "Friends"): one group per index letter of the displayed
// name, A to Z then `#`, names inside a group in Chinese (pinyin) collation.
import { pinyin } from 'pinyin-pro';

export interface FriendItem {
  /** The goodfriend row's id. */
  id: number;
  /** My remark for the friend. */
  beizhu: string;
  username: string;
  avatar: string;
  friend_nickname: string;
  friend_id: number;
  /** What the list shows: `beizhu || friend_nickname || username`. */
  name: string;
  uuid: string;
}

export interface FriendGroup {
  title: string;
  list: FriendItem[];
}

export interface GroupedFriends {
  newList: FriendGroup[];
  indexList: string[];
  total: number;
}

export const OTHER = '#';
const HAN = /^\p{Script=Han}$/u;
const LATIN = /^[A-Za-z]$/;

// pinyin-pro takes tens of microseconds per call, and a list of 2,000 friends repeats the same
// first characters; there are about 100k Han characters, so the cache stays small.
const hanInitials = new Map<string, string>();

function hanInitial(character: string): string {
  let initial = hanInitials.get(character);
  if (initial === undefined) {
    const letter = pinyin(character, { pattern: 'first', toneType: 'none', type: 'array' })[0] ?? '';
    initial = LATIN.test(letter) ? letter.toUpperCase() : OTHER;
    hanInitials.set(character, initial);
  }
  return initial;
}

/**
 * The index letter of a name: a Latin letter (accents and full-width forms folded: É -> E,
 * Ｚ -> Z) uppercased; a Chinese character's pinyin initial, uppercased (its most common
 * reading); `#` for anything else (digits, symbols, emoji, characters without a reading).
 */
export function titleOf(name: string): string {
  const first = name.codePointAt(0);
  if (first === undefined) return OTHER;
  const character = String.fromCodePoint(first);
  if (HAN.test(character)) return hanInitial(character);
  const base = character.normalize('NFKD')[0];
  return LATIN.test(base) ? base.toUpperCase() : OTHER;
}

const collator = new Intl.Collator('zh-CN');

// A-Z, then `#`.
const rank = (title: string) => (title === OTHER ? 26 : title.charCodeAt(0) - 65);

const byName = (a: FriendItem, b: FriendItem) => collator.compare(a.name, b.name) || a.friend_id - b.friend_id;

/** Groups a page of friends: A-Z then `#`, empty groups left out; inside a group zh-CN collation of `name`, ties by `friend_id`. */
export function groupFriends(items: FriendItem[]): GroupedFriends {
  const groups = new Map<string, FriendItem[]>();
  for (const item of items) {
    const title = titleOf(item.name);
    const list = groups.get(title);
    if (list) list.push(item);
    else groups.set(title, [ item ]);
  }
  const indexList = [ ...groups.keys() ].sort((a, b) => rank(a) - rank(b));
  const newList = indexList.map(title => ({ title, list: groups.get(title)!.sort(byName) }));
  return { newList, indexList, total: indexList.length };
}
