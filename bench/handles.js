'use strict';
// Usernames shaped like real handles, and search keywords of every kind drawn from them.
// Shared by the bench (bench/seed.js) and the search plan test (test/app/account/searchPlan.test.ts):
// both must see the same skew. Deterministic for a given seed.
//
// Shapes, as people pick them: two words and digits (`ambercastle74`), two words joined by an
// underscore (`breeze_green`), a given name and a word (`lucyriver`), pinyin (`zhangwei88`,
// `li_na`), Chinese characters (`张伟`, `王芳88`), each sometimes in mixed case (`GhostPepper56`).
// Words are drawn with a Zipf-like skew, so some 4-grams are everywhere and most are rare.

const WORDS = (
  'amber castle ghost pepper breeze green river stone shadow light dark night star moon sun ' +
  'sky cloud rain snow storm wind fire ice water ocean wave sea lake forest tree leaf flower ' +
  'rose lily blossom garden summer winter spring autumn golden silver iron steel crystal ' +
  'diamond pearl ruby jade coral magic dream happy lucky sweet honey sugar candy cookie apple ' +
  'orange lemon cherry berry mango peach melon coffee tea milk bread butter cheese pizza ' +
  'tiger lion wolf fox bear eagle hawk falcon raven dragon phoenix panda kitty puppy bunny ' +
  'rabbit horse zebra monkey shark whale dolphin turtle snake spider butterfly bee king queen ' +
  'prince princess knight warrior hunter ranger wizard ninja samurai pirate captain angel ' +
  'devil demon hero legend master chief boss lord lady baby little big super mega ultra hyper ' +
  'cyber pixel code byte data neon retro vintage cosmic galaxy planet comet rocket space ' +
  'thunder lightning frost flame blaze spark glow shine bright silent quiet wild free brave ' +
  'bold swift quick lazy crazy funny cool hot red blue black white pink purple grey brown ' +
  'music song dance rock jazz blues melody rhythm piano guitar violin drum poet artist painter ' +
  'writer reader gamer player runner rider walker dreamer lover smile laugh tears heart soul ' +
  'spirit mind echo mirror glass paper ink pencil book story tale myth secret mystery hidden ' +
  'lost found home road path bridge tower city town village island mountain valley desert'
).split(' ');

const GIVEN = (
  'lucy tom jack anna mike max leo sam kate amy alex chris david emma lily sophia oliver noah ' +
  'mia ella jacob ethan grace chloe ryan kevin jason eric linda susan peter paul mark john mary'
).split(' ');

const PINYIN_FAMILY = 'zhang wang li liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin luo gao'.split(' ');
const PINYIN_GIVEN = (
  'wei fang na min jing li qiang lei jun yang yong yan jie tao ming chao xiu xia ping gang hua ' +
  'xiaoming xiaohong jianguo haoran yuxuan zihan yiming xinyi'
).split(' ');

const CJK_FAMILY = [ ...'张王李刘陈杨黄赵吴周徐孙马朱胡郭何林罗高' ];
const CJK_GIVEN = [ ...'伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰' ];

/** Longest username the `user` table holds. */
const USERNAME_MAX = 20;

// A seeded PRNG (Park-Miller), so a run can be replayed from its seed.
function prng(seed) {
  let state = (Math.abs(Math.floor(seed)) % 2147483646) + 1;
  return () => {
    state = (state * 48271) % 2147483647;
    return (state - 1) / 2147483646;
  };
}

