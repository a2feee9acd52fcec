// Answers kept serialized (the whole body, UTF-8 JSON) per process by key, each with the version
// it was built from: goodfriendlist's and listapplyfriend's pages by (user, page, limit),
// groupinfo by group (docs/performance.md "goodfriendlist: a page served from its version").
// The version (a row replaced by triggers on every write that changes the answer) is read on
// every request, so a change is seen on the next one; an answer is built again only when its
// version moved. Least recently used answers go first once the cache holds its bytes of JSON.

/** About 75 full 2,000-friend pages (436 KB each) per process. */
export const MAX_BYTES = 32 * 1024 * 1024;

interface Entry {
  version: string;
  json: Buffer;
}

export class PageCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(private readonly maxBytes = MAX_BYTES) {}

  /** The JSON of the page built from `version`, or undefined. */
  get(key: string, version: string): Buffer | undefined {
    const entry = this.entries.get(key);
    if (!entry || entry.version !== version) return undefined;
    // Most recently used last (a Map keeps insertion order).
    this.entries.delete(key);
    this.entries.set(key, entry);
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
    this.entries.set(key, { version, json });
    this.bytes += json.length;
    for (const [ oldest ] of this.entries) {
      if (this.bytes <= this.maxBytes) break;
      this.drop(oldest);
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
