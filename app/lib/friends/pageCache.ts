// Answers kept serialized (the whole body, UTF-8 JSON) per process by key, each with the version
// it was built from: goodfriendlist's and listapplyfriend's pages by (user, page, limit),
// groupinfo by group, history's messages by id (docs/performance.md "goodfriendlist: a page
// served from its version"). The version (a row replaced by triggers on every write that changes
// the answer, or a message row's digest) is read on every request, so a change is seen on the
// next one; an answer is built again only when its version moved. Once the cache holds its bytes
// of JSON, answers go oldest first, but one read since it was last passed over gets a second
// chance (moved to the end): close to least recently used, without reordering the Map on every
// read, which cost history (50 reads a request, app/lib/messaging/messageJson.ts) 4 % of its time.

/** About 75 full 2,000-friend pages (436 KB each) per process. */
export const MAX_BYTES = 32 * 1024 * 1024;

interface Entry {
  version: string;
  json: Buffer;
  /** Read since it was stored or last passed over by the eviction. */
  used: boolean;
}

export class PageCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(private readonly maxBytes = MAX_BYTES) {}

  /** The JSON of the page built from `version`, or undefined. */
  get(key: string, version: string): Buffer | undefined {
    const entry = this.entries.get(key);
    if (!entry || entry.version !== version) return undefined;
    entry.used = true;
    return entry.json;
  }

  /**
   * The JSON kept for `key` under `version`, else `build()`'s, kept under `version`. Nothing is
   * kept without a version (null). The caller reads `version` before `build()` reads the rows,
   * so what is kept under it holds every change it names (or later ones).
   */
  async through(key: string, version: string | null, build: () => Promise<Buffer>): Promise<Buffer> {
    const kept = version === null ? undefined : this.get(key, version);
    if (kept !== undefined) return kept;
    const json = await build();
    if (version !== null) this.set(key, version, json);
    return json;
  }

  set(key: string, version: string, json: Buffer): void {
    this.drop(key);
    if (json.length > this.maxBytes) return;
    this.entries.set(key, { version, json, used: false });
    this.bytes += json.length;
    // Oldest first (a Map keeps insertion order, and iterates what is moved to its end too); a
    // page read since it was stored or passed over is moved to the end once instead; never `key`.
    for (const [ oldest, entry ] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      if (oldest === key) continue;
      if (entry.used) {
        entry.used = false;
        this.entries.delete(oldest);
        this.entries.set(oldest, entry);
      } else {
        this.drop(oldest);
      }
    }
  }

  private drop(key: string): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.bytes -= entry.json.length;
    this.entries.delete(key);
  }
}

/** The page's key: whose list, which page, how many per page. */
export const pageKey = (userId: number, page: number, limit: number) => `${userId}:${page}:${limit}`;