function handleGenerator(seed = 42) {
  const random = prng(seed);
  // Zipf-like: the first entries of a list are picked far more often than the last ones.
  const skewed = list => list[Math.floor(list.length * random() ** 2.5)];
  const pick = list => list[Math.floor(random() * list.length)];
  const digits = () => String(Math.floor(random() * 10 ** (1 + Math.floor(random() * 4))));
  const title = word => word[0].toUpperCase() + word.slice(1);
  const shapes = [
    [ 0.35, () => skewed(WORDS) + skewed(WORDS) + digits() ],
    [ 0.10, () => `${skewed(WORDS)}_${skewed(WORDS)}` + (random() < 0.3 ? digits() : '') ],
    [ 0.15, () => skewed(GIVEN) + skewed(WORDS) + (random() < 0.5 ? digits() : '') ],
    [ 0.25, () => skewed(PINYIN_FAMILY) + (random() < 0.3 ? '_' : '') + skewed(PINYIN_GIVEN) + (random() < 0.6 ? digits() : '') ],
    [ 0.10, () => pick(CJK_FAMILY) + pick(CJK_GIVEN) + (random() < 0.5 ? pick(CJK_GIVEN) : '') + (random() < 0.3 ? digits() : '') ],
    [ 0.05, () => skewed(WORDS) + digits() ],
  ];
  const taken = new Set();
  return () => {
    for (;;) {
      let roll = random();
      const shape = shapes.find(([ share ]) => (roll -= share) < 0) || shapes[0];
      let name = shape[1]();
      // Mixed case: one name in five capitalizes its words.
      if (random() < 0.2) name = name.split('_').map(part => (/^[a-z]/.test(part) ? title(part) : part)).join('_').replace(/^[a-z]/, c => c.toUpperCase());
      if (random() < 0.1 && /[a-z]{6}/.test(name)) name = name.replace(/([a-z]{3})([a-z])/, (_, head, ch) => head + ch.toUpperCase());
      name = [ ...name ].slice(0, USERNAME_MAX).join('');
      if (name.length < 2) continue;
      const key = name.toLowerCase();
      if (!taken.has(key)) {
        taken.add(key);
        return name;
      }
    }
  };
}

/**
 * `count` distinct handles (case-insensitively distinct, as the unique index wants).
 * @param {number} count how many
 * @param {number} [seed] the PRNG's seed
 * @return {string[]} the handles
 */
function handles(count, seed = 42) {
  const next = handleGenerator(seed);
  return Array.from({ length: count }, next);
}

/**
 * Search keywords of every kind, `perKind` of each, drawn from `names` (the seeded handles):
 * - exact: a whole handle, of every shape;
 * - prefix: a handle's first 2 to n-1 characters;
 * - inner: a substring starting after the first character, 2 to 6 characters;
 * - none: two common words with a third word in between never seen in a handle (a miss whose
 *   grams are all common), or a handle with a digit appended that no handle has;
 * - commonGrams: 8 to 16 characters made of the most common words (long, every gram common),
 *   found or not.
 * The misses are checked against every handle (case-insensitively).
 * @param {string[]} names the seeded handles
 * @param {number} perKind keywords per kind
 * @param {number} [seed] the PRNG's seed
 * @return {Record<string, string[]>} keywords by kind
 */
function keywords(names, perKind, seed = 7) {
  const random = prng(seed);
  const pick = list => list[Math.floor(random() * list.length)];
  const lower = names.map(name => name.toLowerCase());
  const contains = keyword => {
    const k = keyword.toLowerCase();
    return lower.some(name => name.includes(k));
  };
  const chars = text => [ ...text ];
  const distinct = make => {
    const seen = new Set();
    for (let tries = 0; seen.size < perKind && tries < perKind * 50; tries++) {
      const keyword = make();
      if (keyword) seen.add(keyword);
    }
    return [ ...seen ];
  };
  const common = WORDS.slice(0, 20);
  return {
    exact: distinct(() => pick(names)),
    prefix: distinct(() => {
      const name = chars(pick(names));
      return name.length < 3 ? null : name.slice(0, 2 + Math.floor(random() * (name.length - 2))).join('');
    }),
    inner: distinct(() => {
      const name = chars(pick(names));
      if (name.length < 4) return null;
      const start = 1 + Math.floor(random() * (name.length - 3));
      const length = 2 + Math.floor(random() * Math.min(5, name.length - start - 1));
      return name.slice(start, start + length).join('');
    }),
    none: distinct(() => {
      const keyword = random() < 0.5 ? pick(common) + pick(WORDS) + pick(common) : `${pick(names)}${Math.floor(random() * 10)}`;
      return chars(keyword).length <= USERNAME_MAX && !contains(keyword) ? keyword : null;
    }),
    commonGrams: distinct(() => {
      let keyword = '';
      while (keyword.length < 8) keyword += pick(common);
      return keyword.slice(0, 16);
    }),
  };
}

/** Prefixes many handles share (the profile and compare runs search these). */
const COMMON_PREFIXES = [ ...PINYIN_FAMILY.slice(0, 10), ...WORDS.slice(0, 10) ];

module.exports = { handles, handleGenerator, keywords, prng, USERNAME_MAX, COMMON_PREFIXES };
